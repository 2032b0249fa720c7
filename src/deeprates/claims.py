"""Claims: the quantitative statement a figure checks, as data.

A claim is written by the figure module that measured it (in its `measure`). It records what
the paper's theory says, what we measured (with uncertainty), the tolerance and *why* that
tolerance, and the outcome. `verify` only collects claims; it never recomputes them.

Kinds
- ``reproduction``: a paper's quantitative statement against a theory number that is NOT
  computed from the measurement it is compared with. Every reproduction claim carries a
  `Control`: the nearest wrong hypothesis, evaluated with the same check on the same data. A
  reproduction whose control is not rejected cannot pass: the data do not tell the theory apart.
- ``consistency``: an identity, bookkeeping, or a property of a construction (exact zeros,
  weight counts, sums of features). No control needed: it checks the code, not a paper.

Statuses
- ``PASS``: the check (and, for a reproduction, its control) succeeded.
- ``FAIL``: it did not. Fails the run.
- ``DEVIATION``: a known, documented non-reproduction (`deviation=` gives the reason: size,
  data, the paper's statement). Computed and shown every run; does not fail the run.
- ``XPASS``: a DEVIATION whose check now passes. Fails the run until the note is revisited.

Constructors cover the shapes of check in use; each takes ``kind=`` and, for reproductions,
``control=``:
- `Claim.close`: |measured - theory| <= tolerance (absolute, or relative with `relative=True`);
  an `Alt(hypothesis, theory=...)` control is evaluated with the same tolerance;
- `Claim.within`: lo <= measured <= hi; an `Alt(hypothesis, measured=...)` control gives the
  statistic under the wrong hypothesis, checked against the same bounds;
- `Claim.holds`: a boolean property with the measured quantity that decided it; its control is
  an explicit `Control`;
- `Claim.from_fit`: a power-law exponent from `deeprates.fitting`, which also fails when the
  fit's plateau test says the curve is not asymptotic; `Alt(theory=...)` as for `close`.
A measurement that is NaN/inf never passes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

KINDS = ("reproduction", "consistency")
STATUSES = ("PASS", "FAIL", "DEVIATION", "XPASS")
#: statuses that make `verify` (and so `snakemake`) exit nonzero
RUN_FAILING = ("FAIL", "XPASS")


class ClaimError(ValueError):
    """A claim built against the model's rules (a defect in the figure module, not a result)."""


@dataclass(frozen=True)
class Control:
    """The nearest wrong hypothesis, checked the same way on the same data.

    `value` is what the alternative predicts (or the statistic computed under it); `rejected`
    says whether the data rule it out. A control that is not rejected makes its reproduction
    claim fail (or stay a DEVIATION).
    """

    hypothesis: str
    value: float | int | bool | str | None
    rejected: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        v = self.value
        vt = f"{v:.4g}" if isinstance(v, float) else str(v)
        verdict = "rejected" if self.rejected else "NOT rejected"
        extra = f"; {self.detail}" if self.detail else ""
        return f"{self.hypothesis} ({vt}): {verdict}{extra}"


@dataclass(frozen=True)
class Alt:
    """A control to be evaluated by the claim's own check.

    For `close`/`from_fit`: `theory` is the wrong hypothesis's value, tested with the claim's
    tolerance. For `within`: `measured` is the statistic under the wrong hypothesis (e.g. the
    flatness of err*W instead of err*W*ln W), tested against the claim's bounds.
    """

    hypothesis: str
    theory: float | None = None
    measured: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Claim:
    figure: str
    name: str
    paper: str
    statement: str
    measured: float | int | bool | str | None
    theory: float | int | str | None
    tolerance: str
    tolerance_reason: str
    passed: bool  # the check itself succeeded (a reproduction also needs its control rejected)
    stat_err: float | None = None
    sys_err: float | None = None
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None
    control: Control | None = None
    deviation: str = ""  # non-empty: a documented expected non-reproduction, with its reason
    status: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.control, dict):
            object.__setattr__(self, "control", Control(**self.control))
        if self.kind is not None and self.kind not in KINDS:
            raise ClaimError(f"{self.figure}/{self.name}: kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "reproduction" and self.control is None:
            raise ClaimError(
                f"{self.figure}/{self.name}: a reproduction claim needs a control (the nearest "
                "wrong hypothesis, evaluated on the same data)"
            )
        ok = bool(self.passed)
        if self.kind == "reproduction" and not self.control.rejected:
            ok = False
        if self.deviation:
            status = "XPASS" if ok else "DEVIATION"
        else:
            status = "PASS" if ok else "FAIL"
        if self.status and self.status != status:
            raise ClaimError(
                f"{self.figure}/{self.name}: stored status {self.status} disagrees with its "
                f"outcome ({status})"
            )
        object.__setattr__(self, "status", status)

    # ---------------------------------------------------------------- constructors
    @classmethod
    def close(
        cls,
        figure: str,
        name: str,
        *,
        paper: str,
        statement: str,
        measured: float,
        theory: float,
        tol: float,
        why: str,
        relative: bool = False,
        stat_err: float | None = None,
        sys_err: float | None = None,
        detail: str = "",
        kind: str | None = None,
        control: Alt | Control | None = None,
        deviation: str = "",
    ) -> Claim:
        measured = float(measured)
        theory = float(theory)
        dev = _deviation(measured, theory, relative)
        if relative:
            tol_text = f"|measured/theory - 1| <= {tol:g}"
        else:
            tol_text = f"|measured - theory| <= {tol:g}"
        passed = math.isfinite(measured) and dev <= tol
        if not math.isfinite(measured):
            detail = _join(detail, "measured value is not finite")
        if isinstance(control, Alt):
            control = _close_control(control, measured, tol, relative)
        return cls(
            figure, name, paper, statement, measured, theory, tol_text, why, passed,
            stat_err, sys_err, detail, {"deviation": dev}, kind, control, deviation,
        )

    @classmethod
    def within(
        cls,
        figure: str,
        name: str,
        *,
        paper: str,
        statement: str,
        measured: float,
        lo: float | None,
        hi: float | None,
        why: str,
        theory: float | str | None = None,
        stat_err: float | None = None,
        sys_err: float | None = None,
        detail: str = "",
        kind: str | None = None,
        control: Alt | Control | None = None,
        deviation: str = "",
    ) -> Claim:
        measured = float(measured)
        ok = _in_range(measured, lo, hi)
        lo_t = "-inf" if lo is None else f"{lo:g}"
        hi_t = "+inf" if hi is None else f"{hi:g}"
        if theory is None:
            theory = f"[{lo_t}, {hi_t}]"
        if isinstance(control, Alt):
            if control.measured is None:
                raise ClaimError(f"{figure}/{name}: a within() control needs Alt(measured=...)")
            alt = float(control.measured)
            control = Control(
                control.hypothesis, alt, not _in_range(alt, lo, hi),
                _join(control.detail, f"the same check gives {alt:.4g} under it"),
            )
        return cls(
            figure, name, paper, statement, measured, theory,
            f"measured in [{lo_t}, {hi_t}]", why, ok, stat_err, sys_err, detail, {},
            kind, control, deviation,
        )

    @classmethod
    def holds(
        cls,
        figure: str,
        name: str,
        *,
        paper: str,
        statement: str,
        condition: bool,
        measured: float | int | bool | str | None,
        theory: float | int | str | None,
        tolerance: str,
        why: str,
        detail: str = "",
        kind: str | None = None,
        control: Control | None = None,
        deviation: str = "",
    ) -> Claim:
        if isinstance(measured, float) and not math.isfinite(measured):
            condition = False
            detail = _join(detail, "measured value is not finite")
        if isinstance(control, Alt):
            raise ClaimError(f"{figure}/{name}: holds() takes an explicit Control, not an Alt")
        return cls(
            figure, name, paper, statement, measured, theory, tolerance, why, bool(condition),
            None, None, detail, {}, kind, control, deviation,
        )

    @classmethod
    def from_fit(
        cls,
        figure: str,
        name: str,
        *,
        paper: str,
        statement: str,
        fit: Any,
        theory: float,
        tol: float,
        why: str,
        use: str = "exponent",
        kind: str | None = None,
        control: Alt | Control | None = None,
        deviation: str = "",
    ) -> Claim:
        """An exponent claim from a `fitting.PowerLawFit`.

        Fails with the fit's reason when the plateau test refused the curve, whatever the
        value: a non-asymptotic slope is not a measurement of the asymptotic exponent.
        """
        value = float(getattr(fit, use))
        claim = cls.close(
            figure, name, paper=paper, statement=statement, measured=value, theory=theory,
            tol=tol, why=why, stat_err=fit.stat_err, sys_err=fit.sys_err,
        )
        if isinstance(control, Alt):
            control = _close_control(control, value, tol, False)
        window = f"fit window [{fit.window[0]:.4g}, {fit.window[1]:.4g}], {fit.n_points} points"
        detail = _join(window, f"local-slope spread {fit.slope_spread:.3g}")
        passed = claim.passed
        if not fit.asymptotic:
            passed = False
            detail = _join(detail, f"not asymptotic: {fit.reason}")
        return cls(
            figure, name, paper, statement, value, float(theory), claim.tolerance, why, passed,
            fit.stat_err, fit.sys_err, detail, claim.extra, kind, control, deviation,
        )

    # ---------------------------------------------------------------- changes
    def expecting_deviation(self, reason: str) -> Claim:
        """The same claim, declared a known non-reproduction (DEVIATION; XPASS if it passes)."""
        return replace(self, deviation=reason, status="")

    # ---------------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["control"] = self.control.to_dict() if self.control is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Claim:
        required = ("figure", "name", "paper", "statement", "measured", "theory",
                    "tolerance", "tolerance_reason", "passed")
        missing = [k for k in required if k not in d]
        if missing:
            raise ValueError(f"claim is missing keys {missing}: {d!r}")
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})

    # ---------------------------------------------------------------- reading
    @property
    def fails_run(self) -> bool:
        return self.status in RUN_FAILING

    def measured_text(self) -> str:
        m = self.measured
        if isinstance(m, (bool, str, int)) or m is None:
            text = str(m)
        else:
            text = f"{m:.6g}"
        errs = []
        if self.stat_err is not None:
            errs.append(f"± {self.stat_err:.2g} (stat)")
        if self.sys_err is not None:
            errs.append(f"± {self.sys_err:.2g} (sys)")
        return " ".join([text, *errs])

    def theory_text(self) -> str:
        t = self.theory
        if isinstance(t, float):
            return f"{t:.6g}"
        return str(t)

    def control_text(self) -> str:
        return self.control.text() if self.control is not None else ""


def apply_deviations(claims: list[Claim], reasons: dict[str, str], where: str) -> list[Claim]:
    """Declare the claims named in `reasons` (a config's `known_deviations`: claim name -> why)
    as documented non-reproductions at that size. A name matching no claim is an error, so a
    renamed claim cannot silently drop its declaration."""
    names = {c.name for c in claims}
    unknown = sorted(set(reasons) - names)
    if unknown:
        raise ClaimError(f"{where}: known_deviations names no claim: {unknown}; claims are "
                         f"{sorted(names)}")
    return [c.expecting_deviation(reasons[c.name]) if c.name in reasons else c for c in claims]


def _deviation(measured: float, theory: float, relative: bool) -> float:
    if relative:
        return abs(measured / theory - 1.0) if theory != 0 else math.inf
    return abs(measured - theory)


def _in_range(x: float, lo: float | None, hi: float | None) -> bool:
    ok = math.isfinite(x)
    if lo is not None:
        ok = ok and x >= lo
    if hi is not None:
        ok = ok and x <= hi
    return ok


def _close_control(alt: Alt, measured: float, tol: float, relative: bool) -> Control:
    if alt.theory is None:
        raise ClaimError(f"control {alt.hypothesis!r} needs Alt(theory=...) for this check")
    dev = _deviation(measured, float(alt.theory), relative)
    rejected = math.isfinite(measured) and dev > tol
    t = float(alt.theory)
    test = f"|measured/{t:.4g} - 1|" if relative else f"|measured - {t:.4g}|"
    return Control(
        alt.hypothesis, t, rejected, _join(alt.detail, f"{test} = {dev:.3g} vs tolerance {tol:g}"),
    )


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b
