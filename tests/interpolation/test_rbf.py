"""Gaussian-RBF and exponential interpolation in mpmath (arXiv:1205.5961)."""

from __future__ import annotations

import mpmath
import pytest

from deeprates.interpolation import rbf


@pytest.fixture()
def nodes():
    with mpmath.workdps(40):
        yield [mpmath.mpf(x) for x in ("-0.9", "-0.35", "0.1", "0.55", "0.8")]


def test_interpolant_matches_the_values_at_the_nodes(nodes):
    with mpmath.workdps(40):
        f = rbf.TARGETS["sin2x"][1]
        vals = rbf.interpolant(rbf.gaussian_basis, nodes, [f(x) for x in nodes], nodes)
        assert max(abs(v - f(x)) for v, x in zip(vals, nodes)) < mpmath.mpf(10) ** -30


def test_gaussian_interpolation_is_exponential_interpolation(nodes):
    with mpmath.workdps(40):
        f = rbf.TARGETS["runge"][1]
        xs = mpmath.linspace(-1, 1, 21)
        gauss = rbf.interpolant(rbf.gaussian_basis, nodes, [f(x) for x in nodes], xs)
        via = rbf.gaussian_via_exponentials(f, nodes, xs)
        assert max(abs(g - v) for g, v in zip(gauss, via)) < mpmath.mpf(10) ** -25


def test_a_basis_function_is_reproduced_exactly(nodes):
    with mpmath.workdps(40):
        def f(x):
            return rbf.gaussian_basis(x, nodes[2])

        assert rbf.sup_error(f, nodes, mpmath.linspace(-1, 1, 41)) < mpmath.mpf(10) ** -25
        # and a function outside the span is not
        assert rbf.sup_error(rbf.TARGETS["sin2x"][1], nodes, mpmath.linspace(-1, 1, 41)) > 1e-4


def test_float64_precision_is_not_enough_where_mpmath_is():
    # why mpmath: at N = 20 the Gaussian system loses every float64 digit
    with mpmath.workdps(80):  # the condition number itself needs the digits
        xs = [mpmath.mpf(-1 + 2 * k / 19) for k in range(20)]
        cond = mpmath.cond(mpmath.matrix([[rbf.gaussian_basis(a, b) for b in xs] for a in xs]))
    assert cond > 1e16
