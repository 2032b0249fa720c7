"""The fixed-width digit chain (arXiv:1705.01365): fixed width, same function as the wide one."""

import numpy as np
import pytest

from deeprates.approximation import fixed_width as fw
from deeprates.approximation.targets import kink_sum


@pytest.fixture(scope="module")
def target():
    return kink_sum(16, 1.0, signs="alternating")


@pytest.mark.parametrize("m", [1, 3, 6])
def test_width_is_fixed_and_depth_is_n_plus_2m_plus_5(target, m):
    b = fw.build(target, 2**m, m)
    assert b.net.width <= fw.WIDTH
    assert m < 3 or b.net.width == fw.WIDTH  # N >= 8 fills every pipeline stage
    assert b.net.L == fw.depth(2**m, m)


def test_same_function_as_the_one_layer_selection(target):
    b = fw.build(target, 64, 6)
    x = np.concatenate([b.wide.candidates(), np.random.default_rng(0).uniform(0, 1, 2000)])
    diff = np.abs(b.net(x[:, None])[:, 0] - b.wide.net(x[:, None])[:, 0])
    assert diff.max() < 1e-12


def test_error_is_eps_and_agrees_with_the_exact_sup(target):
    b = fw.build(target, 32, 5)
    e = b.sup_error(target).value
    assert e == pytest.approx(b.wide.sup_error(target).value, rel=1e-9)
    assert 0.5 * b.eps <= e <= 2 * b.eps


def test_needs_two_patches(target):
    with pytest.raises(ValueError, match="N >= 2"):
        fw.build(target, 1, 3)
