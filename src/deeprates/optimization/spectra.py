"""Power-law quadratic problems and what theory says about them.

Frame (shared by the track C figures): a diagonal quadratic L(w) = 1/2 sum_k lambda_k (w_k - w*_k)^2,
started from w = 0, is fully described by its eigenvalues lambda_k and the *spectral measure of
the initial loss* rho_k = lambda_k (w*_k)^2 (L_0 = sum rho / 2). Every linear optimiser acts on
mode k through a residual factor P_t(lambda_k), so L_t = 1/2 sum_k rho_k P_t(lambda_k)^2.

Three kinds of problem:
- `discrete_power_law`: lambda_k = Lambda k^-nu, rho_k = k^-(1+kappa) (arXiv:2206.11124 Sec. 5:
  "lambda_k w*_k^2 = k^-(1+kappa)"), so rho([0, lambda]) ~ (1/kappa) (lambda/Lambda)^zeta with
  zeta = kappa/nu: isolated top eigenvalues, a tail that a finite N cuts off;
- `dense_power_law`: lambda_i = Lambda u_i^nu on the midpoint grid u_i = (i - 1/2)/N (the
  deterministic version of uniform u_i, arXiv:2202.00992's dense spectra), with cell-exact masses
  rho_i = K [(i/N)^(nu zeta) - ((i-1)/N)^(nu zeta)], so rho([0, lambda]) = K (lambda/Lambda)^zeta
  exactly at every cell edge: a quadrature of the continuous power law;
- `power_law_with_tail`: the discrete power law with *no* finite-size cut: modes k <= N exactly,
  the infinite tail k > N as Gauss-Legendre nodes in log k carrying their mode counts
  (`mult`) and masses, and the modes too slow to move within the horizon as a frozen mass. Every
  per-mode recursion here is linear in the mode's own state plus a shared scalar, so a node of
  m identical modes is exact bookkeeping, and the tail is a quadrature of a smooth function of k;
- `ContinuousPowerLaw`: the N -> infinity measures themselves, as log-spaced quadrature nodes,
  for the generating-function computations of corner GD (arXiv:2504.12519).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln


@dataclass(frozen=True)
class Problem:
    """A diagonal quadratic: eigenvalues (descending), initial-loss masses rho per node.

    A node holds `mult` identical modes (1 for an explicit mode) and rho is the node's total mass.
    `frozen` is the mass of modes so slow that they do not move within the horizon (kept as a
    constant in every loss).
    """

    eigenvalues: np.ndarray
    rho: np.ndarray
    nu: float
    zeta: float
    K: float  # rho([0, lambda]) ~ K (lambda / Lambda)^zeta for small lambda
    Lambda: float
    kind: str
    mult: np.ndarray | None = None
    frozen: float = 0.0
    meta: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.eigenvalues.size)

    @property
    def multiplicity(self) -> np.ndarray:
        return np.ones_like(self.eigenvalues) if self.mult is None else self.mult

    @property
    def loss0(self) -> float:
        return float((self.rho.sum() + self.frozen) / 2)

    @property
    def lambda_max(self) -> float:
        return float(self.eigenvalues.max())

    @property
    def e0(self) -> np.ndarray:
        """Initial error per mode, |w_0 - w*| = |w*| (sign irrelevant for every loss here)."""
        return np.sqrt(self.rho / (self.multiplicity * self.eigenvalues))

    def gf_loss(self, t: np.ndarray) -> np.ndarray:
        """Gradient-flow loss 1/2 sum rho_k exp(-2 lambda_k t) on this very spectrum."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        out = np.empty(t.size)
        for i, ti in enumerate(t):  # loop: t x N can be large
            out[i] = 0.5 * (np.dot(self.rho, np.exp(-2.0 * self.eigenvalues * ti)) + self.frozen)
        return out

    def gd_loss(self, steps: np.ndarray, lr: float) -> np.ndarray:
        """Plain GD loss 1/2 sum rho_k (1 - lr lambda_k)^(2t): GD's iterate in closed form."""
        steps = np.atleast_1d(np.asarray(steps))
        q = np.abs(1.0 - lr * self.eigenvalues)  # may be exactly 0 (lr = 1/lambda_max): 0^0 = 1
        out = np.empty(steps.size)
        for i, s in enumerate(steps):
            out[i] = 0.5 * (np.dot(self.rho, q ** (2.0 * float(s))) + self.frozen)
        return out


def discrete_power_law(n: int, nu: float, kappa: float, Lambda: float = 1.0) -> Problem:
    """lambda_k = Lambda k^-nu, rho_k = lambda_k w*_k^2 = k^-(1+kappa), k = 1..n."""
    if n < 2 or nu <= 0 or kappa <= 0:
        raise ValueError(f"discrete_power_law needs n >= 2, nu > 0, kappa > 0; got {n}, {nu}, {kappa}")
    k = np.arange(1, n + 1, dtype=float)
    return Problem(Lambda * k**-nu, k ** -(1.0 + kappa), nu, kappa / nu, 1.0 / kappa, Lambda,
                   "discrete", meta={"kappa": kappa})


def power_law_with_tail(n_exact: int, nu: float, kappa: float, horizon: float,
                        Lambda: float = 1.0, per_decade: int = 10, order: int = 4,
                        frozen_at: float = 1e-7) -> Problem:
    """lambda_k = Lambda k^-nu, rho_k = k^-(1+kappa) for ALL k >= 1 (no finite-size cut).

    k <= n_exact explicitly; k in (n_exact + 1/2, k_max) by Gauss-Legendre in log k
    (`per_decade` panels of `order` nodes; weights = mode counts, the midpoint-rule continuum of
    the integer sum, relative error O(1/n_exact^2)); modes beyond k_max, where
    Lambda k^-nu * horizon <= frozen_at, do not move within the horizon (their residual factor is
    1 - O(frozen_at)) and are kept as the frozen mass k_max^-kappa / kappa.
    """
    if n_exact < 10 or nu <= 0 or kappa <= 0 or horizon <= 0:
        raise ValueError("power_law_with_tail needs n_exact >= 10, nu, kappa, horizon > 0")
    k = np.arange(1, n_exact + 1, dtype=float)
    k_lo = n_exact + 0.5
    k_max = max(2.0 * k_lo, (Lambda * horizon / frozen_at) ** (1.0 / nu))
    decades = math.log10(k_max / k_lo)
    n_panels = max(1, int(math.ceil(decades * per_decade)))
    edges = np.linspace(math.log(k_lo), math.log(k_max), n_panels + 1)
    x, w = np.polynomial.legendre.leggauss(order)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    s = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    kt = np.exp(s)
    count = (half[:, None] * w[None, :]).ravel() * kt  # dk = k ds
    lam = np.concatenate([Lambda * k**-nu, Lambda * kt**-nu])
    rho = np.concatenate([k ** -(1.0 + kappa), count * kt ** -(1.0 + kappa)])
    mult = np.concatenate([np.ones_like(k), count])
    frozen = k_max**-kappa / kappa
    return Problem(lam, rho, nu, kappa / nu, 1.0 / kappa, Lambda, "tail", mult, frozen,
                   {"kappa": kappa, "n_exact": n_exact, "k_max": k_max})


def dense_power_law(n: int, nu: float, zeta: float, Lambda: float = 1.0, K: float = 1.0) -> Problem:
    """Dense spectrum lambda_i = Lambda u_i^nu with rho([0, lambda]) = K (lambda/Lambda)^zeta."""
    if n < 2 or nu <= 0 or zeta <= 0:
        raise ValueError(f"dense_power_law needs n >= 2, nu > 0, zeta > 0; got {n}, {nu}, {zeta}")
    edges = np.arange(n + 1, dtype=float) / n
    u = (np.arange(n, dtype=float) + 0.5) / n
    mass = K * np.diff(edges ** (nu * zeta))
    lam = Lambda * u**nu
    order = np.argsort(-lam)
    return Problem(lam[order], mass[order], nu, zeta, K, Lambda, "dense")


def gf_asymptotic(t: np.ndarray, K: float, Lambda: float, zeta: float) -> np.ndarray:
    """L(t) = (K/2) Gamma(zeta+1) (2 Lambda t)^-zeta: gradient flow on rho([0,l]) = K (l/Lambda)^zeta.

    frame above; it is the Laplace transform 1/2 int exp(-2 l t) d rho(l) of the pure power law.
    """
    t = np.asarray(t, dtype=float)
    return 0.5 * K * math.exp(gammaln(zeta + 1.0)) * (2.0 * Lambda * t) ** -zeta


def sgd_exponent(nu: float, zeta: float) -> float:
    """Loss exponent of constant-lr mini-batch SGD: min(zeta, 2 - 1/nu) (arXiv:2206.11124).

    zeta < 2 - 1/nu: signal-dominated (the deterministic rate survives); otherwise the sampling
    noise dominates and the loss follows the noise kernel U_t ~ t^-(2 - 1/nu).
    """
    return min(zeta, 2.0 - 1.0 / nu)


@dataclass(frozen=True)
class ContinuousPowerLaw:
    """The N -> infinity limit of lambda_k = k^-nu, rho_k = k^-(1+kappa), on (0, 1].

    Eigenvalue-counting measure mu(d lambda) = (1/nu) lambda^(-1/nu - 1) d lambda (from k = lambda^-1/nu)
    and initial-loss measure rho(d lambda) = (1/nu) lambda^(zeta - 1) d lambda. Represented by
    Gauss-Legendre nodes in log lambda, `per_decade` panels of `order` nodes down to lambda_min;
    the mass of rho below lambda_min, nu^-1 lambda_min^zeta / zeta, is kept as an unlearned remainder.
    """

    nu: float
    zeta: float
    lambda_min: float
    per_decade: int = 4
    order: int = 8
    nodes: np.ndarray = field(init=False, repr=False)
    log_weights: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        decades = -math.log10(self.lambda_min)
        n_panels = max(1, int(math.ceil(decades * self.per_decade)))
        edges = np.linspace(math.log(self.lambda_min), 0.0, n_panels + 1)
        x, w = np.polynomial.legendre.leggauss(self.order)
        half = 0.5 * np.diff(edges)
        mid = 0.5 * (edges[1:] + edges[:-1])
        s = (mid[:, None] + half[:, None] * x[None, :]).ravel()
        ws = (half[:, None] * w[None, :]).ravel()
        object.__setattr__(self, "nodes", np.exp(s))
        object.__setattr__(self, "log_weights", ws)  # d lambda = lambda d s

    def rho_weights(self) -> np.ndarray:
        """Quadrature weights for int f d rho: (1/nu) lambda^zeta ds."""
        return self.log_weights * self.nodes**self.zeta / self.nu

    def mu_weights(self) -> np.ndarray:
        """Quadrature weights for int f d mu: (1/nu) lambda^(-1/nu) ds."""
        return self.log_weights * self.nodes ** (-1.0 / self.nu) / self.nu

    def rho_below_min(self) -> float:
        return self.lambda_min**self.zeta / (self.nu * self.zeta)

    @property
    def K(self) -> float:
        """rho([0, lambda]) = K lambda^zeta with K = 1/(nu zeta) = 1/kappa."""
        return 1.0 / (self.nu * self.zeta)
