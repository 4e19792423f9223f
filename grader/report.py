"""Render a grade for people: the HTML feedback page and the terminal summary."""

from __future__ import annotations

import functools
import shutil
import textwrap
from pathlib import Path

import jinja2

from grader.catalogue import Kit
from grader.results import STATUS_LABELS, ExerciseResult, GradeResult, TestStatus
from grader.terminal_text import terminal_safe, terminal_safe_lines


def templates_dir() -> Path:
    """Templates inside the installed package, or at the repository's top level."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment all reports share (autoescaped).

    One per process: it keeps the compiled templates, which cost more to compile than
    a report costs to render (a batch writes one report per candidate).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["points"] = format_points
    env.globals["status_label"] = lambda s: STATUS_LABELS.get(s, str(s))
    return env


def format_points(value: float) -> str:
    """Points without a useless ".0"."""
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


def _prompts(result: GradeResult, kit: Kit | None) -> dict[str, str]:
    prompts: dict[str, str] = {}
    if kit is None:
        return prompts
    for ex in result.exercises:
        try:
            prompts[ex.id] = kit.get(ex.id).prompt_path.read_text(encoding="utf-8")
        except (OSError, Exception):  # noqa: BLE001 - a missing prompt never stops a report
            continue
    return prompts


def render_html(result: GradeResult, kit: Kit | None = None, *, title: str = "") -> str:
    """A self-contained HTML page (inline CSS, no network) explaining the grade."""
    template = environment().get_template("report.html.j2")
    return template.render(
        result=result,
        title=title or f"mlgrade feedback: {result.submission}",
        prompts=_prompts(result, kit),
        TestStatus=TestStatus,
    )


def write_html(result: GradeResult, path: Path, kit: Kit | None = None) -> Path:
    """Write the HTML page, creating folders as needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result, kit), encoding="utf-8")
    return path


def _bar(fraction: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "#" * filled + "." * (width - filled)


def exercise_line(ex: ExerciseResult) -> str:
    """One summary line for an exercise."""
    fraction = ex.score / ex.max_score if ex.max_score else 0.0
    label = STATUS_LABELS[ex.status]
    return (
        f"{ex.id:<16} {format_points(ex.score):>6} / {format_points(ex.max_score):<6} "
        f"[{_bar(fraction)}] {label}"
    )


# Where pytest's own explanation of an assertion starts: the lines above it say what
# went wrong in the suite's words ("expected ..., got ..."), the rest repeats it.
PYTEST_EXPLANATION = ("assert ", " +  where ", "+  where ")
# Rows under a failed test: what went wrong, then the shrunk call, each cut to its share.
MESSAGE_MAX_LINES = 6
CALL_MAX_LINES = 4
FAILURE_INDENT = " " * 13


def terminal_width() -> int:
    """Columns of the terminal, or 100 when the output is not a terminal."""
    return shutil.get_terminal_size((100, 24)).columns


def what_went_wrong(message: str) -> list[str]:
    """The lines of a failure message that say what went wrong, without pytest's
    re-statement of the assertion."""
    lines: list[str] = []
    for line in terminal_safe_lines(message):
        if lines and line.startswith(PYTEST_EXPLANATION):
            break
        if line.strip():
            lines.append(line.rstrip())
    return lines


def failing_call(counterexample: str) -> list[str]:
    """Hypothesis' shrunk example as one call (its arguments joined), then its draws."""
    lines = [line.rstrip() for line in terminal_safe_lines(counterexample) if line.strip()]
    if not lines:
        return []
    head, rest = lines[0], lines[1:]
    for prefix in ("Falsifying example: ", "Failing test case: "):
        if head.startswith(prefix):
            head = head[len(prefix) :]
    if head.endswith("(") and ")" in rest:
        end = rest.index(")")
        arguments = " ".join(arg.strip() for arg in rest[:end]).rstrip(",")
        head, rest = f"{head}{arguments})", rest[end + 1 :]
    return [f"failing call: {head}", *rest]


def _wrapped(lines: list[str], width: int, max_lines: int) -> list[str]:
    """Lines wrapped to the terminal's width under a test's row: the first one whole, each
    next one while the rows stay within `max_lines`."""
    room = max(20, width - len(FAILURE_INDENT))
    out: list[str] = []
    for position, line in enumerate(lines):
        rows = textwrap.wrap(line, room, subsequent_indent="  ") or [""]
        if position and len(out) + len(rows) > max_lines:
            out.append("... (the rest is in the HTML report)")
            break
        out += rows
    return [FAILURE_INDENT + row for row in out]


def exercise_lines(ex: ExerciseResult, *, verbose: bool = True, width: int = 100) -> list[str]:
    """An exercise's row, why it was not graded, and (verbose) each test with its failure."""
    lines = [exercise_line(ex)]
    if ex.message and ex.status.value != "graded":
        lines.append(f"    {terminal_safe_lines(ex.message)[0]}")
    if not verbose or ex.status.value in ("missing", "not_attempted", "import_error"):
        return lines
    for test in ex.tests:
        mark = "PASS" if test.status is TestStatus.PASSED else test.status.value.upper()
        lines.append(
            f"    {mark:<8} {format_points(test.score):>4}/{format_points(test.max_score):<4} "
            f"{terminal_safe(test.name)}"
        )
        if test.status is not TestStatus.PASSED:
            lines += _wrapped(what_went_wrong(test.message), width, MESSAGE_MAX_LINES)
            lines += _wrapped(failing_call(test.counterexample), width, CALL_MAX_LINES)
    return lines


def terminal_summary(result: GradeResult, *, verbose: bool = True, width: int | None = None) -> str:
    """The plain-text table printed after grading, failures wrapped to `width` columns
    (the terminal's by default)."""
    width = width or terminal_width()
    lines = []
    for ex in result.exercises:
        lines += exercise_lines(ex, verbose=verbose, width=width)
    if result.notes and verbose:
        lines.append("")
        lines.append(f"while reading {terminal_safe(result.submission)} (left out of the grade):")
        lines += [f"  {terminal_safe(note)}" for note in result.notes]
    lines.append("")
    lines += terminal_totals(result).splitlines()
    return "\n".join(lines)


def terminal_totals(result: GradeResult) -> str:
    """The totals printed after grading: per skill area, overall, and the isolation used."""
    lines = []
    for area in result.areas:
        lines.append(
            f"{area.title:<36} {format_points(area.score):>6} / {format_points(area.max_score)}"
        )
    lines.append(
        f"{'TOTAL':<36} {format_points(result.score):>6} / {format_points(result.max_score)}"
        f"  ({result.percent:.1f}%)"
    )
    if result.integrity:
        lines.append(f"integrity findings: {len(result.integrity)} (see the HTML report)")
    if result.sandbox.get("isolation") == "off":
        lines.append(f"isolation: off, {result.sandbox.get('reason', '')}")
    elif result.sandbox.get("missing"):
        lines.append(
            f"isolation: partial, the candidate's code ran without: {result.sandbox['missing']}"
        )
    return "\n".join(lines)
