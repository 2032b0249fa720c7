"""Resumable training runs: a killed job restarts from its last snapshot, not from step 0.

A `Checkpoint` is one file `<dir>/<name>.pt` holding the run's state (tensors moved to the
CPU), the step reached and a hash of everything that defines the run (its parameters, device
and dtype). On start a run loads the snapshot only if the hash matches, so changed parameters
never resume from a stale state. Changed code never does either: the compute CLI puts the
snapshots in `job_dir(<out>.ckpt, code)`, a folder named by the hash of the code the job imports
(workflow_support.compute_fingerprint, the key Snakemake reruns on), and removes the folders of
other code, so a run killed before an edit of its code starts afresh after it. Snapshots are written atomically (`atomic_io`), every
`DEEPRATES_CHECKPOINT_EVERY_S` seconds of wall time (default 60; an operational setting, not a
parameter: it never changes results). Full-batch gradient descent consumes no random numbers,
so a resumed run computes the same bytes as an uninterrupted one.

The compute CLI gives each job the directory `<out>.ckpt/` (`RunContext.checkpoint_dir`) and
removes it once the job's result is written; a job with several runs keeps finished runs'
final snapshots until then, so a kill during a later run does not redo the earlier ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from deeprates import atomic_io

ENV_INTERVAL = "DEEPRATES_CHECKPOINT_EVERY_S"
DEFAULT_INTERVAL_S = 60.0


def _interval() -> float:
    raw = os.environ.get(ENV_INTERVAL)
    if raw is None:
        return DEFAULT_INTERVAL_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{ENV_INTERVAL}={raw!r}: expected a number of seconds") from None
    return max(0.0, value)


def job_dir(root: str | os.PathLike, code: str) -> Path:
    """`<root>/<code>`: where a job running code `code` keeps its snapshots; snapshots of other
    code under `root` are deleted (a result mixing two versions of the code is never wanted).
    Torch-free, so jobs that never train do not pay for importing it."""
    root = Path(root)
    if root.is_dir():
        for other in root.iterdir():
            if other.name != code:
                shutil.rmtree(other) if other.is_dir() else other.unlink()
    return root / code


def key_hash(key: Any) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _to_cpu(obj: Any) -> Any:
    import torch

    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def _to_device(obj: Any, device) -> Any:
    import torch

    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: _to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(v, device) for v in obj)
    return obj


class Checkpoint:
    """Snapshots of one training run. `directory=None` disables checkpointing (tests, notebooks)."""

    def __init__(self, directory: str | os.PathLike | None, name: str, key: Any,
                 interval_s: float | None = None, log=None):
        self.path = None if directory is None else Path(directory) / f"{name}.pt"
        self.hash = key_hash(key)
        self.interval_s = _interval() if interval_s is None else float(interval_s)
        self._last = time.monotonic()
        self._log = log or (lambda msg: None)
        self.resumed_step: int | None = None

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def load(self, device) -> dict | None:
        """The saved {'step', 'state', ...} if a snapshot of this same run exists, else None."""
        if self.path is None or not self.path.exists():
            return None
        import torch

        try:
            snap = torch.load(self.path, map_location="cpu", weights_only=False)
        except Exception as exc:  # a truncated file cannot happen (atomic writes), but be safe
            self._log(f"checkpoint {self.path} unreadable ({exc}); starting afresh")
            return None
        if snap.get("hash") != self.hash:
            self._log(f"checkpoint {self.path} belongs to other parameters; starting afresh")
            return None
        self.resumed_step = int(snap["step"])
        self._log(f"resuming from checkpoint {self.path.name} at step {snap['step']}")
        return _to_device(snap["payload"], device)

    def due(self) -> bool:
        return self.path is not None and time.monotonic() - self._last >= self.interval_s

    def save(self, step: int, payload: dict) -> None:
        if self.path is None:
            return
        import torch

        buf = io.BytesIO()
        torch.save({"hash": self.hash, "step": int(step), "payload": _to_cpu(payload)}, buf)
        atomic_io.write_bytes(self.path, buf.getvalue())
        self._last = time.monotonic()

    def clear(self) -> None:
        if self.path is not None and self.path.exists():
            self.path.unlink()
