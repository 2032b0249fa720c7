from __future__ import annotations

import math

import numpy as np

from deeprates.claims import Claim
from deeprates.fitting import fit_power_law, geometric_grid

KW = dict(paper="p", statement="s", why="w")


def test_close_absolute_and_relative():
    assert Claim.close("f", "a", measured=0.51, theory=0.5, tol=0.02, **KW).passed
    assert not Claim.close("f", "a", measured=0.53, theory=0.5, tol=0.02, **KW).passed
    assert Claim.close("f", "r", measured=1.02, theory=1.0, tol=0.03, relative=True, **KW).passed
    assert not Claim.close("f", "r", measured=1.04, theory=1.0, tol=0.03, relative=True, **KW).passed


def test_non_finite_never_passes():
    for bad in (math.nan, math.inf):
        c = Claim.close("f", "n", measured=bad, theory=0.0, tol=1e9, **KW)
        assert not c.passed and "not finite" in c.detail
        assert not Claim.within("f", "n", measured=bad, lo=None, hi=None, **KW).passed


def test_within_and_holds():
    assert Claim.within("f", "w", measured=0.1, lo=0.08, hi=0.2, **KW).passed
    assert not Claim.within("f", "w", measured=0.25, lo=0.08, hi=0.2, **KW).passed
    h = Claim.holds("f", "h", condition=False, measured=3, theory=0, tolerance="exact", **KW)
    assert not h.passed and h.status == "FAIL"


def test_from_fit_fails_when_not_asymptotic():
    x = geometric_grid(3, 1e4, 40)
    fit = fit_power_law(x, np.exp(-np.sqrt(x)), tol=0.02)
    c = Claim.from_fit("f", "e", fit=fit, theory=fit.exponent, tol=0.02, **KW)
    assert not c.passed  # the value equals theory, but the curve is not a power law
    assert "not asymptotic" in c.detail


def test_roundtrip():
    c = Claim.close("f", "a", measured=0.5, theory=0.5, tol=0.1, stat_err=0.01, sys_err=0.02, **KW)
    assert Claim.from_dict(c.to_dict()) == c
    assert "± 0.01 (stat)" in c.measured_text() and "± 0.02 (sys)" in c.measured_text()


# ------------------------------------------------------------------ kinds, controls, statuses
from deeprates.claims import Alt, ClaimError, Control  # noqa: E402


def test_reproduction_needs_a_control():
    import pytest

    with pytest.raises(ClaimError, match="needs a control"):
        Claim.close("f", "a", measured=0.5, theory=0.5, tol=0.1, kind="reproduction", **KW)
    with pytest.raises(ClaimError, match="kind"):
        Claim.close("f", "a", measured=0.5, theory=0.5, tol=0.1, kind="both", **KW)


def test_control_not_rejected_means_no_pass():
    # zeta = 0.5 measured as 0.51: the alternative 0.52 is inside the tolerance too
    c = Claim.close("f", "e", measured=0.51, theory=0.5, tol=0.03, kind="reproduction",
                    control=Alt("rate 0.52", theory=0.52), **KW)
    assert c.passed and not c.control.rejected and c.status == "FAIL" and c.fails_run
    c = Claim.close("f", "e", measured=0.51, theory=0.5, tol=0.03, kind="reproduction",
                    control=Alt("rate zeta/2", theory=0.25), **KW)
    assert c.control.rejected and c.status == "PASS" and not c.fails_run
    assert "0.26" in c.control.detail  # |0.51 - 0.25|


def test_within_control_uses_the_same_bounds():
    c = Claim.within("f", "flat", measured=0.1, lo=None, hi=0.25, kind="reproduction",
                     control=Alt("err ~ 1/W", measured=0.2), **KW)
    assert c.status == "FAIL" and not c.control.rejected
    c = Claim.within("f", "flat", measured=0.1, lo=None, hi=0.25, kind="reproduction",
                     control=Alt("err ~ 1/W", measured=0.4), **KW)
    assert c.status == "PASS"
    with pytest.raises(ClaimError):
        Claim.within("f", "x", measured=0.1, lo=0, hi=1, kind="reproduction",
                     control=Alt("no measured value", theory=1.0), **KW)


def test_deviation_and_xpass():
    failing = Claim.close("f", "d", measured=0.6, theory=0.5, tol=0.03, kind="reproduction",
                          control=Alt("0.25", theory=0.25), deviation="too small a size to reach "
                          "the asymptotic regime", **KW)
    assert failing.status == "DEVIATION" and not failing.fails_run
    passing = Claim.close("f", "d", measured=0.5, theory=0.5, tol=0.03, kind="reproduction",
                          control=Alt("0.25", theory=0.25), deviation="expected to fail", **KW)
    assert passing.status == "XPASS" and passing.fails_run
    assert Claim.close("f", "d", measured=0.5, theory=0.5, tol=0.03, kind="consistency",
                       **KW).expecting_deviation("why").status == "XPASS"


def test_roundtrip_with_control_and_status_guard():
    c = Claim.holds("f", "h", condition=True, measured=1, theory=1, tolerance="exact",
                    kind="reproduction", control=Control("shuffled labels", 0.5, True), **KW)
    d = c.to_dict()
    assert d["status"] == "PASS" and d["control"]["hypothesis"] == "shuffled labels"
    assert Claim.from_dict(d) == c
    d["status"] = "FAIL"  # a hand-edited JSON cannot claim another outcome
    with pytest.raises(ClaimError, match="disagrees"):
        Claim.from_dict(d)


import pytest  # noqa: E402


def test_the_claims_table_links_docs_from_where_it_is_written(repo, tmp_path, monkeypatch):
    """figures/README.md and figures/paper/README.md both reach docs/figures.md."""
    from deeprates.cli import main

    src = str(repo / "figures" / "relu-product.json")
    monkeypatch.chdir(tmp_path)  # a checkout's layout: docs/ beside figures/
    for folder, link in (("figures", "../docs/figures.md"), ("figures/paper", "../../docs/figures.md")):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        assert main(["table", src, "--out", f"{folder}/README.md"]) == 0
        assert f"]({link})" in (tmp_path / folder / "README.md").read_text()
