"""JUnit XML, Gradescope, Exercism and GitHub summary output, built from constructed results."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grading import area_scores
from grader.report.formats import (
    EXERCISM_MAX_BYTES,
    append_github_summary,
    to_exercism,
    to_gradescope,
    to_junit_xml,
    to_markdown_summary,
)
from grader.results import (
    AreaScore,
    ExerciseResult,
    ExerciseStatus,
    Finding,
    GradeResult,
    ReadingNote,
    TestResult,
    TestStatus,
)

AREA_OF = {"metrics": "ml", "decorators": "python", "monitoring": "deployment"}


def make_test(name: str, status: TestStatus = TestStatus.PASSED, points: float = 2, **extra):
    """A test result; it earns its points only when it passed."""
    score = points if status is TestStatus.PASSED else 0.0
    return TestResult(
        name=name,
        description=extra.pop("description", f"checks {name}"),
        status=status,
        score=score,
        max_score=points,
        **extra,
    )


def make_exercise(
    exercise_id: str,
    tests: list[TestResult],
    status: ExerciseStatus = ExerciseStatus.GRADED,
    message: str = "",
) -> ExerciseResult:
    """An exercise result whose scores are the sums of its tests, as the grader makes them."""
    return ExerciseResult(
        id=exercise_id,
        title=f"Title of {exercise_id}",
        area=AREA_OF.get(exercise_id, "python"),
        status=status,
        score=sum(t.score for t in tests),
        max_score=sum(t.max_score for t in tests),
        suite="hidden",
        message=message,
        tests=tuple(tests),
        duration_s=0.5,
    )


def make_result(exercises: list[ExerciseResult], **extra) -> GradeResult:
    return GradeResult(
        submission=extra.pop("submission", "alice"),
        score=sum(e.score for e in exercises),
        max_score=sum(e.max_score for e in exercises),
        exercises=tuple(exercises),
        areas=area_scores(tuple(exercises)),
        duration_s=1.25,
        **extra,
    )


def missing(exercise_id: str) -> ExerciseResult:
    message = f"{exercise_id}.py not found in the submission"
    tests = [
        make_test(f"test_{exercise_id}_{i}", TestStatus.NOT_RUN, message=message) for i in (1, 2)
    ]
    return make_exercise(exercise_id, tests, ExerciseStatus.MISSING, message)


def import_error(exercise_id: str) -> ExerciseResult:
    message = "SyntaxError: invalid syntax (metrics.py, line 3)"
    tests = [
        make_test(f"test_{exercise_id}_{i}", TestStatus.FAILED, message=f"import error: {message}")
        for i in (1, 2)
    ]
    return make_exercise(exercise_id, tests, ExerciseStatus.IMPORT_ERROR, message)


def mixed_result() -> GradeResult:
    """Every kind of outcome once: pass, fail with details, timeout, crash, missing exercise."""
    metrics = make_exercise(
        "metrics",
        [
            make_test("test_pass", points=3, duration_s=0.25),
            make_test(
                "test_fail",
                TestStatus.FAILED,
                points=4,
                message="AssertionError: expected 0.5, got 0.25",
                counterexample="y_true=[1, 0]",
                traceback="metrics.py:12 in f1_score",
                output="printed by the candidate",
            ),
            make_test("test_slow", TestStatus.TIMEOUT, message="over 15 s"),
            make_test("test_crash", TestStatus.CRASHED, message="killed by SIGKILL"),
        ],
    )
    return make_result([metrics, missing("monitoring")])


# JUnit ---------------------------------------------------------------------------------


def test_junit_counts_classnames_and_points():
    root = ET.fromstring(to_junit_xml(mixed_result()))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "3", "2")
    metrics, monitoring = root.findall("testsuite")
    assert metrics.get("name") == "metrics"
    assert [metrics.get(k) for k in ("tests", "failures", "errors", "skipped")] == [
        "4",
        "1",
        "2",
        "0",
    ]
    cases = metrics.findall("testcase")
    assert {c.get("classname") for c in cases} == {"mlgrade.metrics"}
    assert [c.get("name") for c in cases] == ["test_pass", "test_fail", "test_slow", "test_crash"]
    assert cases[0].get("time") == "0.250"
    points = {p.get("name"): p.get("value") for p in cases[0].find("properties")}
    assert (points["points"], points["max_points"]) == ("3", "3")
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    failure = cases[1].find("failure")
    assert failure.get("message") == "AssertionError: expected 0.5, got 0.25"
    for part in ("expected 0.5", "y_true=[1, 0]", "metrics.py:12 in f1_score"):
        assert part in failure.text
    assert cases[1].find("system-out").text == "printed by the candidate"
    assert cases[2].find("error").get("type") == "timeout"
    assert cases[3].find("error").get("type") == "crashed"
    # A missing exercise still lists its tests, as failures carrying the exercise's message.
    assert monitoring.get("failures") == "2" and monitoring.get("errors") == "0"
    for case in monitoring.findall("testcase"):
        assert "monitoring.py not found" in case.find("failure").get("message")


def test_junit_escapes_markup_and_drops_control_characters():
    name = "test_<lt> & \"quote\" 'apos' ]]> <![CDATA["
    test = make_test(
        name,
        TestStatus.FAILED,
        message='expected <b>&amp;</b> "x"',
        traceback="\x1b[31mred\x1b[0m\x00 done",
    )
    xml = to_junit_xml(make_result([make_exercise("metrics", [test])], submission="a<b>&c"))
    root = ET.fromstring(xml)
    case = root.find("testsuite/testcase")
    assert case.get("name") == name
    failure = case.find("failure")
    assert failure.get("message") == 'expected <b>&amp;</b> "x"'
    assert "red" in failure.text and "\x1b" not in failure.text and "\x00" not in failure.text
    assert root.get("name") == "mlgrade a<b>&c"


# Gradescope ----------------------------------------------------------------------------


def test_gradescope_fields_follow_the_spec():
    data = to_gradescope(mixed_result())
    json.dumps(data)  # plain JSON types only
    assert data["score"] == 3
    assert data["execution_time"] == 1.25
    assert data["output_format"] == "md" and "| `metrics`" in data["output"]
    assert data["visibility"] == "visible" and data["stdout_visibility"] == "hidden"
    tests = data["tests"]
    assert len(tests) == 6
    assert [t["number"] for t in tests] == ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2"]
    assert tests[0] == {
        **tests[0],
        "name": "metrics: test_pass",
        "score": 3,
        "max_score": 3,
        "status": "passed",
        "visibility": "visible",
        "tags": ["metrics", "ml"],
    }
    assert [t["status"] for t in tests[1:]] == ["failed"] * 5
    assert (
        "y_true=[1, 0]" in tests[1]["output"] and "printed by the candidate" in tests[1]["output"]
    )
    assert "monitoring.py not found" in tests[4]["output"]
    assert {t["visibility"] for t in tests} == {"visible"}


# Exercism ------------------------------------------------------------------------------


def test_exercism_fail_keeps_order_and_task_ids():
    data = to_exercism(mixed_result())
    assert data["version"] == 3 and data["status"] == "fail" and "message" not in data
    names = [t["name"] for t in data["tests"]]
    assert names == [
        "metrics: test_pass",
        "metrics: test_fail",
        "metrics: test_slow",
        "metrics: test_crash",
        "monitoring: test_monitoring_1",
        "monitoring: test_monitoring_2",
    ]
    statuses = [t["status"] for t in data["tests"]]
    assert statuses == ["pass", "fail", "error", "error", "error", "error"]
    assert [t["task_id"] for t in data["tests"]] == [1, 1, 1, 1, 2, 2]
    assert data["tests"][0]["message"] is None
    assert "y_true=[1, 0]" in data["tests"][1]["message"]
    assert data["tests"][1]["test_code"] == "checks test_fail"


def test_exercism_pass_and_error_rules():
    passing = make_result([make_exercise("metrics", [make_test("a"), make_test("b")])])
    assert to_exercism(passing)["status"] == "pass"
    broken = to_exercism(make_result([missing("metrics"), import_error("decorators")]))
    assert broken["status"] == "error"
    assert "metrics.py not found" in broken["message"] and "SyntaxError" in broken["message"]
    # One exercise whose tests ran is enough for "fail" rather than "error".
    partly = make_result([missing("metrics"), make_exercise("decorators", [make_test("a")])])
    assert to_exercism(partly)["status"] == "fail"
    assert to_exercism(make_result([]))["status"] == "error"


def test_exercism_output_is_cut_to_500_characters_with_a_note():
    test = make_test("test_noisy", TestStatus.FAILED, output="x" * 2000)
    [entry] = to_exercism(make_result([make_exercise("metrics", [test])]))["tests"]
    assert len(entry["output"]) <= 500
    assert entry["output"].startswith("xxx") and "cut to 500 characters" in entry["output"]


def test_exercism_file_stays_under_500_kb():
    tests = [
        make_test(f"test_{i}", TestStatus.FAILED, message="boom", traceback="line\n" * 20_000)
        for i in range(60)
    ]
    data = to_exercism(make_result([make_exercise("metrics", tests)]))
    assert len(json.dumps(data).encode("utf-8")) <= EXERCISM_MAX_BYTES
    assert all(t["message"].startswith("boom") for t in data["tests"])


# GitHub summary ------------------------------------------------------------------------


def test_markdown_summary_has_one_row_per_exercise_and_a_total():
    result = make_result(
        [
            make_exercise("metrics", [make_test("a", points=3), make_test("b", TestStatus.FAILED)]),
            missing("monitoring"),
        ],
        integrity=(Finding("metrics", "metrics.py", 3, "sklearn", "imports sklearn"),),
    )
    result = dataclasses.replace(result, areas=(AreaScore("ml", "ML | theory", 3, 5),))
    text = to_markdown_summary(result)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows[0] == "| Exercise | Status | Score |"
    assert rows[2] == "| `metrics` Title of metrics | graded | 3 / 5 |"
    assert rows[3] == "| `monitoring` Title of monitoring | missing | 0 / 4 |"
    assert "| ML \\| theory | 3 / 5 |" in rows
    assert rows[-1] == "| **Total** | **3 / 9 (33.3%)** |"
    assert "1 finding(s)" in text


def test_markdown_summary_escapes_markup_in_titles():
    exercise = dataclasses.replace(
        make_exercise("metrics", [make_test("a")]), title="*b* <i>c</i>\n[l](u) | `d` & e_f"
    )
    result = make_result([exercise])
    result = dataclasses.replace(result, areas=(AreaScore("ml", "![x](y) ~z~ $m$", 2, 2),))
    rows = [line for line in to_markdown_summary(result).splitlines() if line.startswith("|")]
    assert rows[2] == (
        "| `metrics` \\*b\\* &lt;i&gt;c&lt;/i&gt; \\[l\\](u) \\| \\`d\\` \\& e\\_f "
        "| graded | 2 / 2 |"
    )
    assert "| \\!\\[x\\](y) \\~z\\~ \\$m\\$ | 2 / 2 |" in rows


def test_the_github_summary_speaks_korean_with_the_kit_s_titles(grade_engine_case, engine_kit):
    result = dataclasses.replace(
        grade_engine_case("half"), sandbox={"isolation": "off", "reason": "no Linux sandbox"}
    )
    text = to_markdown_summary(result, kit=engine_kit, language="ko")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows[0] == "| 문제 | 상태 | 점수 |"
    assert rows[2] == "| `adder` 덧셈기 | 채점 완료 | 5 / 6 |"
    assert "| 파이썬과 프로그래밍 (Q1-Q5) | 5 / 6 |" in rows
    assert rows[-1] == "| **합계** | **5 / 6 (83.3%)** |"
    assert "격리 꺼짐: no Linux sandbox." in text
    assert to_markdown_summary(result) != text  # English stays the default


def test_isolation_off_or_partial_and_removed_lines_are_said_in_the_summary_and_junit():
    exercises = [make_exercise("metrics", [make_test("a", points=3)])]
    full = make_result(exercises, sandbox={"isolation": "full", "missing": ""})
    assert "Isolation" not in to_markdown_summary(full)
    partial = make_result(
        exercises,
        sandbox={"isolation": "partial", "missing": "seccomp filter, Landlock"},
        notes=(ReadingNote("IPython magic removed: %timeit f()", cell=3, line=2),),
    )
    text = to_markdown_summary(partial)
    assert "Isolation partial: missing: seccomp filter, Landlock." in text
    assert "- `cell 3, line 2: IPython magic removed: %timeit f()`" in text
    off = make_result(exercises, sandbox={"isolation": "off", "reason": "no Linux sandbox here"})
    assert "Isolation off: no Linux sandbox here." in to_markdown_summary(off)
    assert "Isolation off" in to_gradescope(off)["output"]
    suite = ET.fromstring(to_junit_xml(partial)).find("testsuite")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["isolation"] == "partial"
    assert properties["isolation_missing"] == "seccomp filter, Landlock"


def test_github_summary_is_appended_only_when_configured(tmp_path):
    result = mixed_result()
    assert append_github_summary(result, environ={}) is None
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(target)}
    assert append_github_summary(result, environ=env) == target
    append_github_summary(result, environ=env)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")
    assert text.count("| **Total** |") == 2


# Invariants over random results -------------------------------------------------------

names = st.text(min_size=1, max_size=30)
points = st.one_of(st.integers(0, 10), st.floats(0, 10, allow_nan=False).map(lambda x: round(x, 3)))


@st.composite
def exercise_results(draw, exercise_id: str) -> ExerciseResult:
    status = draw(st.sampled_from(ExerciseStatus))
    n = draw(st.integers(0, 6))
    if status is ExerciseStatus.MISSING:
        statuses = [TestStatus.NOT_RUN] * n
    elif status in (ExerciseStatus.IMPORT_ERROR, ExerciseStatus.NOT_ATTEMPTED):
        statuses = [TestStatus.FAILED] * n
    else:
        statuses = draw(st.lists(st.sampled_from(TestStatus), min_size=n, max_size=n))
    tests = [
        make_test(
            draw(names),
            s,
            draw(points),
            message=draw(st.text(max_size=40)),
            traceback=draw(st.text(max_size=40)),
            output=draw(st.text(max_size=600)),
        )
        for s in statuses
    ]
    return make_exercise(exercise_id, tests, status, draw(st.text(max_size=30)))


@st.composite
def grade_results(draw) -> GradeResult:
    ids = draw(st.lists(st.sampled_from(["metrics", "decorators", "monitoring"]), unique=True))
    return make_result([draw(exercise_results(i)) for i in ids], submission=draw(names))


@settings(max_examples=150, deadline=None)
@given(grade_results())
def test_every_format_agrees_with_the_result(result):
    all_tests = [t for ex in result.exercises for t in ex.tests]

    gradescope = to_gradescope(result)
    assert abs(sum(t["score"] for t in gradescope["tests"]) - gradescope["score"]) < 1e-9
    assert len(gradescope["tests"]) == len(all_tests)
    json.dumps(gradescope)

    root = ET.fromstring(to_junit_xml(result))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [ex.id for ex in result.exercises]
    assert int(root.get("tests")) == len(all_tests) == len(root.findall("testsuite/testcase"))
    for suite, ex in zip(suites, result.exercises, strict=True):
        assert int(suite.get("tests")) == len(ex.tests)
        bad = len(suite.findall("testcase/failure")) + len(suite.findall("testcase/error"))
        assert int(suite.get("failures")) + int(suite.get("errors")) == bad
        assert bad == sum(t.status is not TestStatus.PASSED for t in ex.tests)

    exercism = to_exercism(result)
    everything_passed = bool(all_tests) and all(t.status is TestStatus.PASSED for t in all_tests)
    assert (exercism["status"] == "pass") == everything_passed
    assert ("message" in exercism) == (exercism["status"] == "error")
    assert [t["name"].split(": ", 1)[1] for t in exercism["tests"]] == [t.name for t in all_tests]
    assert all(t["output"] is None or len(t["output"]) <= 500 for t in exercism["tests"])

    rows = [line for line in to_markdown_summary(result).splitlines() if line.startswith("| `")]
    assert len(rows) == len(result.exercises)
