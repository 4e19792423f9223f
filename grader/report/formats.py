"""Other tools' result formats (JUnit XML, Gradescope, Exercism, GitHub job summary),
each a pure function of one `GradeResult`.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.catalogue import Kit
from grader.errors import UsageError
from grader.locales import SOURCE_LANGUAGE, messages
from grader.report.localized import localize
from grader.report.render import format_points
from grader.results import (
    UNWRITABLE,
    ExerciseResult,
    ExerciseStatus,
    GradeResult,
    TestResult,
    TestStatus,
    to_json,
)

# Exercise states in which no test ran: their tests count as failures carrying the
# exercise's own message, since that message is the one thing to fix.
NOTHING_RAN = (ExerciseStatus.MISSING, ExerciseStatus.NOT_ATTEMPTED, ExerciseStatus.IMPORT_ERROR)
# Exercise states in which no candidate code could be tested (Exercism's "error").
NO_TEST_RAN = (ExerciseStatus.MISSING, ExerciseStatus.IMPORT_ERROR)
EXERCISM_OUTPUT_LIMIT = 500
EXERCISM_OUTPUT_NOTE = "\n[output cut to 500 characters]"
EXERCISM_MAX_BYTES = 500_000
EXERCISM_MESSAGE_LIMIT = 65_535
GRADESCOPE_OUTPUT_LIMIT = 20_000
SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
# Characters XML 1.0 cannot carry at all, even escaped (ANSI escapes in tracebacks).
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def display_name(exercise: ExerciseResult, test: TestResult) -> str:
    """The name a test goes by outside mlgrade: exercise id and test name."""
    return f"{exercise.id}: {test.name}"


def failure_text(test: TestResult, exercise: ExerciseResult | None = None) -> str:
    """Everything that explains a test's failure: message, counterexample, traceback."""
    message = test.message
    if exercise is not None and exercise.status in NOTHING_RAN and not message:
        message = exercise.message
    parts = [message]
    if test.counterexample:
        parts.append(f"Counterexample:\n{test.counterexample}")
    if test.traceback:
        parts.append(f"Traceback:\n{test.traceback}")
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def _cut(text: str, limit: int, note: str) -> str:
    return text if len(text) <= limit else text[: max(0, limit - len(note))] + note


# JUnit XML ---------------------------------------------------------------------------


def _xml_safe(text: str) -> str:
    return XML_INVALID.sub("\ufffd", text)


def _junit_outcome(exercise: ExerciseResult, test: TestResult) -> str:
    """ "passed", "failure" or "error" as CI systems count them."""
    if test.status is TestStatus.PASSED:
        return "passed"
    if exercise.status in NOTHING_RAN or test.status is TestStatus.FAILED:
        return "failure"
    return "error"


def _properties(parent: ET.Element, values: Mapping[str, object]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=_xml_safe(str(value)))


def _testcase(suite: ET.Element, exercise: ExerciseResult, test: TestResult) -> str:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"mlgrade.{exercise.id}",
        name=_xml_safe(test.name),
        time=f"{test.duration_s:.3f}",
    )
    _properties(
        case,
        {
            "points": format_points(test.score),
            "max_points": format_points(test.max_score),
            "status": test.status.value,
            "description": test.description,
        },
    )
    outcome = _junit_outcome(exercise, test)
    if outcome != "passed":
        text = failure_text(test, exercise)
        headline = text.splitlines()[0] if text else test.status.value
        tag = "failure" if outcome == "failure" else "error"
        element = ET.SubElement(
            case, tag, message=_xml_safe(headline[:500]), type=test.status.value
        )
        element.text = _xml_safe(text)
    if test.output:
        ET.SubElement(case, "system-out").text = _xml_safe(test.output)
    return outcome


def to_junit_xml(result: GradeResult) -> str:
    """JUnit XML: one <testsuite> per exercise, one <testcase> per hidden test."""
    root = ET.Element("testsuites", name=_xml_safe(f"mlgrade {result.submission}"))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for exercise in result.exercises:
        suite = ET.SubElement(root, "testsuite", name=exercise.id)
        _properties(
            suite,
            {
                "title": exercise.title,
                "area": exercise.area,
                "status": exercise.status.value,
                "score": format_points(exercise.score),
                "max_score": format_points(exercise.max_score),
                "message": exercise.message,
                "isolation": result.sandbox.get("isolation", ""),
                "isolation_missing": result.sandbox.get("missing", ""),
            },
        )
        outcomes = [_testcase(suite, exercise, test) for test in exercise.tests]
        counts = {
            "tests": len(outcomes),
            "failures": outcomes.count("failure"),
            "errors": outcomes.count("error"),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
        suite.set("time", f"{exercise.duration_s:.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("skipped", "0")
    root.set("time", f"{result.duration_s:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# Gradescope --------------------------------------------------------------------------


def _gradescope_output(test: TestResult, exercise: ExerciseResult) -> str:
    lines = [test.description] if test.description else []
    if test.status is not TestStatus.PASSED:
        lines.append(f"Status: {test.status.value}")
        lines.append(failure_text(test, exercise))
    if test.output:
        lines.append(f"Output:\n{test.output}")
    text = "\n\n".join(line for line in lines if line)
    return _cut(text, GRADESCOPE_OUTPUT_LIMIT, "\n[cut]")


def to_gradescope(result: GradeResult) -> dict[str, Any]:
    """Gradescope autograder results.json; test scores add up to `score`."""
    tests = []
    for number, exercise in enumerate(result.exercises, start=1):
        for sub, test in enumerate(exercise.tests, start=1):
            tests.append(
                {
                    "name": display_name(exercise, test),
                    "number": f"{number}.{sub}",
                    "score": test.score,
                    "max_score": test.max_score,
                    "status": "passed" if test.status is TestStatus.PASSED else "failed",
                    "output": _gradescope_output(test, exercise),
                    "output_format": "text",
                    "tags": [exercise.id, exercise.area],
                    "visibility": "visible",
                    "extra_data": {"status": test.status.value},
                }
            )
    return {
        "score": result.score,
        "execution_time": result.duration_s,
        "output": to_markdown_summary(result),
        "output_format": "md",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "max_score": result.max_score,
            "percent": round(result.percent, 2),
            "mlgrade_version": result.mlgrade_version,
            "schema_version": result.schema_version,
        },
        "tests": tests,
    }


# Exercism ----------------------------------------------------------------------------


def _exercism_test(
    task_id: int, exercise: ExerciseResult, test: TestResult, message_limit: int
) -> dict[str, Any]:
    status = {TestStatus.PASSED: "pass", TestStatus.FAILED: "fail"}.get(test.status, "error")
    entry: dict[str, Any] = {
        "name": display_name(exercise, test),
        # The hidden test's code is never shown; its description says what it checks.
        "test_code": test.description,
        "status": status,
        "message": None,
        "output": None,
        "task_id": task_id,
    }
    if status != "pass":
        entry["message"] = _cut(failure_text(test, exercise), message_limit, "\n[cut]")
    if test.output:
        entry["output"] = _cut(test.output, EXERCISM_OUTPUT_LIMIT, EXERCISM_OUTPUT_NOTE)
    return entry


def _exercism_status(result: GradeResult) -> tuple[str, str | None]:
    tests = [t for ex in result.exercises for t in ex.tests]
    if tests and all(t.status is TestStatus.PASSED for t in tests):
        return "pass", None
    stuck = [ex for ex in result.exercises if ex.status in NO_TEST_RAN]
    if not tests or len(stuck) == len(result.exercises):
        reasons = [f"{ex.id}: {ex.message}" for ex in stuck] or ["no test could run"]
        return "error", _cut("\n".join(reasons), EXERCISM_MESSAGE_LIMIT, "\n[cut]")
    return "fail", None


def to_exercism(result: GradeResult) -> dict[str, Any]:
    """Exercism test-runner results.json (version 3), kept under 500 KB."""
    status, message = _exercism_status(result)
    limit = EXERCISM_MESSAGE_LIMIT
    while True:
        tests = [
            _exercism_test(task_id, exercise, test, limit)
            for task_id, exercise in enumerate(result.exercises, start=1)
            for test in exercise.tests
        ]
        data: dict[str, Any] = {"version": 3, "status": status}
        if message is not None:
            data["message"] = message
        data["tests"] = tests
        size = len(json.dumps(data, ensure_ascii=False).encode("utf-8", UNWRITABLE))
        # Halve the per-test message until the file fits; names and outputs are bounded.
        if size <= EXERCISM_MAX_BYTES or limit <= 100:
            return data
        limit //= 2


# GitHub job summary ------------------------------------------------------------------


# Kit titles and the host's isolation reason are trusted and stay plain text. Such text
# never starts a line, so only inline markup needs escaping: a backslash before each mark
# that can start or end it (`(` means nothing without an escaped `[`), and `<`, `>` as
# entities so no tag is read. An ordinary title renders exactly as before.
INLINE_MARKUP = re.compile(r"[\\`*_~\[\]!|&$<>]")
HTML_ENTITIES = {"<": "&lt;", ">": "&gt;"}
BACKTICK_RUNS = re.compile(r"`+")


def _plain(text: str) -> str:
    """Trusted `text` on one line, no mark in it read as Markdown or HTML."""
    return INLINE_MARKUP.sub(
        lambda mark: HTML_ENTITIES.get(mark[0], "\\" + mark[0]), " ".join(text.split())
    )


def _code(text: str, *, in_table: bool = False) -> str:
    """Candidate-controlled `text` on one line as a code span that renders literally."""
    # Inside a code span nothing is markup (no HTML, emphasis, link or autolink), and a fence
    # longer than any backtick run in the text cannot be closed early by it.
    text = " ".join(text.split())
    if not text:
        return ""
    fence = "`" * (1 + max((len(run) for run in BACKTICK_RUNS.findall(text)), default=0))
    # One space each side is stripped by the reader; it keeps a backtick at either end apart
    # from the fence.
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    if in_table:
        # GFM splits a table row on `|` even inside a code span, unless it is escaped; a
        # single line elsewhere cannot start a table, and there `\|` would be shown as is.
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def _score(score: float, max_score: float) -> str:
    return f"{format_points(score)} / {format_points(max_score)}"


def to_markdown_summary(
    result: GradeResult, *, kit: Kit | None = None, language: str = SOURCE_LANGUAGE
) -> str:
    """A GitHub-flavoured Markdown summary: one row per exercise, then areas and total, in
    `language` (exercise titles from `kit`)."""
    said = messages(language)
    result = localize(result, kit, language)
    lines = [
        f"## mlgrade: {_code(result.submission)}: "
        f"{_score(result.score, result.max_score)} ({result.percent:.1f}%)",
        "",
        f"| {said('report.exercise')} | {said('report.status')} | {said('report.score')} |",
        "| --- | --- | ---: |",
    ]
    for ex in result.exercises:
        lines.append(
            f"| {_code(ex.id, in_table=True)} {_plain(ex.title)} "
            f"| {said(f'exercise_status.{ex.status.value}')} | {_score(ex.score, ex.max_score)} |"
        )
    lines += ["", f"| {said('report.skill_area')} | {said('report.score')} |", "| --- | ---: |"]
    for area in result.areas:
        lines.append(f"| {_plain(area.title)} | {_score(area.score, area.max_score)} |")
    lines.append(
        f"| **{said('summary.total')}** | "
        f"**{_score(result.score, result.max_score)} ({result.percent:.1f}%)** |"
    )
    if result.integrity:
        lines += ["", said("markdown.integrity", count=len(result.integrity))]
    isolation = result.sandbox.get("isolation", "")
    if isolation in ("partial", "off"):
        # Said wherever a grade is read: an unconfined run is the interviewer's to judge.
        why = result.sandbox.get("reason") or f"missing: {result.sandbox.get('missing', '')}"
        key = "markdown.isolation_off" if isolation == "off" else "markdown.isolation_partial"
        lines += ["", said(key, why=_plain(why))]
    if result.notes:
        lines += ["", said("markdown.removed")]
        # A note quotes the candidate's removed line inside its own backticks; the whole note
        # is one code span so that line can neither close it nor add markup.
        lines += [f"- {_code(str(note))}" for note in result.notes]
    return "\n".join(lines) + "\n"


def append_github_summary(
    result: GradeResult,
    environ: Mapping[str, str] = os.environ,
    *,
    kit: Kit | None = None,
    language: str = SOURCE_LANGUAGE,
) -> Path | None:
    """Append the Markdown summary (in `language`) to $GITHUB_STEP_SUMMARY when it is set."""
    target = environ.get(SUMMARY_ENV)
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8", errors=UNWRITABLE) as handle:
            handle.write(to_markdown_summary(result, kit=kit, language=language) + "\n")
    except OSError as exc:
        raise UsageError(f"cannot append to ${SUMMARY_ENV} ({path}): {exc.strerror}") from None
    return path


# The --json file ---------------------------------------------------------------------

JSON_FORMATS = ("mlgrade", "gradescope", "exercism")


def json_text(result: GradeResult, shape: str = "mlgrade") -> str:
    """The --json file in one of JSON_FORMATS: mlgrade's own, Gradescope's or Exercism's."""
    if shape == "mlgrade":
        return to_json(result)
    if shape not in JSON_FORMATS:
        raise UsageError(f"unknown format {shape!r} (known: {', '.join(JSON_FORMATS)})")
    data = to_gradescope(result) if shape == "gradescope" else to_exercism(result)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
