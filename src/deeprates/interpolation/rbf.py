"""Gaussian-RBF and exponential interpolation in mpmath (arXiv:1205.5961).

Gaussian interpolation with basis e^{-(x - x_n)^2/2}, multiplied by e^{x^2/2}, is interpolation by
the exponentials e^{x_n x}: sum_n c_n e^{-(x - x_n)^2/2} = e^{-x^2/2} sum_n (c_n e^{-x_n^2/2}) e^{x_n x}.
Both systems are solved here so the identity can be checked. The Gaussian matrix on [-1, 1]
is nearly singular (its condition number grows roughly like e^{N log N}), hence mpmath.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath

TARGETS: dict[str, tuple[str, Callable]] = {
    # name -> (label, f); the label says where f stops being analytic
    "sin2x": ("sin 2x (entire)", lambda x: mpmath.sin(2 * x)),
    "poles2i": ("1/(1 + x^2/4) (poles at ±2i)", lambda x: 1 / (1 + x * x / 4)),
    "runge": ("1/(1 + 25x^2) (Runge, poles at ±0.2i)", lambda x: 1 / (1 + 25 * x * x)),
}


def _solve(basis: Callable, nodes: list, values: list) -> list:
    A = mpmath.matrix([[basis(xi, xj) for xj in nodes] for xi in nodes])
    c = mpmath.lu_solve(A, mpmath.matrix(values))
    return [c[i] for i in range(len(nodes))]


def gaussian_basis(x, xn):
    return mpmath.exp(-(x - xn) ** 2 / 2)


def exponential_basis(x, xn):
    return mpmath.exp(x * xn)


def interpolant(basis: Callable, nodes: list, values: list, xs: list) -> list:
    """Values at `xs` of sum_n c_n basis(x, x_n) matching `values` at `nodes` (current precision)."""
    c = _solve(basis, nodes, values)
    return [mpmath.fsum(cn * basis(x, xn) for cn, xn in zip(c, nodes)) for x in xs]


def gaussian_via_exponentials(f: Callable, nodes: list, xs: list) -> list:
    """The Gaussian interpolant of f computed as e^{-x^2/2} times the exponential interpolant of
    e^{x^2/2} f: equal to `interpolant(gaussian_basis, ...)` by the identity above."""
    g = [mpmath.exp(xn * xn / 2) * f(xn) for xn in nodes]
    return [mpmath.exp(-x * x / 2) * v for x, v in zip(xs, interpolant(exponential_basis, nodes, g, xs))]


def sup_error(f: Callable, nodes: list, xs: list, approx: list | None = None) -> mpmath.mpf:
    """max over xs of |f - Gaussian interpolant of f on nodes|."""
    if approx is None:
        approx = interpolant(gaussian_basis, nodes, [f(x) for x in nodes], xs)
    return max(abs(f(x) - a) for x, a in zip(xs, approx))
