"""Real wide networks in lazy scaling, trained by full-batch gradient descent (B1, model c).

Model (Chizat & Bach's lazy scaling): F(x) = s (f_theta(x) - f_theta0(x)) with the two-layer
ReLU network f of `kernels.TwoLayerReLU`, trained on L_s = L(F) / s^2 with L the usual
(1/2n) sum of squares (summed over targets). A GD step of size lr on theta moves F by
-lr (Theta/n)(F - y) + O(1/s): the same function-space dynamics as kernel GD with the network's
tangent kernel Theta and time t = lr x steps, for every s, while the weights move by O(1/s).
Large s therefore makes the net lazy; each run reports its relative weight movement
|theta_t - theta_0| / |theta_0| per layer, and a run counts as lazy only below 5%.
(A plain network, s = 1, of width 1024 is not lazy on the indicator target: its first layer
moved 21% and its exponent came out 0.21 instead of 0.5.)

The difference f_theta - f_theta0 is computed from the parameter increments, with
relu(u0 + du) - relu(u0) = du wherever both are positive, so float32 keeps its precision
although F is s times a small difference.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from deeprates.training.checkpoint import Checkpoint
from deeprates.training.kernels import TwoLayerReLU, augment
from deeprates.training.loop import train


class LazyNet:
    """F(x) = s (f_theta - f_theta0)(x) with T outputs sharing the hidden layer."""

    def __init__(self, x: torch.Tensor, Y: torch.Tensor, net0: TwoLayerReLU, n_outputs: int,
                 scale: float, gen: torch.Generator, dtype: torch.dtype):
        dev = x.device
        self.x = augment(x.to(dtype))
        self.Y = Y.to(dtype=dtype, device=dev)
        self.W0 = net0.W.to(dtype=dtype, device=dev)
        # one output weight column per target; the first is net0's own
        extra = torch.randn(net0.width, n_outputs - 1, generator=gen, dtype=torch.float64)
        self.a0 = torch.cat([net0.a.to("cpu", torch.float64)[:, None], extra], 1).to(dtype=dtype, device=dev)
        self.U0 = self.x @ self.W0.T
        self.R0 = torch.relu(self.U0)
        self.scale = float(scale)
        self.m = net0.width

    def init_state(self) -> dict[str, torch.Tensor]:
        return {"dW": torch.zeros_like(self.W0), "da": torch.zeros_like(self.a0)}

    def output(self, st: dict[str, torch.Tensor]) -> torch.Tensor:
        dU = self.x @ st["dW"].T
        U = self.U0 + dU
        dR = torch.where((self.U0 > 0) & (U > 0), dU, torch.relu(U) - self.R0)
        diff = (self.R0 + dR) @ st["da"] + dR @ self.a0  # f_theta - f_theta0, times sqrt(m)
        return self.scale * diff / math.sqrt(self.m)

    def loss(self, st) -> torch.Tensor:
        """(1/2n) |F - y|^2, averaged over targets: the function-space loss of the figures."""
        r = self.output(st) - self.Y
        return 0.5 * (r * r).sum() / (r.shape[0] * r.shape[1])

    def movement(self, st) -> tuple[float, float]:
        w = float(st["dW"].norm() / self.W0.norm())
        a = float(st["da"].norm() / self.a0.norm())
        return w, a


def train_lazy(x: torch.Tensor, Y: torch.Tensor, net0: TwoLayerReLU, *, scale: float, lr: float,
               n_steps: int, gen: torch.Generator, dtype: torch.dtype = torch.float64,
               checkpoint: Checkpoint | None = None, log=None, per_decade: int = 40) -> dict:
    """Full-batch GD on L(F)/s^2 (summed over targets) with step lr for n_steps steps.

    Returns the records (step, time t = lr step, loss averaged over targets, weight movement)."""
    Y = Y if Y.ndim == 2 else Y[:, None]
    model = LazyNet(x, Y, net0, Y.shape[1], scale, gen, dtype)
    n = x.shape[0]

    def step(st):
        live = {k: v.detach().requires_grad_(True) for k, v in st.items()}
        r = model.output(live) - model.Y
        obj = 0.5 * (r * r).sum() / (n * model.scale ** 2)
        gW, ga = torch.autograd.grad(obj, [live["dW"], live["da"]])
        with torch.no_grad():
            st["dW"] = (st["dW"] - lr * gW).detach()
            st["da"] = (st["da"] - lr * ga).detach()

    def record(st, _step):
        with torch.no_grad():
            mw, ma = model.movement(st)
            return {"loss": float(model.loss(st)), "move_W": mw, "move_a": ma}

    _, recs = train(model.init_state(), step, record, n_steps, per_decade=per_decade,
                    checkpoint=checkpoint, device=x.device, log=log)
    steps = np.array([r["step"] for r in recs])
    return {
        "step": steps,
        "t": lr * steps,
        "loss": np.array([r["loss"] for r in recs]),
        "move_W": np.array([r["move_W"] for r in recs]),
        "move_a": np.array([r["move_a"] for r in recs]),
        "lr": lr,
        "scale": scale,
        "width": model.m,
    }
