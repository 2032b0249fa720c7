"""Track E path constructions on small random networks (seconds): exact endpoints, the weight-
adjustment identities, and optimal-transport matching's invariance under neuron permutation."""

from __future__ import annotations

import numpy as np
import pytest

from deeprates.connectivity import ensembles, paths
from deeprates.connectivity.data import Split
from deeprates.connectivity.forward import logits

D, C = 8, 4


def _split(n=20, seed=0):
    rng = np.random.default_rng(seed)
    return Split(rng.random((n, D)), rng.integers(0, C, n), rng.random((15, D)), rng.integers(0, C, 15))


def _onelayer(N, seed):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((N, D)), rng.standard_normal(N)),
            (rng.standard_normal((C, N)) / np.sqrt(N), rng.standard_normal(C))]


def _deep(widths, seed):
    rng = np.random.default_rng(seed)
    sizes = [D, *widths, C]
    return [(rng.standard_normal((b, a)) / np.sqrt(a), None) for a, b in zip(sizes[:-1], sizes[1:])]


@pytest.mark.parametrize("method", paths.METHODS_ONELAYER)
def test_onelayer_paths_start_at_a_and_end_at_b(method):
    split = _split()
    c = paths.onelayer_path(_onelayer(60, 1), _onelayer(60, 2), method, split, 21)
    assert c.endpoint_dev < 1e-12
    assert c.t[-1] == (2.0 if method.endswith("+WA") else 1.0)


def test_wa_keeps_a_outputs_only_when_wide_enough():
    split = _split(n=20)
    wide = paths.onelayer_path(_onelayer(60, 1), _onelayer(60, 2), "Arc+WA", split, 21)
    assert wide.train_logits_dev.max() < 1e-10  # N = 60 >= 2 n: features of rank n
    narrow = paths.onelayer_path(_onelayer(8, 1), _onelayer(8, 2), "Arc+WA", split, 21)
    assert narrow.train_logits_dev.max() > 1e-3  # N < n: a projection, not the identity


def test_linear_wa_second_half_never_exceeds_the_endpoints():
    split = _split(n=20)
    c = paths.onelayer_path(_onelayer(60, 3), _onelayer(60, 4), "Linear+WA", split, 21)
    half = c.train_loss[20:]
    assert half.max() <= max(half[0], half[-1]) + 1e-12


def test_ot_matching_recovers_a_permutation_and_ignores_b_order():
    a = _onelayer(30, 5)
    perm = np.random.default_rng(0).permutation(30)
    shuffled = paths.permute_hidden(a, perm)
    split = _split()
    # the same function
    assert np.allclose(logits(a, split.x_train), logits(shuffled, split.x_train), atol=1e-12)
    p = paths.match_neurons(paths.neurons(a), paths.neurons(shuffled))
    assert np.array_equal(paths.neurons(shuffled)[p], paths.neurons(a))
    b = _onelayer(30, 6)
    b_perm = paths.permute_hidden(b, perm)
    ot = paths.onelayer_path(a, b, "OT", split).barrier()
    assert abs(paths.onelayer_path(a, b_perm, "OT", split).barrier() - ot) < 1e-12
    lin = paths.onelayer_path(a, b, "Linear", split).train_loss
    assert np.abs(paths.onelayer_path(a, b_perm, "Linear", split).train_loss - lin).max() > 1e-6


def test_covariance_along_arc_and_linear_follows_the_formula_for_independent_clouds():
    cov = paths.covariance_traces(_onelayer(4000, 7), _onelayer(4000, 8), 11)
    assert np.max(np.abs(cov["arc"] / cov["arc_pred"] - 1)) < 0.05
    assert np.max(np.abs(cov["linear"] / cov["linear_pred"] - 1)) < 0.05
    # Linear halves the covariance at the midpoint: (1/4 + 1/4) of the endpoints' mean trace
    assert abs(cov["linear"][5] / (0.5 * (cov["trace_a"] + cov["trace_b"])) - 0.5) < 0.025


@pytest.mark.parametrize("method", paths.METHODS_DEEP)
def test_deep_paths_start_at_a_and_end_at_b(method):
    split = _split(n=20)
    c = paths.deep_path(_deep([48, 48], 1), _deep([48, 48], 2), method, split, 21)
    assert c.endpoint_dev < 1e-12
    if method.endswith("+WA"):
        assert c.train_logits_dev.max() < 1e-10  # width 48 >= 2 n


def test_deep_permutation_is_the_same_function_and_ot_ignores_it():
    a, b = _deep([24, 24], 3), _deep([24, 24], 4)
    rng = np.random.default_rng(1)
    bp = paths.permute_deep(b, [rng.permutation(24), rng.permutation(24)])
    split = _split()
    assert np.allclose(logits(b, split.x_train), logits(bp, split.x_train), atol=1e-12)
    for m in ("OT+B-fly", "OT+WA"):
        assert abs(paths.deep_path(a, bp, m, split).barrier()
                   - paths.deep_path(a, b, m, split).barrier()) < 1e-9


def test_weight_adjusted_nets_keep_their_training_outputs():
    split = _split(n=20)
    nets = [_deep([64, 32], s) for s in range(4)]
    res = ensembles.evaluate(nets, 1, split)
    assert res["train_logits_dev"] < 1e-10
    assert np.all(res["copies"] == res["single"][0])
    assert len(res["plain"]) == len(res["wa"]) == 4 and res["plain"][0] == res["single"][0]


def test_unknown_method_is_named():
    with pytest.raises(ValueError, match="Spline"):
        paths.onelayer_path(_onelayer(4, 0), _onelayer(4, 1), "Spline", _split())


def test_pair_record_reuses_the_ot_barrier_only_for_the_same_matched_weights():
    """The permuted-B control takes the OT barrier without recomputing only when the matched
    weights are the same bits; a matching that does not undo the permutation (here: none at
    all) has its path evaluated, so the control still sees it."""
    a, b = _onelayer(30, 5), _onelayer(30, 6)
    b_perm = paths.permute_hidden(b, np.random.default_rng(3).permutation(30))
    split = _split()
    evaluated = []

    def path(a_, b_, *args, **kw):
        evaluated.append(b_)
        return paths.onelayer_path(a_, b_, *args, **kw)

    row = paths.pair_record(a, b, b_perm, path, paths.match_onelayer, ("OT",), ("OT",), split, 11)
    assert evaluated == [b] and row["permuted"]["OT"] == row["curves"]["OT"]["barrier"]
    evaluated.clear()
    paths.pair_record(a, b, b_perm, path, lambda x, y: y, ("OT",), ("OT",), split, 11)
    assert evaluated == [b, b_perm]
