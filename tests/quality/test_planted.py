"""What each planted bug costs: the tests it fails, their docstrings, and reviewed reaches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.catalogue import load_kit
from grader.errors import KitError
from grader.grading import default_sandbox, grade
from grader.quality.planted import REVIEW_FILE, load_reviews, planted_bugs, report
from grader.results import TestStatus
from grader.workspace import load_submission

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ADD_ONLY = "def add(a, b):\n    return a + b\n\n\ndef mean(values):\n    return 0.0\n"


@pytest.fixture
def kit_and_bugs(tmp_path):
    """A copy of the engine kit and a buggy folder with two planted bugs of `adder`."""
    shutil.copytree(FIXTURES / "kit", tmp_path / "kit")
    buggy = tmp_path / "buggy" / "adder"
    (buggy / "mean_of_empty_is_zero").mkdir(parents=True)
    shutil.copyfile(
        FIXTURES / "submissions" / "engine" / "half" / "adder.py",
        buggy / "mean_of_empty_is_zero" / "adder.py",
    )
    (buggy / "mean_always_zero").mkdir()
    (buggy / "mean_always_zero" / "adder.py").write_text(ADD_ONLY, encoding="utf-8")
    return tmp_path / "kit", tmp_path / "buggy"


def test_each_bug_lists_the_tests_it_fails_with_their_docstrings(kit_and_bugs):
    root, buggy = kit_and_bugs
    kit = load_kit(root)
    bugs = {b.case: b for b in planted_bugs(kit.get("adder"), kit, buggy, default_sandbox())}
    assert sorted(bugs) == ["mean_always_zero", "mean_of_empty_is_zero"]
    narrow = bugs["mean_of_empty_is_zero"]
    assert [t.name for t in narrow.failed] == ["test_mean_empty_raises"]
    assert narrow.failed[0].description == "mean([]) raises ValueError."
    assert narrow.points_lost == 1 and narrow.loses_points and not narrow.review_stale
    wide = bugs["mean_always_zero"]
    assert {t.name for t in wide.failed} == {
        "test_mean_matches_reference",
        "test_mean_empty_raises",
    }
    text = report("adder", list(bugs.values()))
    assert "adder/mean_always_zero: fails 2 test(s), loses 3/6" in text
    assert "    test_mean_empty_raises (1): mean([]) raises ValueError." in text


def test_a_review_in_the_exercise_folder_is_checked_against_the_bugs_reach(kit_and_bugs):
    root, buggy = kit_and_bugs
    (root / "adder" / REVIEW_FILE).write_text(
        '[mean_always_zero]\nfails = ["test_mean_matches_reference", "test_mean_empty_raises"]\n'
        'why = "a constant mean is wrong for every input, empty or not"\n\n'
        '[mean_of_empty_is_zero]\nfails = ["test_mean_matches_reference"]\n'
        'why = "an outdated review"\n',
        encoding="utf-8",
    )
    kit = load_kit(root)
    bugs = {b.case: b for b in planted_bugs(kit.get("adder"), kit, buggy, default_sandbox())}
    assert not bugs["mean_always_zero"].review_stale
    assert bugs["mean_of_empty_is_zero"].review_stale
    assert "changed since the review" in report("adder", [bugs["mean_of_empty_is_zero"]])
    text = report("adder", [bugs["mean_always_zero"]])
    assert "(reviewed in planted_bugs.toml)" in text
    assert text.endswith(
        "    why this reach is fair: a constant mean is wrong for every input, empty or not"
    )


def test_a_review_without_a_reason_is_a_kit_error(tmp_path):
    shutil.copytree(FIXTURES / "kit", tmp_path / "kit")
    (tmp_path / "kit" / "adder" / REVIEW_FILE).write_text(
        '[some_bug]\nfails = ["test_add_small"]\n', encoding="utf-8"
    )
    with pytest.raises(KitError, match=r"\[some_bug\] needs a why"):
        load_reviews(load_kit(tmp_path / "kit").get("adder"))


ROOT = Path(__file__).resolve().parents[2]
KIT = load_kit(ROOT / "exercises")
BUGGY = FIXTURES / "submissions" / "buggy"


def test_numpy_scalars_in_a_serving_body_cost_only_the_tests_about_plain_types():
    """Values that are numpy scalars still equal the model's: only the type tests fail."""
    case = BUGGY / "serving" / "numpy_scalars_in_body"
    graded = grade(load_submission(case, KIT, ["serving"]), KIT, ["serving"]).exercise("serving")
    failed = {t.name for t in graded.tests if t.status is not TestStatus.PASSED}
    assert failed == {
        "test_realistic_model_gives_plain_json_types",
        "test_numpy_labels_and_float32_probabilities_converted",
    }


def test_a_numpy_float_ks_is_a_reviewed_reach_whose_reason_validate_shows(tmp_path):
    shutil.copytree(
        BUGGY / "monitoring" / "ks_returns_numpy_float",
        tmp_path / "monitoring" / "ks_returns_numpy_float",
    )
    exercise = KIT.get("monitoring")
    (bug,) = planted_bugs(exercise, KIT, tmp_path, default_sandbox())
    assert bug.review is not None and not bug.review_stale, report("monitoring", [bug])
    assert bug.review == load_reviews(exercise)["ks_returns_numpy_float"]
    assert f"    why this reach is fair: {bug.review.why}" in report("monitoring", [bug])


REVIEWED = sorted(
    (ex.id, case) for ex in KIT.exercises for case in load_reviews(ex) if (BUGGY / ex.id).is_dir()
)


@pytest.mark.parametrize(("exercise_id", "case"), REVIEWED, ids=[f"{e}-{c}" for e, c in REVIEWED])
def test_every_reviewed_reach_in_the_kit_still_holds(tmp_path, exercise_id, case):
    shutil.copytree(BUGGY / exercise_id / case, tmp_path / exercise_id / case)
    (bug,) = planted_bugs(KIT.get(exercise_id), KIT, tmp_path, default_sandbox())
    assert bug.loses_points and not bug.review_stale, report(exercise_id, [bug])
