"""The kit's own bar: references score 100 %, stubs 0, other styles full marks, bugs lose points."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.catalogue import load_kit
from grader.grading import default_sandbox, grade
from grader.quality.validate import loses_points
from grader.results import ExerciseStatus, TestStatus
from grader.workspace import load_submission

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = Path(__file__).resolve().parent / "fixtures" / "submissions"
KIT = load_kit(ROOT / "exercises")
EXERCISE_IDS = [ex.id for ex in KIT.exercises]
BUGGY = sorted(
    (ex_dir.name, case.name)
    for ex_dir in (SUBMISSIONS / "buggy").glob("*")
    if ex_dir.name in EXERCISE_IDS
    for case in ex_dir.iterdir()
    if case.is_dir()
)
HEADLINE = ("batching", "decorators", "metrics", "monitoring")


def _failures(exercise_result) -> str:
    return "\n".join(
        f"{t.name}: {t.status.value}: {t.message[:300]}"
        for t in exercise_result.tests
        if t.status is not TestStatus.PASSED
    )


@pytest.fixture(scope="module")
def reference_result():
    return grade(load_submission(ROOT / "solutions", KIT), KIT)


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_declared_points_equal_the_hidden_tests_points(exercise_id):
    exercise = KIT.get(exercise_id)
    collected = default_sandbox().collect(exercise, "hidden")
    assert sum(t.points for t in collected) == exercise.points
    assert all(t.description for t in collected), "every hidden test explains itself"


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_reference_solution_scores_full_marks(reference_result, exercise_id):
    ex = reference_result.exercise(exercise_id)
    assert ex.status is ExerciseStatus.GRADED, ex.message
    assert ex.score == ex.max_score == KIT.get(exercise_id).points, _failures(ex)


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_public_tests_pass_on_the_reference(exercise_id):
    submission = load_submission(ROOT / "solutions", KIT, [exercise_id])
    ex = grade(submission, KIT, [exercise_id], suite="public").exercise(exercise_id)
    assert ex.max_score > 0 and ex.score == ex.max_score, _failures(ex)


def test_stubs_score_zero_as_not_attempted(tmp_path):
    for exercise in KIT.exercises:
        (tmp_path / exercise.artifact).write_bytes(exercise.stub_path.read_bytes())
    result = grade(load_submission(tmp_path, KIT), KIT)
    for ex in result.exercises:
        assert ex.status is ExerciseStatus.NOT_ATTEMPTED, ex.id
        assert ex.score == 0 and ex.max_score == KIT.get(ex.id).points


def test_stubs_that_are_run_fail_every_hidden_test(tmp_path):
    """The stub, edited so it is not byte-identical, still earns nothing."""
    for exercise in KIT.exercises:
        text = exercise.stub_path.read_text(encoding="utf-8")
        (tmp_path / exercise.artifact).write_text(text + "\n# started\n", encoding="utf-8")
    result = grade(load_submission(tmp_path, KIT), KIT)
    for ex in result.exercises:
        assert ex.score == 0, f"{ex.id}: {[t.name for t in ex.tests if t.score]}"


OTHER_STYLES = sorted(
    (kind, i)
    for kind in ("alternative", "cleanroom")
    for i in EXERCISE_IDS
    if (SUBMISSIONS / kind / i).is_dir()
)


@pytest.mark.parametrize(
    ("kind", "exercise_id"), OTHER_STYLES, ids=[f"{k}-{i}" for k, i in OTHER_STYLES]
)
def test_correct_answer_in_another_style_scores_full_marks(kind, exercise_id):
    """`alternative`: another style by the exercise's author; `cleanroom`: written by a
    reviewer from the catalogue and the prompt alone, without seeing the suite."""
    submission = load_submission(SUBMISSIONS / kind / exercise_id, KIT, [exercise_id])
    ex = grade(submission, KIT, [exercise_id]).exercise(exercise_id)
    assert ex.score == ex.max_score, _failures(ex)


@pytest.mark.parametrize(("exercise_id", "case"), BUGGY, ids=[f"{e}-{c}" for e, c in BUGGY])
def test_planted_bug_loses_points(exercise_id, case):
    exercise = KIT.get(exercise_id)
    artifact = SUBMISSIONS / "buggy" / exercise_id / case / exercise.artifact
    # Stops at the first failing test: a full grading with shrinking is not needed here.
    assert loses_points(exercise, artifact, default_sandbox()), f"the bug in {case} went unnoticed"


@pytest.mark.parametrize("exercise_id", HEADLINE)
def test_headline_exercises_have_five_planted_bugs(exercise_id):
    assert sum(1 for e, _ in BUGGY if e == exercise_id) >= 5
