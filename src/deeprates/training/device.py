"""Torch setup shared by every training run: device, dtype, determinism, provenance.

Runs use the device the job was given (`ctx.device`: cuda when present under `device: auto`)
and the dtype the caller asks for: float64 for spectral computations (eigenvalues down to
1e-10 of the top one are fitted), float32 allowed for network training. Results carry
`run_info(...)` so a reader knows where and in what precision a number was made.
"""

from __future__ import annotations

import os

import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def dtype_of(name: str) -> torch.dtype:
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {name!r}") from None


def setup(device: str, threads: int = 1) -> torch.device:
    """Deterministic torch on `device` ('cpu' or 'cuda'), limited to `threads` CPU threads.

    cuBLAS needs CUBLAS_WORKSPACE_CONFIG set before its first use to be deterministic; it is
    set here (harmless on CPU). The same code runs on both devices; results agree up to
    floating-point noise (different summation orders), not bitwise.
    """
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    # The kernels' flag, which is what torch.use_deterministic_algorithms(True) sets besides
    # torch._inductor's: importing torch._inductor loads torch._dynamo, ~1.3 s of CPU in every
    # process, more than a short training job's training. Nothing here is compiled.
    torch._C._set_deterministic_algorithms(True)
    torch.set_num_threads(max(1, int(threads)))
    if device == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("device 'cuda' requested but torch sees no CUDA device")
        torch.backends.cuda.matmul.allow_tf32 = False  # TF32 would silently cut float32 to 10 bits
        torch.backends.cudnn.allow_tf32 = False
    elif device != "cpu":
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    return torch.device(device)


def generator(device: torch.device, seed: int) -> torch.Generator:
    """A seeded generator. Random draws are made on the CPU and moved, so a run draws the same
    numbers on every device (CUDA generators produce different streams)."""
    del device
    return torch.Generator(device="cpu").manual_seed(int(seed))


def randn(shape, gen: torch.Generator, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    return torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype=dtype, device=device)


def run_info(device: torch.device | str, dtype: torch.dtype | str) -> dict:
    """Where and how a run was computed: recorded in every training result."""
    dev = torch.device(device)
    info = {
        "device": dev.type,
        "dtype": str(dtype).replace("torch.", ""),
        "torch": torch.__version__,
    }
    if dev.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(dev)
        info["cuda"] = torch.version.cuda
    return info
