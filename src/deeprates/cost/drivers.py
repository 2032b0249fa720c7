"""What drives the cost of each figure's compute jobs: per figure, a function of (case, params)
returning a Driver: the job's *group* (cases that run the same code path share one fit), its
work W (the operation count the code path's complexity predicts, in the size parameters) and
its memory M (bytes of the largest arrays it holds, None when no array grows with the size).

The fitted model (deeprates.cost.model) is cpu_s = c0 + a * W^b per group, with b fitted and
expected near 1 because W already carries the known complexity (an eigendecomposition is n^3,
a training run steps x parameters, a sweep the sum of its sizes); a fitted b far from 1 says
the stated complexity is not what runs at these sizes. Peak RSS is m0 + k * M.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from deeprates.approximation.sweeps import geometric_sizes  # what the shallow sweeps run


@dataclass(frozen=True)
class Driver:
    group: str  # cases sharing a code path (one fit)
    work: float  # W: operation count, up to the group's constant
    mem: float | None = None  # bytes of the size-dependent arrays; None: none grows
    formula: str = ""  # W written in the parameters, for the docs and the cost table


def _geo(lo: float, hi: float, per_decade: float) -> np.ndarray:
    k = max(1, int(per_decade * math.log10(max(hi / lo, 1.0)))) + 1
    return np.unique(np.round(np.geomspace(lo, hi, k)))


# --- track A: exact sup errors of explicit networks. The exact sup error of a piecewise-linear
# network visits its breakpoints, about W of them for these constructions; evaluating the
# network there costs W per point, but vectorised numpy makes the per-point cost a constant
# at these sizes: W (or the number of points) is the work.

def _shallow(Ps: np.ndarray, targets: int) -> Driver:
    """The shallow sweeps (sawtooth-square, phase-diagram, log-regime): the exact sup error of
    P units visits ~P breakpoints, each through all P units: P^2 per size, summed over the
    sweep (paper size: ~380x the default's CPU for 25x its sum of P). Memory: breakpoints_1d
    works in blocks of BLOCK_NUMBERS float64s, about three alive at once, plus ~100 B per unit;
    it held a dense P x P array before (137 GB at P = 2^17: log-regime's paper job was killed)."""
    from deeprates.approximation.network import BLOCK_NUMBERS

    P = float(Ps.max())
    mem = 24.0 * min(P * P, BLOCK_NUMBERS) + 100.0 * P
    return Driver("shallow", targets * float((Ps.astype(float) ** 2).sum()), mem,
                  "targets x sum of P^2 over the sweep")


def sawtooth_square(case: str, p: dict) -> Driver:
    if case == "curves":
        return Driver("curves", 1.0, None, "1 (fixed grid)")
    if case == "deep":
        return Driver("deep", 2.0 ** p["m_max"], 16 * 2.0 ** p["m_max"], "2^m_max breakpoints")
    if case == "shallow":
        Ps = _geo(p["shallow_P_min"], p["shallow_P_max"], p["shallow_per_decade"])
        return _shallow(Ps, 1)
    H = int(case.removeprefix("budget-H"))
    k = next(b["k_max"] for b in p["depth_budgets"] if b["H"] == H)
    # the job sweeps the width 2^k, k = 1..k_max; at each, the net's 2^(H k) breakpoints are
    # evaluated through its wide layers of 2^k neurons (dense points x width arrays), once per
    # wide layer while they are propagated and once more by the sup error: H + 1 passes.
    # Written 2^(H k) alone at first (the paper-size H = 1 job, k = 14, took 20x), then
    # H 2^(k (H + 1)): 2.0x under at paper size, and below it the H = 1 jobs (k = 12, 13) ran
    # 1.5x the H = 2, 3 ones per unit of that W, while (H + 1) passes put all five measured
    # budgets within 15 % of one cost per unit
    W = (H + 1) * sum(2.0 ** (j * (H + 1)) for j in range(1, k + 1))
    return Driver("budget", W, 8 * 2.0 ** (k * (H + 1)), "(H + 1) sum_k 2^(k (H + 1)) (passes x breakpoints x width)")


def relu_product(case: str, p: dict) -> Driver:
    m = p["m_max"]
    if case == "exact":
        # every level m = 1..m_max evaluates its product network (45 m + 8 sparse weights,
        # product.product_network) at the offset grid and the random points, in chunks of 2^18
        # points (supnorm.sup_error_points): ~1.1 ns per point and weight here, flat from
        # m = 8 to 24 and from 2^18 to 2 10^6 points. Memory: the two point sets (2 float64 each)
        # and one chunk's activations, not all points x depth (written 16 m pts at first: 5184 MB
        # predicted, 357 MB measured at paper size). The CPU law was m_max^2 pts, the same to
        # leading order: the paper-size job's 0.45 came from a fit whose largest job (default
        # size) spends half its time importing; the check size measures one where the
        # evaluation dominates
        pts = p["offset_grid"] ** 2 + p["random_points"]
        return Driver("exact", pts * sum(45 * j + 8 for j in range(1, m + 1)), 16.0 * pts,
                      "(offset_grid^2 + random_points) sum_m (45 m + 8) (points x weights)")
    pts = p["aligned_grid"] ** 2
    return Driver("aligned", m * m * pts, 16.0 * m * pts, "m_max^2 aligned_grid^2")


def sobolev_taylor(case: str, p: dict) -> Driver:
    c = next(c for c in p["cases"] if f"d{c['d']}-n{c['n']}" == case)
    d, n, N = c["d"], c["n"], c["N_max"]
    if d == 1:
        # the job loops over the sweep's sizes N (taylor.grid_sizes); at each, the exact sup error
        # visits the breakpoints of N + 1 terms, a term's product stages of sawtooth depth mp
        # having ~2^mp of them on its support, each evaluated through the term's L layers. mp is
        # the depth the job really uses (taylor.product_depth: set by the target's derivative
        # bounds, ~(n log2 N + c)/2): per-size times of the default d1-n3 log double at each
        # step of mp at fixed N. Written n^2 N_max^(2 + n/2) for the largest N alone at first,
        # which missed the paper-size d1-n3 job 15x (the constant c, and every size of the sweep)
        from deeprates.approximation import taylor
        from deeprates.figures.sobolev_taylor import sobolev_target

        target = sobolev_target(d, n, p["ridges"])
        W = M = 0.0
        for Ns in taylor.grid_sizes(d, n, c["N_min"], N, p["per_depth"], p["per_decade"]):
            mp = taylor.product_depth(target, Ns, n, p["product_margin"])
            W += (Ns + 1) * 2.0**mp * taylor.term_depth(d, n, mp)
            # the sup error's candidates (~1.7 (N + 1) 2^mp in the default and paper results),
            # each evaluated through its 2 active terms of ~16 units (the terms' width there:
            # 14 to 16 for n = 2, 3). Written with the depth L instead of the width at first:
            # the paper-size d1-n2 job then peaked at 1.7x the prediction
            M = max(M, 8.0 * 32 * (Ns + 1) * 2.0**mp)
        if n == 1:
            # no products (mp = 1, a handful of breakpoints per term): building the N + 1 term
            # networks in Python is the work, a path of its own
            return Driver("d1-plain", W, M, "sum over the sweep of (N + 1) 2^mp L (terms built)")
        return Driver("d1", W, M, "sum over the sweep of (N + 1) 2^mp L (breakpoints x depth)")
    g = min(p["grid_max"], p["grid_per_cell"] * N)
    pts = g**d + p["random_points"]
    # the net has ~ N^d terms, evaluated on every point
    return Driver("d2", float(pts) * N**d * n, 8.0 * 16 * pts, "(grid^d + random_points) N_max^d n")


def phase_diagram(case: str, p: dict) -> Driver:
    tname, rest = case.split("-", 1)
    t = next(t for t in p["targets"] if f"beta{t['beta']:g}" == tname)
    tr = t["translates"]
    if rest == "shallow":
        d = _shallow(np.array(geometric_sizes(4, p["shallow_P_max"], p["per_decade"])), tr)
        if t["beta"] == 1:
            # beta = 1 is a piecewise-linear target (kink sums): its interpolant's output weights
            # vanish away from the kinks, and at P >= 8192 the sup error ran ~4.8 ns per P^2
            # here against ~15 ns for beta = 0.5's (measured in-process, per target and P). Below
            # P ~ 4096 both run a per-unit overhead of ~40-70 us (15-40 ns per P^2), so the default
            # size (P <= 2048) cannot show the P^2 regime: the check size reaches P = 16384.
            # One group for both targets, fitted at P <= 2048, put the paper-size beta = 1 job
            # at 0.16 of its prediction
            return Driver("shallow-pl", d.work, d.mem, d.formula + " (piecewise-linear target)")
        return d
    alpha = float(rest.removeprefix("alpha"))
    a = next(a for a in p["alphas"] if float(a["alpha"]) == alpha)
    N = a["N_max"] if t.get("N_cap") is None else min(a["N_max"], t["N_cap"])
    M = min(max(1.0, N**alpha), a.get("M_max", p["M_max"]))
    if M > 33:  # past float64's digits: the sup error runs in mpmath at ~M digits, per candidate
        return Driver("mpmath", tr * N**1.5 * M * M, 64.0 * N * M * M, "translates N^1.5 M^2 (mpmath)")
    # the digit chain: N patches x M cells of breakpoints. N^1.5 M, not N M x depth: measured
    # at the default ladder (alpha 0.25, 0.5, 0.75 at N = 1296, 400, 128: 13, 8.6, 2.3 s), the
    # cost grows faster in N than in M
    return Driver("float", tr * N**1.5 * M, 16.0 * N * M * M, "translates N_max^1.5 M")


def precision_budget(case: str, p: dict) -> Driver:
    if case in ("float32", "float64"):
        # the job builds the digit chain at every N = M from M_min to M_max and takes its sup
        # error there: ~M^2 candidates through ~22 M units (vectorised numpy, ~M^3), plus the
        # circuit's construction and one numpy call per layer, ~M. In-process per size here:
        # 10.3 ms at M = 16, 43.7 ms at M = 40, i.e. M^3 + ~1700 M at 0.33 us per unit.
        # Written M_max^5 at first (the largest size's N M^2 x depth alone, one power too many):
        # the paper-size float64 job (M_max = 48, 1.6 s) then ran 0.52 of its prediction
        M = p[f"{case}_M_max"]
        W = sum(float(j) ** 3 + 1700.0 * j for j in range(p["M_min"], M + 1))
        return Driver("float", W, 16.0 * M**4, "sum over M = M_min..M_max of (M^3 + 1700 M)")
    k = int(case.removeprefix("mpmath-N"))
    # multiprecision.evaluate_mp walks the net's nonzero weights once, each an mpmath
    # multiply-add over a numpy object array of all the candidate points: nonzero weights x
    # candidates operations. The digit chain's weights grow like k (its depth ~2k layers of a
    # fixed width: 587 at k = 16, 3483 at k = 96), the candidates like k^2 (k (k + 1) cell nodes
    # and ~20 k zone points): ~k^3. An operation at the k log2 3 + 64 bits used here is one
    # Python-int multiply-add (Python's overhead, not the digits, sets its cost: 2.5-2.9 us per
    # weight and point at k = 24..36). Written k^4 (depth k x k digits per point) at first: the
    # paper-size jobs then fell from 0.68 (N48) to 0.45 (N80) of their predictions.
    # `coef * h[:, j]` (an mpf times an object array) first has mpmath try to convert the array,
    # which formats it with repr: every element while numpy prints whole arrays (up to its
    # print threshold, 1000 elements), six beyond. Up to 1000 candidates a weight therefore
    # costs 2.4x: 6.3 us per weight and point at k = 12, 18 (354, 648 candidates), in-process
    import scipy.sparse as sp

    from deeprates.approximation import bit_extraction as bx

    b = bx.build(_precision_target(p), k, k)
    pts = b.candidates().size
    ops = float(sum(sp.csr_matrix(layer.A).nnz for layer in b.net.layers) * pts) * (2.4 if pts <= 1000 else 1.0)
    # memory: one mpmath number per candidate and unit of every layer stays alive (measured
    # in-process at k = 44: 127 MB over the imports for 2.67e6 candidate-units, 48 B each);
    # written 64 k pts at first: 217 MB predicted, 724 MB measured for the paper-size N80 job
    units = sum(layer.A.shape[0] for layer in b.net.layers)
    return Driver("mpmath", ops, 48.0 * pts * units,
                  "nonzero weights x candidate points (~36 k x (k^2 + 20 k); 2.4x up to 1000 points)")


def _precision_target(p: dict):
    from deeprates.figures import precision_budget

    return precision_budget._target(p)


def log_regime(case: str, p: dict) -> Driver:
    if case == "deep":
        # the serial fixed-width net is evaluated at ~N (M + 13) points through ~N layers, N = 2^m
        # (docs/figures/log-regime.md): ~N^2 M at the largest m
        m = p["m_max"]
        return Driver("deep", 4.0**m * (m + 13), 16.0 * 2.0**m * (m + 13), "4^m_max (m_max + 13)")
    return _shallow(np.array(geometric_sizes(p["P_min"], p["P_max"], p["per_decade"])), 1)


def superexpressive(case: str, p: dict) -> Driver:
    if case == "activation":
        return Driver("activation", 1.0, None, "1 (fixed grid)")
    n = int(case.removeprefix("n"))
    c = next(c for c in p["points"] if c["n"] == n)
    n_eps = max(2, int(round(p["per_decade"] * math.log10(p["eps_max"] / c["eps_min"])))) + 1
    # the feasible frequencies are ~eps^-(n-1) apart: the scan for the first grows like that
    return Driver("points", p["draws"] * n_eps * c["eps_min"] ** -(n - 1), None,
                  "draws n_eps eps_min^-(n-1)")


def universal_formulas(case: str, p: dict) -> Driver:
    if case == "recurrence":
        return Driver("recurrence", 1.0, None, "1 (200 draws)")
    scan = p["omega_max"] / p["step"]
    n = p["n_points"]
    # the scan's rms_error holds, per grid point, float64 sin, cos and ones (n each), their
    # stack X (3n), the normal equations and their ridged copy (18), right sides and
    # coefficients (6) and the residual with its einsum and its square (3n): 9n + 24 values.
    # Written 8 scan bytes (one value per point) at first: the paper-size integer job peaked
    # at 3090 MB, 11x that prediction
    return Driver("curves", p["targets"] * scan * n, 8.0 * scan * (9 * n + 24),
                  "targets (omega_max / step) n_points")


# --- track B: kernel spectra (eigh: n^3, Gram: n^2 width d) and small training runs

def ntk_indicator(case: str, p: dict) -> Driver:
    d = int(case[1:].split("-")[0])
    if case.endswith("-lazy"):
        lz = p["lazy"]
        return Driver("lazy", lz["steps"] * lz["n"] * lz["width"] * d + lz["n"] ** 3,
                      8.0 * (lz["n"] ** 2 + lz["n"] * lz["width"]), "steps n width d + n^3")
    e = next(e for e in p["dims"] if e["d"] == d)
    n, k = p["n"], len(p["kernels"])
    eighs = 2 * k if e["width"] > 0 else k  # analytic and empirical kernels, each decomposed
    return Driver("spectra", p["seeds"] * (eighs * n**3 + k * n * n * e["width"] * d / 64),
                  8.0 * (3 * n * n), "seeds (2 kernels n^3 + kernels n^2 width d / 64)")


def beam_spectrum(case: str, p: dict) -> Driver:
    return Driver("eigh", float(p["n"]) ** 3, 8.0 * 3 * p["n"] ** 2, "n^3")


def free_knot_splines(case: str, p: dict) -> Driver:
    N = int(case.rsplit("-N", 1)[1])
    # steps_per_knot2 N^2 steps of a tiny model: per-step overhead dominates, so steps are the work
    return Driver("gd", float(p["steps_per_knot2"] * N * N), None, "steps_per_knot2 N^2 steps")


def linear_autoencoder(case: str, p: dict) -> Driver:
    r = float(case.removeprefix("r"))
    d = p["d"]
    H = r * d
    steps = p["tau_max"] / p["dtau"]
    return Driver("gd", p["draws"] * steps * H * d * d / d + p["draws"] * H**3, 8.0 * 4 * (H * d + d * d),
                  "draws (tau_max / dtau) H d + draws H^3, H = r d")


def digits_spectra(case: str, p: dict) -> Driver:
    return Driver("digits", float(p["k_hi"]), 8.0 * 3 * 1797**2, "k_hi (1797 points, fixed)")


# --- track C: recursions and Monte Carlo on power-law spectra

def powerlaw_optimizers(case: str, p: dict) -> Driver:
    if case == "discrete":
        return Driver("discrete", float(p["discrete_n"]) * p["discrete_steps"], 8.0 * 4 * p["discrete_n"],
                      "discrete_n discrete_steps")
    steps = p["steps_sd"] + p["steps_accelerated"] + p["per_decade"] * math.log10(p["steps_gd"])
    return Driver("dense", float(p["dense_n"]) * steps, 8.0 * 4 * p["dense_n"],
                  "dense_n (steps_sd + steps_accelerated + logged GD steps)")


def sgd_phases(case: str, p: dict) -> Driver:
    rec = p["recursion"]
    if case.startswith("rec-"):
        # one step is ~15 numpy calls on n_exact-long arrays (sgd_moments' recursion loop): their
        # dispatch, not their arithmetic, dominates up to n ~ 1000. Measured per step (zeta 0.25,
        # 10^5 steps): 9.3 us at n = 100, 15.5 us at 500, 23.7 us at 2000, i.e. ~7.6 ns x
        # (n + 1100). Written n x steps at first, the paper-size job (n = 2000, 10^6 steps) ran
        # 0.32x its prediction: the default size's n = 500 is mostly dispatch
        return Driver("recursion", float(rec["n_exact"] + 1100) * rec["steps"], 8.0 * 4 * rec["n_exact"],
                      "(n_exact + 1100) steps")
    mc = p["montecarlo"]
    return Driver("montecarlo", float(mc["n_features"]) * mc["seeds"] * rec["steps"],
                  8.0 * 4 * mc["n_features"] * mc["seeds"], "n_features seeds steps")


def sgd_stability(case: str, p: dict) -> Driver:
    if case == "negative-momentum":
        nm = p["negative_momentum"]
        nb = int(round((nm["beta_max"] - nm["beta_min"]) / nm["beta_step"])) + 1
        # per momentum: the grid of alpha_points - 1 rates below the stability edge, then bounded
        # Brent between the best grid point's neighbours down to 1e-5 of the edge (~log_phi of
        # 2e5 / alpha_points evaluations), each a full run of steps x n: every rate is below the
        # edge, so no run stops early. Its own group: in the heatmaps the unstable cells (about
        # half) stop at their blow-up within a few steps, so a heatmap's W over-counts its work;
        # fitted together, the paper-size negative-momentum job ran 3.4x its prediction
        brent = math.ceil(math.log(2e5 / nm["alpha_points"]) / math.log((1 + 5**0.5) / 2))
        return Driver("momentum", float(nb * (nm["alpha_points"] - 1 + brent) * nm["steps"] * p["n"]), None,
                      "betas (alpha_points + Brent steps) steps n")
    # grid_final_losses runs each (alpha, beta) cell's recursion over the n modes until it ends
    # or blows up: the stable cells (U_Sigma < 1, the job's own closed form) run all their
    # steps, the unstable ones stop after ~30 (the mean blow-up step of the diverged cells at
    # the default size: 33, 41, 24 for b = 1, 10, 100). The stable share grows with the batch
    # (12 % of the cells at b = 1, 47 % at b = 100), so the batches differ ~4x in work at one grid.
    # Before the recursion, noise_sum per cell (~95 us here, its 50-mode eigenvalue check: like
    # 3e4 mode-steps at 3.3 ns each). Written alpha_points beta_points steps n (every cell all
    # its steps) at first: the paper-size heatmaps ran 0.47 (b = 1) to 1.51 (b = 500) of it
    b = int(case.removeprefix("heatmap-b"))
    cells, stable = _heatmap_stable(p["n"], p["nu"], p["kappa"], b, p["alpha_max"], p["alpha_points"],
                                    p["beta_points"])
    W = p["n"] * (stable * p["steps"] + (cells - stable) * 30.0) + 3e4 * cells
    return Driver("heatmap", float(W), None,
                  "n (stable cells x steps + unstable cells x 30) + cells x 3e4 (noise sums)")


@functools.lru_cache(maxsize=64)
def _heatmap_stable(n: int, nu: float, kappa: float, batch: int, alpha_max: float, alpha_points: int,
                    beta_points: int) -> tuple[int, int]:
    """Cells of a heatmap's grid and how many have U_Sigma < 1 (as figures.sgd_stability builds
    them; ~0.1 ms per cell)."""
    from deeprates.figures import sgd_stability
    from deeprates.optimization import sgd_moments as sm

    prob = sgd_stability._problem({"n": n, "nu": nu}, kappa)
    noise = sm.NoiseModel.translation_invariant(n, batch)
    alphas = np.linspace(alpha_max / alpha_points, alpha_max, alpha_points)
    betas = np.linspace(-1, 1, beta_points + 2)[1:-1]
    U = [sm.noise_sum(prob.eigenvalues, a, bb, noise, check_modes=sgd_stability.TOP_MODES)
         for a in alphas for bb in betas]
    return len(U), int(np.sum(np.array(U) < 1))


def corner_gd(case: str, p: dict) -> Driver:
    T = p["steps"]
    if case == "beam":
        # per theta: loss sequences over T steps for every mode (ideal and finite memory), and a
        # time-domain run of time_domain_steps x memory x modes
        b = p["beam"]
        n_td = min(T, b["time_domain_steps"])
        return Driver("beam", float(len(b["thetas"]) * b["n_modes"] * (2 * T + n_td * b["memory"])),
                      8.0 * (8 * T + b["n_modes"] * b["memory"]), "thetas n_modes (2 steps + time_domain_steps memory)")
    if case == "time-domain":
        # the ideal (infinite-memory) kernel: every step sums over all earlier ones
        t = p["time_domain"]
        return Driver("time-domain", float(t["n_modes"] * t["steps"] ** 2), 8.0 * t["n_modes"] * t["steps"],
                      "n_modes steps^2")
    # FFT renewal sums over the horizon, on a node grid that grows like log T
    return Driver("sweep", T * math.log(T) ** 2, 8.0 * 8 * T * math.log(T), "steps log(steps)^2")


def spectral_algorithms(case: str, p: dict) -> Driver:
    """kernel_regression.error_curves, per seed, in the primal (P = n_features): every sample row
    is drawn (P standard normals) and added to X^T X (P^2 multiply-adds); at every size of the
    sweep, X^T X's eigendecomposition (LAPACK's syevd, ~9 P^3 multiply-add equivalents), V^T
    Lambda V (2 P^3) and the quadratic errors of every grid point (2 P^2 each: M @ R and the
    einsum). The weights are this machine's single-thread times per operation at P = 256 to 1024
    relative to a gemm multiply-add (~20 ps): eigh 9.2x (per P^3, at P = 1024), V^T Lambda V
    2.0x, a grid point 2.0x (per P^2), a standard normal ~500x. Written at first as if the
    work were n x P designs (n P min(n, P) per size): the paper-size job (n up to 65536, 41
    sizes) then ran at 0.43 of its prediction, because the cost past n = P is one eigh per size
    and one P^2 update per row, not a growing SVD. Memory: the largest block of new rows (Z and
    X, between the last two sizes) and a few P x P and P x grid arrays."""
    from deeprates.figures.spectral_algorithms import regularisation_grid, sample_sizes

    sizes = sample_sizes(p)
    P = float(p["n_features"])
    G = sum(len(regularisation_grid(p[g])) for g in ("eta_grid", "tau_grid"))
    per_seed = float(sizes.max()) * (P * P + 500.0 * P) + len(sizes) * (11.0 * P**3 + 2.0 * G * P * P)
    block = float(np.diff(np.concatenate([[0], sizes])).max())
    mem = 8.0 * (2.0 * block * P + 4.0 * P * P + 3.0 * P * G)
    return Driver("part", p["seeds_per_job"] * per_seed, mem,
                  "seeds_per_job (n_max (P^2 + 500 P) + sizes (11 P^3 + 2 grid points P^2)), P = n_features")


# --- track D: gradient boosting on voxel features: rounds x classes x features x rows

def _classes_and_training_rows(p: dict) -> tuple[int, float]:
    """A voxel figure's classes and training rows (rotated copies of the training meshes)."""
    ds = p["dataset"]
    classes = ds.get("classes")
    n_classes = 12 if classes in (None, "all", ["all"]) else len(classes)
    return n_classes, float(n_classes * ds["n_train"] * ds["copies"])


def voxel_feature_examples(case: str, p: dict) -> Driver:
    # `example` voxelises one part at grid S; `identities` checks the features on fixed meshes
    return Driver(case, float(p["S"]) ** 3, 8.0 * p["S"] ** 3, "S^3 voxels")


# Work per training row of one booster on the raw grids that does not grow with the columns
# (gradients, row partitions, the staged predictions), in the units of RAW_COLUMN_EXPONENT's
# S^2.6: the check size's S = 4 job (3072 training rows, 8 boosters of 1 to 6 columns) ran
# 1.3 s + 0.65 s per column, i.e. twice a column's 4^2.6.
RESOLUTION_ROW = 74.0
# A column's work per training row grows as S^2.6, sparse or dense: LightGBM (column-wise)
# builds every kept feature's histogram over the leaf's rows, and nearly every voxel of the
# grid is occupied by some training copy (3798 of 4096 at S = 16), so the sparse storage above
# S = 8 saves it little. Measured on the check size's SA grids (10 rounds, 3072 training rows,
# single thread): 0.23, 0.93, 5.5 and 33 s at S = 4, 8, 16, 32 (4.1x, 5.9x, 6.0x a doubling;
# 2^2.6 = 6.1), each within 10 % of linear in the rows from 1536 rows on.
RAW_COLUMN_EXPONENT = 2.6


def voxel_resolution(case: str, p: dict) -> Driver:
    """One booster per kind on its raw S^3 grid (experiments.run_raw: depth max_depth, all
    columns, 12 trees per round): rounds x classes x max_depth x training rows x
    (RESOLUTION_ROW per kind + the kind's columns x S^2.6). Written rows kinds S^2 rounds
    max_depth at first (a kind's 1 to 6 columns left out): from its fit the paper-size S = 4 job
    took 1.87x the prediction. Then S^3 up to S = 8 and the occupied voxels (A S^2) above, for
    the sparse storage: the paper-size S = 16 job took ~5x that (a sparse grid's column costs
    LightGBM nearly what a dense one does; the measured growth above)."""
    S = max(p["sizes"]) if case == "shuffled" else int(case.split("-")[0].removeprefix("S"))
    return _raw_boosters(p, S, p["kinds"])


def _raw_boosters(p: dict, S: int, kinds: list) -> Driver:
    """One run_raw booster per entry of `kinds` at grid S (voxel_resolution's law)."""
    from deeprates.voxel.features import KIND_COLUMNS

    n_classes, rows = _classes_and_training_rows(p)
    columns = sum(len(KIND_COLUMNS[k]) for k in kinds)
    W = p["rounds"] * n_classes * p["max_depth"] * rows * (
        len(kinds) * RESOLUTION_ROW + columns * float(S) ** RAW_COLUMN_EXPONENT)
    # LightGBM's histogram pool (histogram_pool_size unset: every leaf's histograms are kept):
    # 2^max_depth leaves x the widest kind's features x 255 bins x 16 bytes (gradient and
    # hessian sums). Written as the kind's matrix at first (0.6 GB at S = 16): the paper-size
    # S = 16 job peaked at 6360 MB, this pool's 6.4 GB (and S = 4, 8: 1091, 2091 MB against
    # 0.1, 0.8 GB of pool plus ~1 GB of feature table)
    widest = max(len(KIND_COLUMNS[k]) for k in kinds)
    pool = 16.0 * 255 * 2 ** p["max_depth"] * widest * S**3
    return Driver("boost", W, pool, "rounds classes max_depth rows (74 boosters + columns S^2.6)")


def voxel_raw_vs_haar(case: str, p: dict) -> Driver:
    """Two boosters of run_raw on one kind at grid S (its raw grid and its Haar coefficients, S^3
    features per column of the kind each): voxel-resolution's law for two boosters of that kind.
    Written rows S^2 rounds max_depth at first (the S = 4 and 8 paper jobs ran at 0.72 and 0.87
    of it; its S = 16 jobs would have been under-predicted as voxel-resolution's was)."""
    return _raw_boosters(p, int(case.split("-")[0].removeprefix("S")), [p["kind"]] * 2)


# LightGBM's work per tree and feature that does not grow with the rows (the histogram scan of
# up to 255 bins per leaf, split finding), in units of one row's histogram update: synthetic
# dense data, 12 classes, 25 rounds, single thread here, at 2000 and 8000 rows and 64 and 384
# features. Per feature and tree: 1.1 us + 1.1 ns x rows at depth 2 (the paper's protocol),
# 10.7 us + 8.2 ns x rows at depth 6 (the raw grids'): 1000 to 1300 rows.
LGB_ROWS_PER_FEATURE = 1000.0


def _protocol(p: dict, feature_set: str) -> float:
    """The paper's boosted trees (experiments.run_feature_set: depth 2, 12 one-vs-rest trees per
    round) on a feature set's columns: rounds x classes x features x (training rows +
    LGB_ROWS_PER_FEATURE). Written rows x rounds at first, as if the work per row were fixed:
    from the default size's 720 training rows the paper's 13440 are 19x the rows but 8.4x this
    work, and the paper-size importances and predictions ran at 0.63 and 0.47 of that law."""
    from deeprates.voxel.classify import n_features
    from deeprates.voxel.experiments import feature_set as blocks

    n_classes, rows_train = _classes_and_training_rows(p)
    return float(p["rounds"]) * n_classes * n_features(blocks(feature_set)) * (rows_train + LGB_ROWS_PER_FEATURE)


_PROTOCOL_FORMULA = "rounds classes features (training rows + 1000)"


def voxel_error_history(case: str, p: dict) -> Driver:
    # the feature set (all kinds, the global ones, one kind, shuffled labels) fixes the columns
    name = case.rsplit("-seed", 1)[0]
    group = name if name in ("all", "global", "shuffled") else "one-kind"
    return Driver(group, _protocol(p, "all" if name == "shuffled" else name), None, _PROTOCOL_FORMULA)


def voxel_importances(case: str, p: dict) -> Driver:
    return Driver("boost", _protocol(p, "all"), None, _PROTOCOL_FORMULA)


def voxel_predictions(case: str, p: dict) -> Driver:
    return Driver("boost", _protocol(p, "all"), None, _PROTOCOL_FORMULA)


# --- track E: paths between trained nets (forward passes over the training set) and refits

def _n_train(p: dict) -> int:
    return p["training"]["n_train"]


def lowloss_paths_onelayer(case: str, p: dict) -> Driver:
    N = int(case.removeprefix("N"))
    n = _n_train(p)
    # per pair and path point a forward pass (n x 64 x N); per pair one least-squares refit (n^2 N)
    return Driver("paths", p["pairs"] * (p["points"] * n * 64 * N + n * n * N), 8.0 * 4 * n * N,
                  "pairs (points n 64 N + n^2 N)")


def lowloss_paths_deep(case: str, p: dict) -> Driver:
    """paths.pair_record of one endpoint pair (case "W<w>-p<k>"), counted from paths.deep_path
    with L = hidden_layers + 1 weight layers and P = points per stage: Linear and Arc evaluate the net P times each, the two +WA paths L P
    times, the two +B-fly paths (L - 1) P times, and B permuted re-evaluates Linear: (1 + 4 L) P
    forward passes over all the digits (the training and the test images), of
    64 W + (L - 2) W^2 + 10 W multiply-adds per image. Each +WA stage refits the next layer at
    every point (scipy's gelsy on the n x W training features: ~2 n W k + 2 n k r multiply-adds,
    k = min(n, W), r the next layer's rows: W, and 10 for the output layer), and B-fly refits
    each hidden stage once. A refit's multiply-add took 1.7x a forward one here (random nets of
    width 128 and 512, 41 points, n = 500: 100 vs 55 ps and 60 vs 36 ps). Written at first as
    points n L W^2 + n^2 W (the training set alone, and a refit as n^2 W): its fit (b = 0.62)
    over-predicted the paper-size width-128 job 2.9x. The optimal assignments (W^3 at worst,
    4 per pair) stay below a percent of the work up to width 4096, and are left out."""
    from deeprates.connectivity.data import N_DIGITS

    W = float(case.removeprefix("W").partition("-p")[0])
    n, P, L = float(_n_train(p)), float(p["points"]), p["hidden_layers"] + 1
    forward = (1 + 4 * L) * P * N_DIGITS * (64 * W + (L - 2) * W * W + 10 * W)
    k = min(n, W)
    hidden_fit, output_fit = 2 * n * W * k + 2 * n * k * W, 2 * n * W * k + 2 * n * k * 10
    refits = 2 * P * ((L - 2) * hidden_fit + output_fit) + (L - 2) * hidden_fit
    return Driver("paths", forward + 1.7 * refits, 8.0 * 4 * (N_DIGITS * W + W * W),
                  "(1 + 4 L) points digits (74 W + (L - 2) W^2) + 1.7 refit multiply-adds")


def wa_ensembling(case: str, p: dict) -> Driver:
    h = max(p["hidden"])
    n = _n_train(p)
    return Driver("group", p["K"] * (n * h * h + n * n * h), 8.0 * p["K"] * h * h, "K (n h^2 + n^2 h)")


def rbf_interpolation(case: str, p: dict) -> Driver:
    if case == "hciz":
        h = p["hciz"]
        return Driver("hciz", float(h["samples"]) * sum(n**3 for n in h["sizes"]),
                      8.0 * 1e6 * max(h["sizes"]) ** 2, "samples sum n^3")
    if case == "error-formula":
        e = p["error_formula"]
        return Driver("error-formula", float(e["samples"]) * len(e["x"]) * sum(len(s) for s in e["nodes"]),
                      8.0 * e["samples"] * max(len(s) for s in e["nodes"]), "samples x_points nodes")
    c = p["convergence"]
    Ns, d, ev = c["N"], c["digits"], c["eval_points"]

    def solve(N: int, digits: int) -> float:
        # rbf.interpolant in mpmath: the N x N matrix (N^2 exps), lu_solve (N^3/3 multiply-adds)
        # and the interpolant at ev points (N ev exps and multiply-adds). Without gmpy, an
        # mpmath operation costs its Python overhead (~10 us, flat in the digits: lu_solve's
        # step took 9.3-10.8 us from 40 to 400 digits here) and an exp ~(1.2 + (digits/140)^2)
        # of them (16, 32, 86 us at 80, 200, 400 digits): the unit of W is one such step
        return N**3 / 3 + (N * N + N * ev) * (1 + 1.2 + (digits / 140) ** 2)

    # per target (3): the sup error at every N of the sweep, then at the largest N the Gaussian
    # interpolant, its exponential twin and the Gaussian one at digits + 20. Written
    # sum_N (N^3 + N ev) digits^1.6 at first: the digits' exponent, wrong for Python-bound
    # mpmath, put the paper-size jobs (200 digits) at 0.17-0.19 of the prediction
    W = 3 * (sum(solve(N, d) for N in Ns) + 2 * solve(Ns[-1], d) + solve(Ns[-1], d + 20))
    return Driver("nodes", W, None, "3 targets x (sum_N + 3 at N_max) (N^3/3 + (N^2 + N eval) exp(digits))")


# --- the shared-data jobs (workflow/rules/connectivity.smk, voxel.smk): their params are the
# job's own spec (model.data_jobs), not a figure's section

def connectivity_net(case: str, p: dict) -> Driver:
    # minibatch SGD over epochs x n_train samples, each a forward and a backward pass through
    # the MLP: work per sample ~ its parameter count (sum of a b over consecutive layer sizes).
    # Per-step overhead (epochs n_train / batch steps, ~10^2 at these sizes) is negligible next
    # to torch's import (c0)
    sizes = p["sizes"]
    params = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    # float32 weights, gradients, momentum and the snapshot copy
    return Driver("train", float(p["epochs"]) * p["n_train"] * params, 4.0 * 4 * params,
                  "epochs n_train parameters")


def voxel_meshes(case: str, p: dict) -> Driver:
    """One class: generate (or read and check) its meshes and write its manifest: meshes x their
    mean faces x the class's cost per face (workload.GENERATOR_US_PER_FACE: a gear's or a
    housing's construction costs 2-3x a plate's per face). Written "meshes" at first, as if
    every class cost the same, then meshes x faces: the paper-size classes ran at 0.53 to 1.14
    and 0.83 to 1.80 of those laws."""
    return Driver("meshes", float(p["meshes"]) * p["faces"] * p["us_per_face"], None,
                  "meshes x mean faces x the class's generator us per face")


# Per rotated copy and grid size S, the voxel engine (features.compute_features, with its
# percentiles, identity residuals and raw grid) costs ~ VOXEL_FACE F + A S^2 units of one
# clipped voxel piece, F the mesh's faces and A its rotation-averaged area at S = 1
# (voxel.workload): least squares over 4 copies of 24 generated meshes (two of each class,
# generator seeds 500 and 501, outside every configured data set) at each S = 1..128, single
# thread here: 0.78 us F + 1.55 us A S^2 (a constant per copy and S came out at -2 ns).
VOXEL_FACE = 0.5


def voxel_features(case: str, p: dict) -> Driver:
    """Every rotated copy of every mesh of the chunk is voxelised at every grid size S: meshes x
    copies x sum_S (VOXEL_FACE F + A S^2), F and A the mean faces and area of the chunk's meshes
    (workload.class_geometry). Written meshes x copies x sum_S S^2 at first, as if every mesh
    had one area: the classes' areas span 6x, and the paper-size chunks ran at 0.28 to 0.99 of
    that law (only classes 0 and 1 were measured below them)."""
    sizes = sorted(set(p["sizes"]) | set(p["raw_sizes"]))
    per_copy = sum(VOXEL_FACE * p["faces"] + p["area"] * S * S for S in sizes)
    n = p["meshes"] * p["copies"]
    # held until the chunk is written: dense raw grids (17 float32 columns x S^3, S <= 8) and the
    # sparse voxel lists of the larger raw grids (~6 S^2 occupied voxels)
    dense = sum(S**3 if S <= 8 else 6 * S * S for S in p["raw_sizes"])
    return Driver("features", float(n * per_copy), 4.0 * 17 * n * dense,
                  "meshes copies sum_S (F/2 + A S^2), F, A: the meshes' mean faces and area")


DRIVERS: dict[str, Callable[[str, dict], Driver]] = {
    "sawtooth-square": sawtooth_square,
    "relu-product": relu_product,
    "sobolev-taylor": sobolev_taylor,
    "phase-diagram": phase_diagram,
    "precision-budget": precision_budget,
    "log-regime": log_regime,
    "superexpressive": superexpressive,
    "universal-formulas": universal_formulas,
    "ntk-indicator": ntk_indicator,
    "beam-spectrum": beam_spectrum,
    "free-knot-splines": free_knot_splines,
    "linear-autoencoder": linear_autoencoder,
    "digits-spectra": digits_spectra,
    "powerlaw-optimizers": powerlaw_optimizers,
    "sgd-phases": sgd_phases,
    "sgd-stability": sgd_stability,
    "corner-gd": corner_gd,
    "spectral-algorithms": spectral_algorithms,
    "voxel-feature-examples": voxel_feature_examples,
    "voxel-resolution": voxel_resolution,
    "voxel-raw-vs-haar": voxel_raw_vs_haar,
    "voxel-error-history": voxel_error_history,
    "voxel-importances": voxel_importances,
    "voxel-predictions": voxel_predictions,
    "lowloss-paths-onelayer": lowloss_paths_onelayer,
    "lowloss-paths-deep": lowloss_paths_deep,
    "wa-ensembling": wa_ensembling,
    "rbf-interpolation": rbf_interpolation,
    "connectivity-net": connectivity_net,
    "voxel-meshes": voxel_meshes,
    "voxel-features": voxel_features,
}
