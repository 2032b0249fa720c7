"""Endpoint networks: a spec, seeded minibatch-SGD training, and the weight file.

Training follows 2008.00741's recipe (SGD with momentum 0.9, weight decay 1e-4, a learning rate
that is flat and then decays linearly to a small fraction of itself), on the digits split of
`data`. A spec's `key` hashes everything that defines the trained weights (architecture, data
split, training schedule, seed), so two figures asking for the same network share one file.

Determinism: the initialisation comes from `torch.manual_seed(seed)`, the minibatch order of
epoch e from numpy's generator seeded with (seed, e), so a run resumed from its end-of-epoch
snapshot draws the same batches as an uninterrupted one. On the CPU a rerun gives the same
bytes; on a GPU the same run agrees up to floating-point summation order.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from deeprates.connectivity.data import digits_split
from deeprates.connectivity.forward import Layer, cross_entropy, error, logits


class TrainingDiverged(RuntimeError):
    pass


@dataclass(frozen=True)
class NetSpec:
    """One trained network. sizes = [64, hidden..., 10]; bias=False for the deep nets (the
    paper's layer-by-layer paths are for bias-free ReLU MLPs)."""

    sizes: tuple[int, ...]
    bias: bool
    seed: int
    n_train: int = 1000
    split_seed: int = 0
    epochs: int = 30
    batch: int = 64
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 1e-4
    flat_fraction: float = 0.5  # share of the epochs at the full learning rate
    final_lr_fraction: float = 0.01  # the rate reached at the end of the linear decay

    def __post_init__(self):
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))

    @property
    def key(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def name(self) -> str:
        arch = "x".join(map(str, self.sizes[1:-1]))
        return f"{'b' if self.bias else 'nb'}{arch}-s{self.seed}-{self.key}"

    def to_params(self) -> dict:
        return asdict(self)

    @classmethod
    def from_params(cls, d: dict) -> NetSpec:
        return cls(**d)


def spec_from_config(arch: dict, training: dict, seed: int) -> NetSpec:
    """A spec from a figure's `training` block and one architecture ({hidden, bias})."""
    sizes = (64, *[int(h) for h in arch["hidden"]], 10)
    return NetSpec(sizes=sizes, bias=bool(arch["bias"]), seed=int(seed), **training)


def learning_rate(spec: NetSpec, epoch: int) -> float:
    """Flat for the first flat_fraction of the epochs, then linear down to final_lr_fraction."""
    flat = spec.flat_fraction * spec.epochs
    if epoch < flat:
        return spec.lr
    span = max(spec.epochs - flat, 1.0)
    frac = min((epoch - flat) / span, 1.0)
    return spec.lr * (1.0 - frac * (1.0 - spec.final_lr_fraction))


class SGD:
    """Minibatch SGD with momentum and weight decay: torch.optim.SGD's update (no dampening, no
    Nesterov) written out, with the same tensor operations in the same order as its CPU
    implementation, hence the same weights bit for bit (tests/connectivity compares the two).
    torch.optim loads torch._dynamo on first use: ~1.3 s of CPU in each of Track E's 60 training
    jobs, where a small net trains in 0.2 s."""

    def __init__(self, params: list, momentum: float, weight_decay: float):
        self.params, self.momentum, self.weight_decay = params, momentum, weight_decay
        self.buffers: list = [None] * len(params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self, lr: float) -> None:
        import torch

        with torch.no_grad():
            for i, p in enumerate(self.params):
                grad = p.grad.add(p, alpha=self.weight_decay)
                if self.buffers[i] is None:
                    self.buffers[i] = torch.clone(grad).detach()
                else:
                    self.buffers[i].mul_(self.momentum).add_(grad, alpha=1)
                p.add_(self.buffers[i], alpha=-lr)

    def state_dict(self) -> dict:
        return {"momentum_buffers": list(self.buffers)}

    def load_state_dict(self, state: dict) -> None:
        # snapshots are loaded on the CPU: each buffer goes back to its parameter's device
        self.buffers = [None if b is None else b.to(p.device)
                        for b, p in zip(state["momentum_buffers"], self.params)]


@dataclass
class TrainedNet:
    spec: NetSpec
    layers: list[Layer]
    history: list[dict] = field(default_factory=list)
    info: dict = field(default_factory=dict)


def train(spec: NetSpec, device: str = "cpu", threads: int = 1, checkpoint_dir: Path | None = None,
          log=print) -> TrainedNet:
    """Train `spec` with minibatch SGD; resumable from end-of-epoch snapshots."""
    import torch

    from deeprates.training import device as tdev
    from deeprates.training.checkpoint import Checkpoint

    dev = tdev.setup(device, threads)
    split = digits_split(spec.n_train, spec.split_seed)
    x = torch.tensor(split.x_train, dtype=torch.float32, device=dev)
    y = torch.tensor(split.y_train, dtype=torch.long, device=dev)
    torch.manual_seed(spec.seed)
    mods = []
    for i, (a, b) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:])):
        mods.append(torch.nn.Linear(a, b, bias=spec.bias))
        if i < len(spec.sizes) - 2:
            mods.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*mods).to(dev)
    opt = SGD(list(model.parameters()), momentum=spec.momentum, weight_decay=spec.weight_decay)
    ckpt = Checkpoint(checkpoint_dir, spec.name, {"spec": spec.to_params(), "device": dev.type},
                      log=log)
    start, history = 0, []
    snap = ckpt.load(dev)
    if snap is not None:
        model.load_state_dict(snap["model"])
        opt.load_state_dict(snap["opt"])
        start, history = int(snap["epoch"]), list(snap["history"])
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(start, spec.epochs):
        lr = learning_rate(spec, epoch)
        order = np.random.default_rng((spec.seed, epoch)).permutation(spec.n_train)
        total = 0.0
        for s in range(0, spec.n_train, spec.batch):
            idx = torch.as_tensor(order[s : s + spec.batch], device=dev)
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step(lr)
            total += loss.item() * len(idx)
        mean = total / spec.n_train
        # NaN/inf, or a loss 100x that of guessing (ln 10 per image): the run has blown up
        if not math.isfinite(mean) or mean > 100 * math.log(spec.sizes[-1]):
            raise TrainingDiverged(
                f"training of {spec.name} diverged at epoch {epoch + 1} (loss {mean}): lr "
                f"{spec.lr}, batch {spec.batch}, sizes {list(spec.sizes)}; lower the figure's "
                "training.lr"
            )
        history.append({"epoch": epoch + 1, "train_loss": mean, "lr": learning_rate(spec, epoch)})
        if (epoch + 1) % max(1, spec.epochs // 10) == 0:  # progress: ten lines per run
            log(f"epoch {epoch + 1}/{spec.epochs}: train loss {mean:.4g}")
        if ckpt.due() or epoch + 1 == spec.epochs:
            ckpt.save(epoch + 1, {"model": model.state_dict(), "opt": opt.state_dict(),
                                  "epoch": epoch + 1, "history": history})
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    layers = [(m.weight.detach().cpu().double().numpy(),
               None if m.bias is None else m.bias.detach().cpu().double().numpy())
              for m in linears]
    z_tr, z_te = logits(layers, split.x_train), logits(layers, split.x_test)
    info = {**tdev.run_info(dev, torch.float32),
            "train_loss": cross_entropy(z_tr, split.y_train), "train_error": error(z_tr, split.y_train),
            "test_error": error(z_te, split.y_test)}
    return TrainedNet(spec, layers, history, info)


def to_npz_bytes(net: TrainedNet) -> bytes:
    arrays = {}
    for i, (W, b) in enumerate(net.layers):
        arrays[f"W{i}"] = W
        if b is not None:
            arrays[f"b{i}"] = b
    meta = {"spec": net.spec.to_params(), "history": net.history, "info": net.info}
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def load(path: str | Path) -> TrainedNet:
    """A trained network from its npz; names the file when it is unreadable."""
    try:
        with np.load(path) as f:
            meta = json.loads(bytes(f["meta"]).decode())
            n = len(meta["spec"]["sizes"]) - 1
            layers = [(f[f"W{i}"], f[f"b{i}"] if f"b{i}" in f.files else None) for i in range(n)]
    except Exception as exc:  # zipfile.BadZipFile, KeyError, ValueError, ...
        raise ValueError(f"{path}: not a readable trained-network file ({exc}); delete it and "
                         "rerun to retrain") from None
    return TrainedNet(NetSpec.from_params(meta["spec"]), layers, meta["history"], meta["info"])


# ---------------------------------------------------------------- wiring (used by the workflow)
def net_path(spec: NetSpec) -> str:
    """Where the workflow keeps a trained network, relative to the results directory."""
    return f"connectivity/nets/{spec.name}.npz"


def endpoint_specs(arch: dict, training: dict, count: int) -> list[NetSpec]:
    """The `count` endpoint networks of one architecture: seeds seed_base, seed_base + 1, ..."""
    t = dict(training)
    base = int(t.pop("seed_base"))
    return [spec_from_config(arch, t, base + i) for i in range(count)]


def code_fingerprint() -> str:
    """Hash of the code that trains a network (rerun trigger of the training rule)."""
    here = Path(__file__).resolve().parent
    files = [here / "nets.py", here / "data.py", here / "forward.py",
             here.parent / "training" / "device.py", here.parent / "training" / "checkpoint.py"]
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()[:16]
