"""The HCIZ integral and the integral error formula (arXiv:1205.5961): closed forms that can be
checked by hand, and small Monte Carlo runs against them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from deeprates.interpolation import error_formula as ef
from deeprates.interpolation import hciz


def test_haar_unitaries_are_unitary_and_uniform():
    u = hciz.haar_unitary(2, 20000, np.random.default_rng(0))
    eye = np.einsum("sij,skj->sik", u, u.conj())
    assert np.abs(eye - np.eye(2)).max() < 1e-12
    # for Haar U(2), |U_22|^2 is uniform on [0, 1]: mean 1/2, variance 1/12
    t = np.abs(u[:, 1, 1]) ** 2
    assert abs(t.mean() - 0.5) < 4 * math.sqrt(1 / 12 / len(t))
    assert abs(t.var() - 1 / 12) < 0.005
    # without the phase fix of the QR the diagonal of Q is real and positive-biased
    assert abs(np.angle(u[:, 0, 0]).mean()) < 0.05


def test_closed_form_by_hand():
    # N = 1: exp(ab). N = 2, a = b = (0, 1): tr = |U_22|^2 is uniform, so the integral is e - 1.
    assert hciz.hciz_closed_form(np.array([0.3]), np.array([2.0])) == pytest.approx(math.exp(0.6))
    assert hciz.hciz_closed_form(np.array([0.0, 1.0]), np.array([0.0, 1.0])) == pytest.approx(math.e - 1)


def test_closed_form_refuses_degenerate_spectra():
    with pytest.raises(ValueError, match="distinct"):
        hciz.hciz_closed_form(np.array([1.0, 1.0]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="one length"):
        hciz.hciz_closed_form(np.array([1.0, 2.0]), np.array([0.0, 1.0, 2.0]))


@pytest.mark.parametrize("n", [2, 3])
def test_monte_carlo_matches_closed_form_and_not_without_the_factorials(n):
    a, b = np.linspace(-0.5, 0.5, n), np.linspace(0.0, 1.5, n)
    mean, se = hciz.hciz_monte_carlo(a, b, 40000, np.random.default_rng(1), chunk=15000)
    exact = hciz.hciz_closed_form(a, b)
    assert abs(mean - exact) < 4 * se
    if n == 3:  # the prod p! factor is 2 here: the check tells it apart
        assert abs(mean - exact / 2) > 10 * se


def test_sphere_complement_is_orthonormal_and_orthogonal_to_v():
    v, P = ef.sphere_complement(4, 500, np.random.default_rng(2))
    assert np.abs(np.linalg.norm(v, axis=1) - 1).max() < 1e-12
    assert np.abs(np.einsum("si,sik->sk", v.conj(), P)).max() < 1e-12
    assert np.abs(np.einsum("sik,sil->skl", P.conj(), P) - np.eye(3)).max() < 1e-12


def test_direct_error_vanishes_at_the_nodes():
    nodes = np.array([-0.8, 0.1, 0.6])
    assert max(abs(ef.direct_error(nodes, 0.8, x)) for x in nodes) < 1e-12
    assert abs(ef.direct_error(nodes, 0.8, 0.35)) > 1e-4


def test_one_node_formula_is_the_hand_derivation():
    # N = 1: f(x) - f^(x) = (x - x1) e^{-x^2/2 - x1^2} int_0^1 e^{x1 M} (b - x1) e^{bq} ds with
    # q = s x + (1-s) x1 and M = x + x1 - q: Z = e^{x1^2}, the quadrature confirms it exactly.
    x1, b, x = 0.4, 0.8, -0.7
    s = np.linspace(0, 1, 200001)
    q = s * x + (1 - s) * x1
    integrand = np.exp(x1 * (x + x1 - q) + b * q) * (b - x1)
    quad = (x - x1) * math.exp(-x * x / 2 - x1 * x1) * np.trapezoid(integrand, s)
    assert quad == pytest.approx(ef.direct_error(np.array([x1]), b, x), rel=1e-9)


@pytest.mark.parametrize("nodes", [[0.4], [-0.5, 0.7]])
def test_formula_monte_carlo_matches_direct_error(nodes):
    nodes = np.array(nodes)
    est, se = ef.formula_monte_carlo(nodes, 0.8, -0.6, 40000, np.random.default_rng(3))
    direct = ef.direct_error(nodes, 0.8, -0.6)
    assert abs(est - direct) < 4 * se
    assert se < 0.05 * abs(direct)  # the check has resolution
