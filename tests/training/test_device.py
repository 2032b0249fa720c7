"""Device handling: every run records device, dtype and torch version; cuda without a GPU fails."""

import pytest
import torch

from deeprates.training import device


def test_run_info_records_device_dtype_torch():
    info = device.run_info("cpu", torch.float32)
    assert info == {"device": "cpu", "dtype": "float32", "torch": torch.__version__}
    assert device.dtype_of("float64") is torch.float64
    with pytest.raises(ValueError, match="dtype"):
        device.dtype_of("float16")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_gpu_is_an_error():
    with pytest.raises(RuntimeError, match="no CUDA"):
        device.setup("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cpu_and_cuda_agree():
    from deeprates.training import beam, spectral

    device.setup("cuda")
    cpu = spectral.decompose(beam.gram(300), beam.interval_target(300, 0.25, 0.75))
    gpu = spectral.decompose(beam.gram(300, "cuda"), beam.interval_target(300, 0.25, 0.75))
    assert abs(cpu.lam[:15] / gpu.lam[:15] - 1).max() < 1e-9
