"""Grading semantics on the small engine kit: scores, statuses, feedback."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from grader.grading import _scored, area_scores
from grader.results import (
    ExerciseResult,
    ExerciseStatus,
    TestStatus,
    to_dict,
    without_durations,
)
from grader.sandbox.channel import CollectedTest, TestRecord
from grader.sandbox.runner import SuiteRun


def _tests(exercise):
    return {t.name: t for t in exercise.tests}


def test_correct_submission_scores_full_marks(grade_engine_case):
    result = grade_engine_case("correct")
    ex = result.exercise("adder")
    assert ex.status is ExerciseStatus.GRADED
    assert (ex.score, ex.max_score) == (6, 6)
    assert all(t.status is TestStatus.PASSED for t in ex.tests)
    assert result.score == 6 and result.percent == 100.0


def test_partial_credit_per_test_with_counterexample(grade_engine_case):
    ex = grade_engine_case("half").exercise("adder")
    tests = _tests(ex)
    assert ex.status is ExerciseStatus.GRADED
    assert ex.score == 5  # add: 1 + 2, mean: 2; only the empty-list check fails
    assert tests["test_mean_empty_raises"].status is TestStatus.FAILED
    # The missing exception is named with the call that returned normally.
    assert tests["test_mean_empty_raises"].message == (
        "mean([]): expected ValueError, but it returned normally"
    )
    assert tests["test_mean_empty_raises"].description == "mean([]) raises ValueError."


def test_failing_property_reports_shrunk_input_and_candidate_frames(grade_engine_case):
    ex = grade_engine_case("forbidden_hidden_import").exercise("adder")
    failing = _tests(ex)["test_mean_matches_reference"]
    assert failing.status is TestStatus.FAILED
    # Hypothesis' own wording ("Falsifying example" / "Failing test case") varies by version.
    assert "test_mean_matches_reference(" in failing.counterexample
    assert "values=[0.0]" in failing.counterexample  # shrunk to the smallest list
    assert "adder.py:6 in mean" in failing.traceback
    assert "not allowed in this exercise" in failing.message


def test_untouched_stub_is_not_attempted(grade_engine_case, engine_kit, tmp_path):
    (tmp_path / "adder.py").write_bytes(engine_kit.get("adder").stub_path.read_bytes())
    from grader.grading import grade
    from grader.workspace import load_submission

    ex = grade(load_submission(tmp_path, engine_kit), engine_kit).exercise("adder")
    assert ex.status is ExerciseStatus.NOT_ATTEMPTED and ex.score == 0 and ex.max_score == 6


def test_edited_stub_that_still_raises_is_not_attempted(grade_engine_case):
    ex = grade_engine_case("stub_touched").exercise("adder")
    assert ex.status is ExerciseStatus.NOT_ATTEMPTED
    assert ex.score == 0 and len(ex.tests) == 4


def test_missing_module(grade_engine_case, engine_kit, tmp_path):
    from grader.grading import grade
    from grader.workspace import load_submission

    result = grade(load_submission(tmp_path, engine_kit), engine_kit)
    ex = result.exercise("adder")
    assert ex.status is ExerciseStatus.MISSING
    assert ex.max_score == 6 and ex.score == 0
    assert "adder.py not found" in ex.message


def test_syntax_error_points_at_the_line(grade_engine_case):
    ex = grade_engine_case("syntax_error").exercise("adder")
    assert ex.status is ExerciseStatus.IMPORT_ERROR
    assert "adder.py, line 5" in ex.message and "SyntaxError" in ex.message


def test_exception_at_import_points_at_the_line(grade_engine_case):
    ex = grade_engine_case("raises_at_import").exercise("adder")
    assert ex.status is ExerciseStatus.IMPORT_ERROR
    assert "adder.py, line 3" in ex.message and "JSONDecodeError" in ex.message


def test_sys_exit_at_import_earns_nothing(grade_engine_case):
    ex = grade_engine_case("exit_at_import").exercise("adder")
    assert ex.status is ExerciseStatus.IMPORT_ERROR and ex.score == 0
    assert "sys.exit" in ex.message


def test_os_exit_at_import_is_a_crash_without_points(grade_engine_case):
    ex = grade_engine_case("os_exit_at_import").exercise("adder")
    assert ex.status is ExerciseStatus.CRASHED and ex.score == 0
    assert all(t.status is TestStatus.NOT_RUN for t in ex.tests)


def test_os_exit_mid_test_costs_only_the_tests_it_kills(grade_engine_case):
    ex = grade_engine_case("os_exit_mid_test").exercise("adder")
    tests = _tests(ex)
    assert tests["test_add_small"].status is TestStatus.PASSED
    assert tests["test_add_property"].status is TestStatus.PASSED
    assert tests["test_mean_matches_reference"].status is TestStatus.CRASHED
    assert tests["test_mean_empty_raises"].status is TestStatus.CRASHED
    assert ex.score == 3


def test_hanging_code_times_out_per_test_and_the_rest_still_runs(grade_engine_case):
    ex = grade_engine_case("hangs").exercise("adder")
    tests = _tests(ex)
    assert tests["test_add_small"].status is TestStatus.TIMEOUT
    assert "longer than 3 s" in tests["test_add_small"].message
    # the test's call still running when the time ran out, with its arguments
    assert tests["test_add_small"].message.endswith("it was running add(2, 3)")
    assert "it was running add(" in tests["test_add_property"].message
    assert tests["test_add_property"].status is TestStatus.TIMEOUT
    assert tests["test_mean_matches_reference"].status is TestStatus.PASSED
    assert tests["test_mean_empty_raises"].status is TestStatus.PASSED
    assert ex.score == 3


def test_forbidden_import_at_top_level_is_an_import_error(grade_engine_case):
    ex = grade_engine_case("forbidden_import").exercise("adder")
    assert ex.status is ExerciseStatus.IMPORT_ERROR and ex.score == 0
    assert "'statistics' is not allowed" in ex.message and "line 1" in ex.message


def test_grading_is_deterministic(grade_engine_case, engine_kit):
    from grader.grading import grade
    from grader.workspace import load_submission
    from tests.conftest import ENGINE_SUBMISSIONS

    first = grade_engine_case("half")
    again = grade(load_submission(ENGINE_SUBMISSIONS / "half", engine_kit), engine_kit)
    assert json.dumps(without_durations(to_dict(first))) == json.dumps(
        without_durations(to_dict(again))
    )


def test_result_records_hashes_and_versions(grade_engine_case, engine_kit):
    result = grade_engine_case("correct")
    ex = result.exercise("adder")
    assert len(ex.submission_sha256) == 64
    assert ex.suite_sha256 == engine_kit.get("adder").suite_sha256("hidden")
    assert {"python", "numpy", "scikit-learn", "hypothesis"} <= set(result.versions)
    assert result.mlgrade_version and result.schema_version == 1


def _exercise(area: str, score: float, max_score: float) -> ExerciseResult:
    return ExerciseResult(
        id=f"x{score}{max_score}",
        title="",
        area=area,
        status=ExerciseStatus.GRADED,
        score=score,
        max_score=max_score,
        suite="hidden",
    )


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["python", "ml", "deployment"]),
            st.integers(0, 50),
            st.integers(0, 50),
        ),
        max_size=12,
    )
)
def test_area_scores_add_up_to_the_total(rows):
    exercises = tuple(_exercise(area, min(s, m), m) for area, s, m in rows)
    areas = area_scores(exercises)
    assert sum(a.score for a in areas) == sum(e.score for e in exercises)
    assert sum(a.max_score for a in areas) == sum(e.max_score for e in exercises)
    assert [a.area for a in areas] == [
        a for a in ("python", "ml", "deployment") if any(r[0] == a for r in rows)
    ]


def test_assertion_messages_carry_expected_and_got(grade_engine_case):
    tests = _tests(grade_engine_case("wrong_add").exercise("adder"))
    message = tests["test_add_small"].message
    # The suite's own words, without pytest's restatement of the comparison.
    assert message == "AssertionError: expected 5, got -1"
    assert "test_add_property(" in tests["test_add_property"].counterexample
    assert "a=" in tests["test_add_property"].counterexample


def test_feedback_hides_addresses_and_temporary_paths(grade_engine_case):
    ex = grade_engine_case("unstable_text").exercise("adder")
    text = "\n".join(t.message + t.traceback + t.counterexample for t in ex.tests)
    assert "object at 0x…" in text and "<tmp>" in text
    assert not re.search(r"0x[0-9a-f]{6,}", text) and "mlgrade-run-" not in text


def test_two_separate_grader_processes_write_the_same_json(tmp_path):
    """Different processes mean different address layouts and temporary folders."""
    import subprocess
    import sys

    from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES

    outputs = []
    for run in ("first", "second"):
        out = tmp_path / f"{run}.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grader",
                "grade",
                str(ENGINE_SUBMISSIONS / "unstable_text"),
                "--kit",
                str(FIXTURES / "kit"),
                "--json",
                str(out),
                "--html",
                str(tmp_path / "r.html"),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        outputs.append(without_durations(json.loads(out.read_text())))
    assert outputs[0] == outputs[1]


# Grades one submission in a fresh process whose fork server warms hypothesis' engine
# or not (argv[3]), and prints the result's JSON.
GRADE_IN_A_FRESH_PROCESS = """
import sys
from pathlib import Path
from grader.catalogue import load_kit
from grader.grading import grade
from grader.results import to_json
from grader.sandbox.runner import Sandbox
from grader.workspace import load_submission
kit = load_kit(Path(sys.argv[1]))
sandbox = Sandbox(warm_engine=sys.argv[3] == "warm")
print(to_json(grade(load_submission(Path(sys.argv[2]), kit), kit, sandbox=sandbox)))
"""


def test_examples_do_not_depend_on_whether_the_fork_server_warmed_hypothesis():
    import subprocess
    import sys

    from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES

    outputs = []
    for warm in ("warm", "cold"):
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                GRADE_IN_A_FRESH_PROCESS,
                str(FIXTURES / "kit"),
                str(ENGINE_SUBMISSIONS / "wrong_add"),
                warm,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        outputs.append(without_durations(json.loads(run.stdout)))
    assert outputs[0] == outputs[1]
    # A failing property, so the comparison covers generated and shrunk examples.
    tests = outputs[0]["exercises"][0]["tests"]
    assert any(t["status"] == "failed" and t["counterexample"] for t in tests)


def test_an_exercise_without_candidate_code_reports_no_confinement(real_kit):
    """A Dockerfile is only read by the judge: no candidate's process, nothing to report,
    and it does not make the whole grading look partially isolated."""
    from pathlib import Path

    from grader.grading import grade
    from grader.workspace import load_submission

    root = Path(__file__).resolve().parents[1]
    result = grade(
        load_submission(root / "solutions", real_kit, ["dockerfile"]), real_kit, ["dockerfile"]
    )
    assert result.sandbox["isolation"] == "not needed" and result.sandbox["missing"] == ""


def _run(statuses: dict[str, str]) -> SuiteRun:
    return SuiteRun(records={n: TestRecord(nodeid=n, status=s) for n, s in statuses.items()})


@given(
    gate_cases=st.lists(st.sampled_from(["passed", "failed"]), min_size=1, max_size=3),
    rule=st.sampled_from(["passed", "failed"]),
)
def test_a_gated_test_scores_only_when_every_case_of_its_gate_passed(gate_cases, rule):
    """A rejection rule earns nothing for a function that never gives a correct result."""
    gates = {f"t.py::test_matches[{i}]": status for i, status in enumerate(gate_cases)}
    expected = (
        *(CollectedTest(nodeid=n, points=1, description="") for n in gates),
        CollectedTest(nodeid="t.py::test_rejects", points=2, description="", gate="test_matches"),
    )
    scored = {t.name: t for t in _scored(expected, _run({**gates, "t.py::test_rejects": rule}))}
    rejects = scored["test_rejects"]
    should_score = rule == "passed" and all(s == "passed" for s in gate_cases)
    assert rejects.score == (2 if should_score else 0)
    if rule == "passed" and not should_score:
        assert rejects.status is TestStatus.FAILED
        assert "no points until test_matches passes" in rejects.message


def test_a_with_block_that_swallows_the_exception_fails_only_its_own_test(real_kit):
    """A ModelLoader whose __exit__ returns True: one failed test naming the __exit__ call,
    not a judge that lost every result while wording the failure."""
    from pathlib import Path

    from grader.grading import grade
    from grader.workspace import load_submission

    answer = Path(__file__).parent / "fixtures/submissions/buggy/pipeline/loader_suppresses_errors"
    ex = grade(load_submission(answer, real_kit, ["pipeline"]), real_kit, ["pipeline"])
    ex = ex.exercise("pipeline")
    failed = {t.name: t for t in ex.tests if t.status is not TestStatus.PASSED}
    assert set(failed) == {"test_loader_never_suppresses_exceptions"}
    message = failed["test_loader_never_suppresses_exceptions"].message
    assert message.startswith("ModelLoader.__exit__(") and "expected KeyError" in message
