"""Corner gradient descent (arXiv:2504.12519, D. Yarotsky, "Corner Gradient Descent").

A stationary linear (S)GD with memory is fixed by its characteristic map; the *ideal corner
algorithm* has psi(z) = c (1 - z)^theta / z, a contour with a corner of external angle theta pi at
z = 1 (theta = 1 is plain GD with learning rate 1/c). Time-domain form (arXiv:2504.12519):

    w_t = b_t w_0 - sum_{j>=1} a_j w_{t-j} - (1/c) grad L_B(w_{t-1}),
    (1 - z)^theta = sum_j a_j z^j,   (1 - z)^(theta - 1) = sum_j b_j z^j,

equivalently w_t = w_{t-1} - (1/c) sum_j d_j grad L_B(w_{t-1-j}) with (1 - z)^(1-theta) = sum d_j z^j:
plain GD whose step is a power-law weighted sum of past gradients. For one eigenvalue lambda
the error's generating function and its response to gradient noise are

    E(z) = e_0 / D(z),  H(z) = -(z/c) R(z) / D(z),  D(z) = (1 - z) + (lambda z / c) R(z),

with R(z) = (1 - z)^(1-theta) (ideal) or a rational approximation (finite memory, below).

Loss (deterministic part V_t and noise kernel U_t) on spectral measures rho (initial loss) and mu
(eigenvalue counts): V_t = int P_t(lambda)^2 d rho, P_t = e_t / e_0; with mini-batch noise of
covariance (2 L_s / b) Lambda (the spectrally expressible form with tau = 0, which makes the loss
obey the renewal equation exactly; that the paper uses this form is (verify))

    L_t = V_t / 2 + sum_{s<t} U_{t-s} L_s,   U_t = (1/b) int lambda^2 h_t(lambda)^2 d mu,

so L(z) = (V(z)/2) / (1 - U(z)); it converges iff U_Sigma = U(1) < 1, computed exactly by
Parseval on the unit circle: sum_t h_t^2 = (1/2 pi) int |H(e^{i phi})|^2 d phi.

Theory: deterministic loss ~ t^-(theta zeta) (theta < 2); SGD ~ t^-min(theta zeta, 2 - theta/nu);
the best rate is reached at theta_max = min(2, nu, 2/(zeta + 1/nu)).

Sequences are computed from generating functions by FFT on a circle of radius r < 1: with
F points and r^F = eps, the aliasing error is eps and coefficient t is amplified by r^-t; only
t < F/2 is kept, so the amplification stays below eps^-1/2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

ALIAS_EPS = 1e-12


# ----------------------------------------------------------------------------- theory
def theta_max(nu: float, zeta: float) -> float:
    """min(2, nu, 2 / (zeta + 1/nu)) (arXiv:2504.12519, abstract)."""
    return min(2.0, nu, 2.0 / (zeta + 1.0 / nu))


def theta_max_phase(nu: float, zeta: float) -> str:
    """Which constraint sets theta_max: I (the deterministic limit 2), II (nu: the noise sum
    stays finite), III (2/(zeta + 1/nu): signal and noise rates balance). Numbering (verify)."""
    vals = {"I": 2.0, "II": nu, "III": 2.0 / (zeta + 1.0 / nu)}
    return min(vals, key=vals.get)


def deterministic_exponent(theta: float, zeta: float) -> float:
    return theta * zeta


def sgd_exponent(theta: float, nu: float, zeta: float) -> float:
    return min(theta * zeta, 2.0 - theta / nu)


# ----------------------------------------------------------------------------- coefficients
def power_series(exponent: float, n: int) -> np.ndarray:
    """Coefficients of (1 - z)^exponent up to z^(n-1): c_0 = 1, c_j = c_{j-1} (j - 1 - exponent)/j."""
    c = np.empty(n)
    c[0] = 1.0
    j = np.arange(1, n, dtype=float)
    c[1:] = np.cumprod((j - 1.0 - exponent) / j)
    return c


# ----------------------------------------------------------------------------- memory kernels
@dataclass(frozen=True)
class MemoryKernel:
    """R(z), the filter applied to past gradients: (1 - z)^(1-theta) or a finite-memory version.

    Finite memory: (1 - z)^-a = (sin pi a / pi) int_0^inf s^-a / (s + 1 - z) ds for a = theta - 1 in
    (0, 1) (Stieltjes representation); the trapezoid rule in log s on [s_lo, s_hi] with `size`
    nodes gives sum_m W_m / (s_m + 1 - z), i.e. momentum buffers m <- q_m (m + g) with
    q_m = 1/(1 + s_m) (memory of about 1/s_m steps); the part s < s_lo, where 1/(s + 1 - z) ~
    1/(1 - z) on the relevant |1 - z| >= 1/horizon, is one plain accumulator (q = 1). The
    trapezoid rule converges exponentially (integrand analytic in a strip of half-width pi/2).
    """

    theta: float
    weights: np.ndarray | None = None  # W_m (None: ideal)
    q: np.ndarray | None = None  # decay factors q_m = 1/(1+s_m); q = 1 is the accumulator

    @property
    def ideal(self) -> bool:
        return self.weights is None

    @property
    def size(self) -> int:
        return 0 if self.weights is None else int(self.weights.size)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        if self.ideal:
            return (1.0 - z) ** (1.0 - self.theta)
        z = np.asarray(z)
        out = np.zeros(z.shape, dtype=complex)
        for W, q in zip(self.weights, self.q):
            out += W * q / (1.0 - q * z)
        return out

    def coefficients(self, n: int) -> np.ndarray:
        """d_j, j < n: the weight of the gradient j steps back."""
        if self.ideal:
            return power_series(1.0 - self.theta, n)
        j = np.arange(n, dtype=float)
        return np.sum(self.weights[:, None] * self.q[:, None] ** (j[None, :] + 1.0), axis=0)


def ideal_kernel(theta: float) -> MemoryKernel:
    return MemoryKernel(theta)


def finite_memory_kernel(theta: float, size: int, horizon: float,
                         eps: float | None = None) -> MemoryKernel:
    """`size` buffers approximating (1 - z)^(1-theta) for |1 - z| >= 1/horizon (theta in (1, 2)).

    Nodes: log s from log(eps / horizon) (below it: the accumulator) to log(eps^-1/a) (above it
    the integrand's tail, ~ s^-a, is dropped), `size - 1` trapezoid nodes between. The two
    truncations cost ~eps; the trapezoid step h costs ~exp(-pi^2 / h) (strip of half-width pi/2),
    so by default eps is chosen to balance them for the given size.
    """
    a = theta - 1.0
    if not 0.0 < a < 1.0:
        raise ValueError(f"finite memory approximates 1 < theta < 2, got theta = {theta}")
    if size < 3:
        raise ValueError("finite memory needs at least 3 buffers")
    n = size - 1

    def span(e: float) -> float:
        return math.log(horizon / e) + math.log(1.0 / e) / a

    if eps is None:
        eps = 1e-4
        for _ in range(50):  # fixed point of eps = exp(-pi^2 n / span(eps))
            eps = math.exp(-math.pi**2 * n / span(eps))
    y0 = math.log(eps / horizon)
    h = span(eps) / n
    y = y0 + (np.arange(n) + 0.5) * h
    s = np.exp(y)
    pref = math.sin(math.pi * a) / math.pi
    W = pref * h * s ** (1.0 - a)  # s^-a ds = s^(1-a) dy; W / (s + 1 - z) = W q / (1 - q z)
    q = 1.0 / (1.0 + s)
    # accumulator: int_0^{s_lo} s^-a ds / (1 - z) with s_lo = exp(y0)
    W_acc = pref * math.exp(y0 * (1.0 - a)) / (1.0 - a)
    return MemoryKernel(theta, np.concatenate([W, [W_acc]]), np.concatenate([q, [1.0]]))


def kernel_error(kernel: MemoryKernel, horizon: float, n: int = 4000) -> float:
    """max |R_finite / R_ideal - 1| on the unit circle where |1 - z| >= 1/horizon."""
    phi_min = 2.0 * math.asin(min(1.0, 0.5 / horizon))
    phi = np.geomspace(phi_min, math.pi, n)
    z = np.exp(1j * phi)
    return float(np.max(np.abs(kernel(z) / ideal_kernel(kernel.theta)(z) - 1.0)))


# ----------------------------------------------------------------------------- transfer functions
def _transfer(kernel: MemoryKernel, lam: np.ndarray, c: float, z: np.ndarray):
    """E(z)/e_0 and H(z) for eigenvalues lam (rows) at points z (columns)."""
    R = kernel(z)[None, :]
    D = (1.0 - z)[None, :] + (lam[:, None] * z[None, :] / c) * R
    return 1.0 / D, -(z[None, :] / c) * R / D


def _circle(n_out: int) -> tuple[int, float, np.ndarray]:
    F = 1 << int(math.ceil(math.log2(2 * n_out)))
    r = ALIAS_EPS ** (1.0 / F)
    z = r * np.exp(2j * math.pi * np.arange(F) / F)
    return F, r, z


def _coefficients(values: np.ndarray, r: float, n_out: int) -> np.ndarray:
    """Taylor coefficients 0..n_out-1 from values on the circle of radius r (last axis)."""
    F = values.shape[-1]
    # values v_j = f(r w^j), w = exp(2 pi i/F); numpy's fft sums v_j w^(-jt) = F c_t r^t
    c = np.fft.fft(values, axis=-1).real[..., :n_out] / F
    return c * r ** -np.arange(n_out, dtype=float)


def _chunk(F: int) -> int:
    """Eigenvalues per FFT batch: about 64 MiB per complex array whatever the horizon."""
    return max(1, min(64, (1 << 22) // F))


def residual_and_noise(kernel: MemoryKernel, lam: np.ndarray, c: float,
                       n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """P_t(lambda) and h_t(lambda), t < n_out, for every lam (shape (len(lam), n_out))."""
    F, r, z = _circle(n_out)
    chunk = _chunk(F)
    lam = np.asarray(lam, dtype=float)
    P = np.empty((lam.size, n_out))
    h = np.empty((lam.size, n_out))
    for i in range(0, lam.size, chunk):
        E, H = _transfer(kernel, lam[i:i + chunk], c, z)
        P[i:i + chunk] = _coefficients(E, r, n_out)
        h[i:i + chunk] = _coefficients(H, r, n_out)
    return P, h


@dataclass(frozen=True)
class Sequences:
    V: np.ndarray  # sum rho P_t^2 (twice the deterministic loss), t < n
    U: np.ndarray  # noise kernel (1/b) sum mu lambda^2 h_t^2, U_0 = 0


def loss_sequences(kernel: MemoryKernel, c: float, lam: np.ndarray, rho_w: np.ndarray,
                   mu_w: np.ndarray, batch: float | None, n_out: int,
                   frozen_rho: float = 0.0) -> Sequences:
    """V_t and U_t on a spectrum given as nodes with rho- and mu-weights.

    `frozen_rho`: mass of rho at eigenvalues too small to move within n_out steps (P_t = 1).
    batch None: deterministic (U = 0).
    """
    lam = np.asarray(lam, dtype=float)
    V = np.full(n_out, frozen_rho)
    U = np.zeros(n_out)
    F, r, z = _circle(n_out)
    chunk = _chunk(F)
    for i in range(0, lam.size, chunk):
        sl = slice(i, i + chunk)
        E, H = _transfer(kernel, lam[sl], c, z)
        P = _coefficients(E, r, n_out)
        V += rho_w[sl] @ (P * P)
        if batch is not None:
            h = _coefficients(H, r, n_out)
            U += (mu_w[sl] * lam[sl] ** 2 / batch) @ (h * h)
    U[0] = 0.0
    return Sequences(V, U)


def renewal_loss(seq: Sequences) -> np.ndarray:
    """L_t, t < n, from L_t = V_t/2 + sum_{s<t} U_{t-s} L_s (power-series division by FFT).

    Causal: L_t depends on V and U up to t only, so truncating the sequences at n is exact.
    """
    n = seq.V.size
    F, r, _ = _circle(n)
    w = r ** np.arange(n, dtype=float)
    Vz = np.fft.fft(np.concatenate([0.5 * seq.V * w, np.zeros(F - n)]))
    Uz = np.fft.fft(np.concatenate([seq.U * w, np.zeros(F - n)]))
    Lz = Vz / (1.0 - Uz)
    return np.fft.ifft(Lz).real[:n] / w


def renewal_loss_direct(seq: Sequences) -> np.ndarray:
    """The same by direct O(n^2) recursion (for tests)."""
    n = seq.V.size
    L = np.empty(n)
    for t in range(n):
        L[t] = 0.5 * seq.V[t] + np.dot(seq.U[t:0:-1], L[:t]) if t else 0.5 * seq.V[0]
    return L


# ----------------------------------------------------------------------------- noise sum
def _log_nodes(lo: float, hi: float, per_decade: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes (8 per panel) in log x on (lo, hi), and weights for d x."""
    decades = math.log10(hi / lo)
    n_panels = max(1, int(math.ceil(decades * per_decade / 8)))
    edges = np.linspace(math.log(lo), math.log(hi), n_panels + 1)
    x, w = np.polynomial.legendre.leggauss(8)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    s = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    ws = (half[:, None] * w[None, :]).ravel()
    return np.exp(s), ws * np.exp(s)


def impulse_energy(kernel: MemoryKernel, lam: np.ndarray, c: float,
                   per_decade: int = 96) -> np.ndarray:
    """sum_t h_t(lambda)^2 by Parseval: (1/pi) int_0^pi |H(e^{i phi})|^2 d phi (H(conj z) = conj H(z)).

    |H|^2 peaks at phi ~ (lambda/c)^(1/theta) (the corner's scale), so each lambda gets its own
    log-spaced phi nodes from 1e-4 times that scale to pi (96 per decade: 1e-9 relative accuracy,
    checked against brute-force sums); below, |H|^2 = |H(1)|^2 = 1/lambda^2 to O(1e-4), added as
    phi_lo / lambda^2.
    """
    lam = np.asarray(lam, dtype=float)
    out = np.empty(lam.size)
    for i, l in enumerate(lam):
        scale = min(1.0, (l / c) ** (1.0 / kernel.theta))
        lo = 1e-4 * scale
        phi, w = _log_nodes(lo, math.pi, per_decade)
        _, H = _transfer(kernel, np.array([l]), c, np.exp(1j * phi))
        out[i] = (np.abs(H[0]) ** 2 @ w + lo / l**2) / math.pi
    return out


def noise_sum_continuous(kernel: MemoryKernel, c: float, nu: float, batch: float,
                         lam_min: float = 1e-30, per_decade: int = 6) -> float:
    """U_Sigma = (1/b) int_0^1 lambda^2 |h(lambda)|^2 d mu, mu(d l) = (1/nu) l^(-1/nu-1) d l.

    Quadrature in log lambda (`per_decade` panels of 8 nodes) down to lam_min; below it the
    small-lambda scaling
    lambda^2 |h|^2 ~ C lambda^(1/theta) (ideal kernel; C from the node at lam_min) is integrated
    analytically (it converges iff theta < nu).
    """
    if kernel.ideal and kernel.theta >= nu:
        return float("inf")
    lam, w = _log_nodes(lam_min, 1.0, 8 * per_decade)
    f = lam**2 * impulse_energy(kernel, lam, c) * lam ** (-1.0 / nu) / nu  # per d lambda / lambda
    total = float(f @ (w / lam))
    e = 1.0 / kernel.theta - 1.0 / nu
    if e > 0:
        C = float(lam[0] ** 2 * impulse_energy(kernel, lam[:1], c)[0]) / lam[0] ** (1.0 / kernel.theta)
        total += C / nu * lam_min**e / e
    return total / batch


def noise_sum_discrete(kernel: MemoryKernel, c: float, lam: np.ndarray, mult: np.ndarray,
                       batch: float) -> float:
    """U_Sigma = (1/b) sum_k mult_k lambda_k^2 |h(lambda_k)|^2 for a discrete spectrum."""
    lam = np.asarray(lam, dtype=float)
    return float(np.sum(mult * lam**2 * impulse_energy(kernel, lam, c)) / batch)


# ----------------------------------------------------------------------------- time domain
def time_domain_ideal(theta: float, c: float, lam: np.ndarray, e0: np.ndarray, n_steps: int,
                      noise: Callable[[int], np.ndarray] | None = None) -> np.ndarray:
    """The time-domain form on a diagonal quadratic; returns e_t, t <= n_steps.

    e_t = b_t e_0 - sum_{j=1}^t a_j e_{t-j} - (lambda/c) e_{t-1} - (1/c) xi_{t-1}, O(n^2) memory
    of the whole past (for tests and small problems). noise(t) gives xi_t (shape of lam).
    """
    lam = np.asarray(lam, dtype=float)
    a = power_series(theta, n_steps + 1)
    b = power_series(theta - 1.0, n_steps + 1)
    E = np.zeros((n_steps + 1, lam.size))
    E[0] = e0
    for t in range(1, n_steps + 1):
        grad = lam * E[t - 1] + (noise(t - 1) if noise is not None else 0.0)
        E[t] = b[t] * e0 - a[1:t + 1] @ E[t - 1::-1][:t] - grad / c
    return E


def time_domain_finite(kernel: MemoryKernel, c: float, lam: np.ndarray, e0: np.ndarray,
                       n_steps: int) -> np.ndarray:
    """Finite-memory corner GD, e_t = e_{t-1} - (1/c) sum_m W_m m_t^(m), m_t = q_m (m_{t-1} + g_{t-1}).

    Returns the loss-relevant residuals e_t / e_0, t <= n_steps (shape (n_steps+1, len(lam))).
    """
    lam = np.asarray(lam, dtype=float)
    e = np.array(e0, dtype=float)
    buf = np.zeros((kernel.size, lam.size))
    W = kernel.weights[:, None]
    q = kernel.q[:, None]
    out = np.empty((n_steps + 1, lam.size))
    out[0] = e
    for t in range(1, n_steps + 1):
        buf = q * (buf + lam * e)
        e = e - (W * buf).sum(axis=0) / c
        out[t] = e
    return out

