"""Divergence is data, not a crash.

A run that blows up (as the stability figure needs) is recorded with the step at which it did;
a run that theory says must converge and that produces a non-finite loss is a defect somewhere
(parameters, code or theory) and fails its job with a message naming the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A loss this many times the initial one counts as diverged: every stable run in this track
# stays below its initial loss up to O(1) factors, while an unstable linear recursion grows
# geometrically and crosses any fixed factor within a few dozen e-folds.
BLOWUP_FACTOR = 1e6


class UnexpectedDivergence(RuntimeError):
    """A run that theory says converges produced a non-finite or exploding loss."""


@dataclass(frozen=True)
class Outcome:
    diverged: bool
    step: int | None  # first step at which the loss was non-finite or above the blow-up level
    reason: str = ""

    def to_dict(self) -> dict:
        return {"diverged": self.diverged, "step": self.step, "reason": self.reason}


def first_blowup(steps: np.ndarray, losses: np.ndarray, loss0: float) -> Outcome:
    """The first logged step where the loss is non-finite or above BLOWUP_FACTOR * loss0."""
    losses = np.asarray(losses, dtype=float)
    bad = ~np.isfinite(losses) | (losses > BLOWUP_FACTOR * loss0)
    if not bad.any():
        return Outcome(False, None)
    i = int(np.argmax(bad))
    what = "non-finite" if not np.isfinite(losses[i]) else f"above {BLOWUP_FACTOR:g} x initial"
    return Outcome(True, int(steps[i]), f"loss {what} at step {int(steps[i])}")


def require_converged(outcome: Outcome, what: str, params: dict) -> None:
    """Raise UnexpectedDivergence naming the run and its parameters."""
    if outcome.diverged:
        desc = ", ".join(f"{k}={v}" for k, v in params.items())
        raise UnexpectedDivergence(
            f"{what} diverged ({outcome.reason}) although theory says it converges; "
            f"parameters: {desc}. Check the learning rate against the stability condition "
            "(lr * lambda_max and the noise sum U_Sigma < 1) or report a bug."
        )
