"""superexpressive: the claims fail when the data say otherwise."""

import numpy as np

import mutation_support as ms

FIG = "superexpressive"


def _spacing_like_volume(n):
    def mutate(res):
        r = res[f"n{n}"]
        # spacing ~ eps^-n (the box volume) instead of eps^-(n-1)
        r["spacing"] = (np.asarray(r["spacing"]) / np.asarray(r["eps"])).tolist()
    return mutate


def test_n2_spacing_like_the_box_volume_fails():
    ms.assert_flips(FIG, "n=2: |w|", _spacing_like_volume(2))


def test_n3_spacing_like_the_box_volume_fails():
    ms.assert_flips(FIG, "n=3: |w|", _spacing_like_volume(3))


def test_bits_without_the_resolution_fail():
    def mutate(res):
        for k in [k for k in res if k.startswith("n")]:
            r = res[k]
            # bits ~ (n - 1) log2(1/eps): drop the log2(1/eps) the resolution costs
            b = np.asarray(r["bits"], float) - np.log2(1 / np.asarray(r["eps"]))[None, :]
            r["bits"] = b.tolist()
    ms.assert_flips(FIG, "bits ~ n log2(1/eps)", mutate)


def test_a_jump_at_the_joint_fails():
    def mutate(res):
        k = next(iter(res["activation"]["jumps"]))
        res["activation"]["jumps"][k] = 1e-3
    ms.assert_flips(FIG, "C^1", mutate)


def test_a_fit_outside_eps_fails():
    def mutate(res):
        res["n2"]["fit_check"] = 1.01
    ms.assert_flips(FIG, "every fit is within eps", mutate)
