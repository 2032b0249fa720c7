"""Full-batch gradient descent with losses on a geometric step grid and checkpoints.

Every trained model in track B (lazy networks, free-knot splines, the autoencoder) runs
through `train`: the model supplies one GD step and a `record` of the quantities to log; the
loop records them at the steps of `geometric_indices` (every decade weighs the same in a
power-law fit, see deeprates.fitting) and snapshots the state so a killed job resumes.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from deeprates.fitting import geometric_indices
from deeprates.training.checkpoint import Checkpoint

# torch is imported by the callers that make tensors: importing this module (for record_steps)
# must not load it.
State = dict  # str -> torch.Tensor


def record_steps(n_steps: int, per_decade: int = 40) -> np.ndarray:
    """Steps 0 and the geometric grid of [1, n_steps] at which losses are logged."""
    return np.concatenate([[0], geometric_indices(n_steps, per_decade)]) if n_steps >= 1 else np.array([0])


def train(
    state: State,
    step: Callable[[State], None],
    record: Callable[[State, int], dict],
    n_steps: int,
    *,
    per_decade: int = 40,
    checkpoint: Checkpoint | None = None,
    device: torch.device | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[State, list[dict]]:
    """Run `n_steps` GD steps (`step` mutates `state`); returns the final state and records.

    `record(state, step)` returns the quantities logged at the steps of `record_steps`.

    A finished run's final state stays in its checkpoint (marked done), so a job killed later,
    during another run, reloads it instead of retraining.
    """
    device = device or next(iter(state.values())).device
    log = log or (lambda msg: None)
    at = set(int(s) for s in record_steps(n_steps, per_decade))
    records: list[dict] = []
    start = 0
    if checkpoint is not None:
        snap = checkpoint.load(device)
        if snap is not None:
            state, records, start = snap["state"], snap["records"], int(snap["step"])
            if snap.get("done"):
                return state, records
    every = max(1, n_steps // 10)
    for s in range(start, n_steps + 1):
        if s in at:
            records.append({"step": s, **record(state, s)})
        if s == n_steps:
            break
        step(state)
        if (s + 1) % every == 0:
            log(f"step {s + 1}/{n_steps}")
        if checkpoint is not None and checkpoint.due():
            checkpoint.save(s + 1, {"state": state, "records": records, "step": s + 1})
    if checkpoint is not None and checkpoint.enabled:
        checkpoint.save(n_steps, {"state": state, "records": records, "step": n_steps, "done": True})
    return state, records
