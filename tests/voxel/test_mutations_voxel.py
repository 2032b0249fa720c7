"""Track D: every claim of the six voxel figures fails (or, for a DEVIATION, turns into XPASS)
when the stored results are perturbed the way its wrong hypothesis would have them."""

import numpy as np
import pytest

import mutation_support as ms

RES, HAAR, HIST = "voxel-resolution", "voxel-raw-vs-haar", "voxel-error-history"
IMP, PRED, EX = "voxel-importances", "voxel-predictions", "voxel-feature-examples"


def _runs(res, prefix=""):
    return [v for k, v in res.items() if k.startswith(prefix)]


# ------------------------------------------------------------------ voxel-resolution
def test_resolution_adding_nothing_fails():
    def mutate(res):
        # every S > 1 run classifies exactly like the global totals (the wrong hypothesis)
        for case, r in res.items():
            if case.startswith("S") and not case.startswith("S1-"):
                seed = case.split("-")[1]
                r["kinds"] = {k: dict(v) for k, v in res[f"S1-{seed}"]["kinds"].items()}
    ms.assert_flips(RES, "spatial resolution helps", mutate)


def test_resolution_gain_within_noise_fails():
    def mutate(res):
        # S > 1 only 1 mesh better than S = 1 per kind: the inequality holds, the control does not
        s1 = res["S1-seed0"]["kinds"]
        for case, r in res.items():
            if case.startswith("S") and not case.startswith("S1-"):
                for k, v in r["kinds"].items():
                    c = np.array(s1[k]["mesh_correct"], dtype=bool)
                    c[np.flatnonzero(~c)[:1]] = True
                    v["mesh_correct"] = c.tolist()
                    v["symmetrised_error"] = float(1 - c.mean())
    ms.assert_flips(RES, "spatial resolution helps", mutate)


def test_bool_at_chance_when_resolved_fails():
    def mutate(res):
        for case, r in res.items():
            if case.startswith("S") and not case.startswith("S1-"):
                r["kinds"]["Bool"]["symmetrised_error"] = 11 / 12
    ms.assert_flips(RES, "occupancy alone", mutate)


def test_bool_shuffled_control_not_rejected_fails():
    def mutate(res):
        # a leak: the shuffled-label classifier does as well as the real one
        res["shuffled"]["kinds"]["Bool"]["symmetrised_error"] = 0.45
    ms.assert_flips(RES, "occupancy alone", mutate)


def test_bool_global_above_chance_fails():
    def mutate(res):
        res["S1-seed0"]["kinds"]["Bool"]["symmetrised_error"] = 0.85
    ms.assert_flips(RES, "Bool at S = 1", mutate)


# ------------------------------------------------------------------ voxel-raw-vs-haar
def test_haar_clearly_better_is_xpass():
    def mutate(res):
        top = max(res, key=lambda c: int(c[1:].split("-")[0]))
        h = res[top]["haar"]
        h["mesh_correct"] = [True] * len(h["mesh_correct"])
        h["symmetrised_error"] = 0.0
    ms.assert_deviation_flips(HAAR, "Haar beats raw", mutate)


def test_haar_differs_from_raw_at_s1_fails():
    def mutate(res):
        res["S1-seed0"]["haar"]["symmetrised_error"] += 1 / 180
    ms.assert_flips(HAAR, "coincide at S = 1", mutate)


# ------------------------------------------------------------------ voxel-error-history
def test_headline_error_times_two_fails():
    def mutate(res):
        for r in _runs(res, "all-"):
            r["symmetrised_error"] *= 2
    ms.assert_flips(HIST, "headline error", mutate)


def test_headline_shuffled_labels_in_band_fails():
    def mutate(res):
        res["shuffled-seed0"]["symmetrised_error"] = 0.15
    ms.assert_flips(HIST, "headline error", mutate)


def test_global_as_good_as_all_fails():
    def mutate(res):
        for k in range(3):
            res[f"global-seed{k}"]["symmetrised_error"] = res[f"all-seed{k}"]["symmetrised_error"]
            res[f"global-seed{k}"]["mesh_correct"] = list(res[f"all-seed{k}"]["mesh_correct"])
    ms.assert_flips(HIST, "global-only", mutate)


def test_global_ratio_without_paired_signal_fails():
    def mutate(res):
        # the ratio passes but global and all disagree on no test mesh: no evidence
        for k in range(3):
            res[f"global-seed{k}"]["mesh_correct"] = list(res[f"all-seed{k}"]["mesh_correct"])
    ms.assert_flips(HIST, "global-only", mutate)


def test_ev_clearly_best_is_xpass():
    def mutate(res):
        for r in _runs(res, "EV-"):
            r["mesh_correct"] = [True] * len(r["mesh_correct"])
            r["symmetrised_error"] = 0.0
    ms.assert_deviation_flips(HIST, "EV among the best", mutate)


def test_symmetrisation_doing_nothing_fails():
    def mutate(res):
        # every copy of a mesh classified alike: per-copy error = symmetrised error
        for r in _runs(res, "all-"):
            r["copy_wrong_fraction"] = [0.0 if c else 1.0 for c in r["mesh_correct"]]
    ms.assert_flips(HIST, "symmetrisation", mutate)


# ------------------------------------------------------------------ voxel-importances
def test_split_counts_missing_a_split_fails():
    def mutate(res):
        res["seed0"]["n_splits"] += 1
    ms.assert_flips(IMP, "split counts", mutate)


def test_importances_beyond_blind_selection_is_xpass():
    def mutate(res):
        # the two top features of every seed moved to S = 2 and S = 128: 7 sizes, which a
        # resolution-blind selection reaches with probability 0.008
        for r in res.values():
            r["importances"][0][0] = "S2_voxel_SA_v3"
            r["importances"][1][0] = "S128_hist_EV_1_p50"
    ms.assert_deviation_flips(IMP, "span several resolutions", mutate)


# ------------------------------------------------------------------ voxel-predictions
def test_prediction_error_out_of_band_fails():
    def mutate(res):
        r = res["model"]
        P = np.asarray(r["probabilities"])
        # the true class's probability halved: many predictions flip to the runner-up
        y = np.asarray(r["test_labels"])
        P[np.arange(len(y)), y] *= 0.3
        r["probabilities"] = P.tolist()
    ms.assert_flips(PRED, "prediction error", mutate)


def test_prediction_shuffled_labels_in_band_fails():
    def mutate(res):
        res["shuffled"]["symmetrised_error"] = 0.12
    ms.assert_flips(PRED, "prediction error", mutate)


# ------------------------------------------------------------------ voxel-feature-examples
@pytest.mark.parametrize("identity", ["SA", "VAD", "EV"])
def test_identity_residual_above_tolerance_fails(identity):
    from deeprates.voxel.identities import IDENTITIES

    name = next(k for k in IDENTITIES if identity in k)

    def mutate(res):
        res["identities"]["identities"][name]["max"] = 1e-5
    ms.assert_flips(EX, f"identity {IDENTITIES[name]}", mutate)
