"""One defect costs the tests that name it: answers with one realistic defect each
(tests/fixtures/submissions/blame) fail exactly the hidden tests listed for them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from grader.catalogue import load_kit
from grader.grading import grade
from grader.results import TestStatus
from grader.workspace import load_submission

ROOT = Path(__file__).resolve().parents[1]
BLAME = ROOT / "tests" / "fixtures" / "submissions" / "blame"
KIT = load_kit(ROOT / "exercises")
EXPECTED = tomllib.loads((BLAME / "expected.toml").read_text(encoding="utf-8"))
CASES = sorted((ex, case) for ex, cases in EXPECTED.items() for case in cases)


def test_every_answer_in_the_folder_is_listed():
    found = {(p.parent.name, p.name) for p in BLAME.glob("*/*") if p.is_dir()}
    assert found == set(CASES)


@pytest.mark.parametrize(("exercise_id", "case"), CASES, ids=[f"{e}-{c}" for e, c in CASES])
def test_a_defect_fails_only_the_tests_that_name_it(exercise_id, case):
    submission = load_submission(BLAME / exercise_id / case, KIT, [exercise_id])
    graded = grade(submission, KIT, [exercise_id]).exercise(exercise_id)
    failed = {t.name for t in graded.tests if t.status is not TestStatus.PASSED}
    assert failed == set(EXPECTED[exercise_id][case]["fails"]), "\n".join(
        f"{t.name}: {t.message[:200]}" for t in graded.tests if t.name in failed
    )
    # Feedback is computed from the test's own values, never from what the call changed.
    if (exercise_id, case) == ("ensembles", "adaboost_in_place"):
        assert not any("nan" in t.message for t in graded.tests)
