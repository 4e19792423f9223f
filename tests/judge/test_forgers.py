"""A candidate who tries to write their own score, by every route a clever one would try,
earns no more than an answer that returns constants, and the report is still written.

The suite, its oracles, pytest and the collector live in the judge's process; each
forger in tests/fixtures/submissions/forgers attacks them from the candidate's process.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from grader.catalogue import load_kit
from grader.grading import grade
from grader.report.render import write_html
from grader.results import to_json
from grader.workspace import load_submission

ROOT = Path(__file__).resolve().parents[2]
FORGERS = Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "forgers"
KIT = load_kit(ROOT / "exercises")
ROUTES = sorted(p.name for p in FORGERS.iterdir() if p.name != "constants")
SUITE = (ROOT / "exercises" / "metrics" / "hidden" / "test_metrics.py").read_text()


@functools.cache
def _grade(name: str):
    return grade(load_submission(FORGERS / name, KIT, ["metrics"]), KIT, ["metrics"], jobs=1)


@pytest.fixture(scope="module")
def constants_score() -> float:
    score = _grade("constants").exercise("metrics").score
    assert score < 5  # constants earn next to nothing: the bar below is a real one
    return score


@pytest.mark.parametrize("route", ROUTES)
def test_no_route_earns_more_than_constants(route, constants_score, tmp_path):
    result = _grade(route)
    exercise = result.exercise("metrics")
    assert exercise.score <= constants_score, (
        f"{route} earned {exercise.score} > {constants_score}: "
        + "; ".join(f"{t.name}: {t.status.value}" for t in exercise.tests if t.score)
    )
    # The report is complete and written, whatever the candidate's process did.
    data = json.loads(to_json(result))
    assert len(data["exercises"][0]["tests"]) == len(exercise.tests) >= 20
    page = write_html(result, tmp_path / "report.html", KIT)
    assert page.stat().st_size > 1000


@pytest.mark.parametrize("route", ROUTES)
def test_no_failure_message_carries_a_line_of_the_hidden_suite(route):
    exercise = _grade(route).exercise("metrics")
    lines = {
        line.strip()
        for line in SUITE.splitlines()
        if len(line.strip()) > 30 and not line.strip().startswith(("#", '"""', "@"))
    }
    for test in exercise.tests:
        text = "\n".join((test.message, test.counterexample, test.traceback, test.output))
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{route}: {test.name} shows suite lines: {leaked[:2]}"
