"""A loop a suite hands to the candidate's process (see exercises/README.md) runs there
next to hostile code: nothing that code does to its copy of the loop's inputs reaches
what the judge checks against."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.catalogue import load_kit
from grader.grading import grade
from grader.workspace import load_submission

ROOT = Path(__file__).resolve().parents[2]
FORGERS = Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "loop_forgers"
KIT = load_kit(ROOT / "exercises")


@pytest.mark.parametrize(
    ("exercise", "test"),
    [
        ("monitoring", "test_rolling_matches_last_window"),
        ("decorators", "test_memoize_matches_counting_model"),
    ],
)
def test_rewriting_the_loops_inputs_from_its_frames_earns_nothing(exercise, test):
    """The answer walks up the frames of its own process to the helper running the loop
    and rewrites the stream (or the operations) it was handed so that its wrong results
    would match: the judge's own copy is unchanged, and the test fails."""
    submission = load_submission(FORGERS / exercise, KIT, [exercise])
    result = grade(submission, KIT, [exercise], jobs=1)
    found = {t.name: t for t in result.exercise(exercise).tests}
    assert found[test].status.value == "failed", found[test].message
    assert found[test].score == 0
