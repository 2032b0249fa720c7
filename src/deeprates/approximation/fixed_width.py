"""The digit chain at FIXED width: the log-regime construction of arXiv:1705.01365.

arXiv:1705.01365 (Yarotsky 2017) approximates 1-D Lipschitz functions with deep ReLU
networks of a fixed width: with discontinuous weight selection the error is O(1/(W ln W)),
while any continuous selection needs err >= c/W. The mechanism is the one of
`bit_extraction.build` (N patches, each of M fine cells whose +-eps walk is stored as M base-3
digits in one weight, decoded by a narrow chain), with M = log2 N digits per weight, so that
err ~ eps ~ 1/(N M) ~ 1/(W ln W) when W ~ a N.

`bit_extraction.build` selects a patch's code word with all N indicators in one layer (width
~4N). Here the coarse part runs serially instead: one layer per patch boundary, each adding its
terms to running sums, so the width stays fixed and the depth grows like N:

- the running sums are x itself, f_1 (the coarse interpolant, shifted by B_f = sum |c_i| so
  that every partial sum stays >= 0 and one ReLU carries it), S = sum of the selection steps
  (counts the boundaries right of x: the patch index), the gate sum, T = sum_i w_i I_i (the
  code word) and Fs = sum_i (F_i - lo) I_i;
- boundary j goes through a 4-stage pipeline (stage s at layer j + s): the first halves of its
  selection / gate-close / gate-open steps and s(x - j/N); their clamps s(1 - a) and f_1's
  term; the indicator I_(j-1) = s_sel_j - s_sel_(j-1) and the S and gate sums; the T and Fs sums.
  I_i is exactly 0 outside patch i, so T and Fs add exact zeros: the code word is exact (a
  telescoping sum of code differences would round).

The same walk, code words, zone width tau and digit chain as `bit_extraction.build`: in exact
arithmetic both compute the same function (the figure checks that their sup errors agree), so
`bit_extraction.BitNet.candidates` holds this network's breakpoints too. Width at most 15 for
any N (15 once N >= 8 fills every pipeline stage); depth N + 2M + 5; W ~ 26 N.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deeprates.approximation import bit_extraction as bx
from deeprates.approximation.circuit import Circuit, Lin
from deeprates.approximation.network import ReLUNet

WIDTH = 15  # six running sums, four stage-1 units, three clamps, an indicator pair and a carry


@dataclass
class FixedWidthNet:
    net: ReLUNet
    wide: bx.BitNet  # the one-layer-selection network with the same walk and codes

    @property
    def eps(self) -> float:
        return self.wide.eps

    def sup_error(self, target):
        """sup |f - network| on [0, 1], evaluated at the ideal breakpoints (see module doc)."""
        from deeprates.approximation.supnorm import sup_error_pl

        return sup_error_pl(lambda x: self.net(x[:, None])[:, 0], target, 0.0, 1.0,
                            self.wide.candidates())


def build(target, N: int, M: int) -> FixedWidthNet:
    """The fixed-width digit-chain network for N >= 2 patches of M fine cells."""
    if N < 2 or M < 1:
        raise ValueError(f"the fixed-width network needs N >= 2 and M >= 1, got N={N}, M={M}")
    wide = bx.build(target, N, M)
    walk, codes, tau, eps = wide.walk, wide.codes, wide.tau, wide.eps
    K = 1.0 / tau
    F = walk.F
    c_f1 = walk.f1_coef
    lo = float(min(F.min(), 0.0)) - 1.0
    Bf = float(np.sum(np.abs(c_f1[1:])))  # partial sums of f_1 - lo stay >= 1 - Bf
    A = M * eps
    B = A + 2.0 * float(np.max(np.abs(F - lo))) + 1.0
    c = Circuit(1, name=f"fixed-width digit chain(N={N}, M={M})")
    (x,) = c.inputs()

    # Layer 1: x carried, f_1's first term started, boundary 1's stage 1.
    b = np.arange(N) / N  # b[j] = j/N, boundaries j = 1..N-1
    X = c.unit(x)
    Fa = c.unit(x * float(c_f1[0]) + (F[0] - lo + Bf))
    S = Ga = T = Fs = None
    st1: dict[int, tuple[Lin, ...]] = {}  # boundary -> stage outputs, read one layer later
    st2: dict[int, tuple[Lin, ...]] = {}
    st3: dict[int, tuple[Lin, ...]] = {}
    prev = None  # s_sel of the boundary before the one in stage 3, carried one layer

    def stage1(j: int, X_in: Lin) -> tuple[Lin, ...]:
        fu = c.unit(X_in - b[j]) if c_f1[j] != 0.0 else None
        return (c.unit(X_in * K - K * (b[j] - tau)), c.unit(X_in * K - K * (b[j] - 3 * tau)),
                c.unit(X_in * K - K * (b[j] + tau)), fu)

    st1[1] = stage1(1, x)
    c.step()
    layer = 1
    while True:
        layer += 1
        new1, new2, new3 = {}, {}, {}
        Xn = c.unit(X)
        j = layer
        if j <= N - 1:
            new1[j] = stage1(j, X)
        # stage 2: clamps s(1 - a) (exact 0 / 1 outside the ramps) and f_1's term
        fa_form = Fa
        for jj, (a_sel, a_close, a_open, fu) in st1.items():
            new2[jj] = (c.unit(1.0 - a_sel), c.unit(1.0 - a_close), c.unit(1.0 - a_open))
            if fu is not None:
                fa_form = fa_form + fu * float(c_f1[jj])
        Fan = c.unit(fa_form)
        # stage 3: indicators, the step count S and the gate sum
        s_form = S if S is not None else c.const(0.0)
        g_form = Ga if Ga is not None else c.const(0.0)
        prev_n = None
        for jj, (s_sel, s_close, s_open) in st2.items():
            left = prev if prev is not None else c.const(0.0)
            inds = [c.unit(s_sel - left)]  # I_(jj-1)
            if jj == N - 1:
                inds.append(c.unit(1.0 - s_sel))  # I_(N-1): right of the last boundary
            new3[jj] = tuple(inds)
            s_form = s_form + s_sel
            g_form = g_form + s_open - s_close
            prev_n = c.unit(s_sel)
        Sn = c.unit(s_form) if (st2 or S is not None) else None
        Gan = c.unit(g_form) if (st2 or Ga is not None) else None
        # stage 4: the code word and F_i of the patch, added as exact zeros elsewhere
        t_form = T if T is not None else c.const(0.0)
        f_form = Fs if Fs is not None else c.const(0.0)
        for jj, inds in st3.items():
            for k, I in enumerate(inds):
                i = jj - 1 + k
                t_form = t_form + I * float(codes[i])
                f_form = f_form + I * float(F[i] - lo)
        Tn = c.unit(t_form) if (st3 or T is not None) else None
        Fsn = c.unit(f_form) if (st3 or Fs is not None) else None
        done = not st1 and not st2 and st3 and max(st3) == N - 1
        c.step()
        X, Fa, S, Ga, T, Fs, prev = Xn, Fan, Sn, Gan, Tn, Fsn, prev_n
        st1, st2, st3 = new1, new2, new3
        if done:
            break

    # U = M (N x - i), i = N - 1 - S; the gate g = 1 - gate sum; F1 = f_1 - lo + B_f.
    U = c.unit(X * float(M * N) + S * float(M) - float(M * (N - 1)))
    g = c.unit(1.0 - Ga)
    F1 = c.unit(Fa)
    t_form = c.unit(T)
    start_u = c.unit(Fs)
    c.step()
    start = start_u + A
    # The digit chain of bit_extraction.build, unchanged (see its docstring).
    u_prev = U
    acc = None
    G_prev = None
    for k in range(1, M + 1):
        last = k == M
        A_k = c.unit(3.0 * t_form - 1.0)
        B_k = c.unit(3.0 * t_form - 2.0)
        Tk = None if last else c.unit(t_form)
        u_k = c.unit(u_prev - 1.0)
        u_keep = c.unit(u_prev)
        F1 = c.unit(F1)
        g = c.unit(g)
        acc = c.unit(start - u_prev * eps) if acc is None else c.unit(acc + G_prev * (2.0 * eps))
        c.step()
        if not last:
            t_form = c.unit(3.0 * Tk - 2.0 * A_k + 2.0 * B_k)
        G = c.unit(A_k - B_k + u_keep - u_k - 1.0)
        if not last:
            u_prev = c.unit(u_k)
        acc = c.unit(acc)
        F1 = c.unit(F1)
        g = c.unit(g)
        c.step()
        G_prev = G
    # Output f_1 + gate(Y - f_1), f_1 = F1 - B_f + lo (the clamp form of bit_extraction.build).
    Z = acc + G_prev * (2.0 * eps) - A - (F1 - Bf)
    gP = c.unit(Z + g * B - B)
    gN = c.unit(-Z + g * B - B)
    F1 = c.unit(F1)
    c.step()
    net = c.finish([F1 + gP - gN + (lo - Bf)],
                   meta={"N": N, "M": M, "eps": eps, "tau": tau, "K": K})
    return FixedWidthNet(net, wide)


def depth(N: int, M: int) -> int:
    """L of `build`: N + 1 serial layers (N - 1 boundaries through a 4-stage pipeline, the
    first in layer 1), U/g, 2M chain layers, the gated pair, the output map."""
    return N + 2 * M + 5
