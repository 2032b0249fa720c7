"""Feed a figure's `measure` the default run's results, as they are or perturbed.

The fixtures (tests/fixtures/results/<figure>/<case>.json.gz, made by
tests/fixtures/refresh.py) are the compute results the committed figures were made from, and the
parameters come from the committed figure JSON. A mutation test perturbs the results the way a
wrong theory would (errors times W^0.1, a loss curve bent by t^0.05, shuffled labels, ...) and
asserts that the claim it targets no longer passes: a PASS that could not have been a FAIL is
worth nothing.
"""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from deeprates import figures
from deeprates import figure_record
from deeprates.figure_record import Measurement

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "results"


def committed(fig: str) -> dict:
    return json.loads((REPO / "figures" / f"{fig}.json").read_text())


def params(fig: str) -> dict:
    return copy.deepcopy(committed(fig)["params"])


def results(fig: str) -> dict[str, Any]:
    """{case: result} from the fixtures (a fresh deep copy each call: mutate freely)."""
    folder = FIXTURES / fig
    if not folder.is_dir():
        pytest.fail(f"no fixtures for {fig}: run tests/fixtures/refresh.py after a default run")
    out = {}
    for path in sorted(folder.glob("*.json.gz")):
        doc = json.loads(gzip.decompress(path.read_bytes()))
        out[doc["case"]] = doc["result"]
    return out


def measure(fig: str, res: dict | None = None, p: dict | None = None) -> Measurement:
    module = figures.load(fig)
    return figure_record.measure(module, results(fig) if res is None else res,
                                 params(fig) if p is None else p)


def statuses(m: Measurement) -> dict[str, str]:
    return {c.name: c.status for c in m.claims}


def status_of(m: Measurement, name: str) -> str:
    """Status of the claim whose name contains `name` (exactly one must match)."""
    hits = [c for c in m.claims if name in c.name]
    assert len(hits) == 1, f"{name!r} matches {[c.name for c in hits]}"
    return hits[0].status


def mutated(fig: str, mutate: Callable[[dict], None], p: dict | None = None) -> Measurement:
    """measure() on results changed in place by `mutate(results)`."""
    res = results(fig)
    mutate(res)
    return measure(fig, res, p)


def assert_flips(fig: str, name: str, mutate: Callable[[dict], None], p: dict | None = None) -> None:
    """The named claim PASSes on the real results and FAILs once they are mutated."""
    before = status_of(measure(fig, p=p), name)
    after = status_of(mutated(fig, mutate, p), name)
    assert before == "PASS", f"{fig}/{name} is {before} on the unmutated results"
    assert after == "FAIL", f"{fig}/{name}: {after} after the mutation: this check cannot fail"


def assert_deviation_flips(fig: str, name: str, mutate: Callable[[dict], None],
                           p: dict | None = None) -> None:
    """A DEVIATION on the real results turns into a loud XPASS once the data agree with theory."""
    before = status_of(measure(fig, p=p), name)
    after = status_of(mutated(fig, mutate, p), name)
    assert before == "DEVIATION", f"{fig}/{name} is {before} on the unmutated results"
    assert after == "XPASS", f"{fig}/{name}: {after} after the mutation (expected XPASS)"
