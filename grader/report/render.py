"""Render a grade for people: the HTML feedback page and the terminal summary."""

from __future__ import annotations

import functools
import shutil
import textwrap
from pathlib import Path

import jinja2

from grader.catalogue import Kit
from grader.locales import SOURCE_LANGUAGE, Messages, messages
from grader.report.localized import localize
from grader.report.terminal_text import (
    controls_shown,
    padded,
    terminal_safe,
    terminal_safe_lines,
)
from grader.results import UNWRITABLE, ExerciseResult, GradeResult, TestStatus


def templates_dir() -> Path:
    """Templates inside the installed package, or at the repository's top level."""
    packaged = Path(__file__).parents[1] / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "templates"


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
        finalize=_controls_shown,
    )
    env.filters["points"] = format_points
    return env


def _controls_shown(value: object) -> object:
    """Every value a page shows: text with its control characters written as escapes
    (markup stays markup: the controls are in the text it quotes, never in its tags)."""
    if isinstance(value, str) and hasattr(value, "__html__"):  # Markup: it stays markup
        return type(value)(controls_shown(value))
    return controls_shown(value) if isinstance(value, str) else value


def page_words(speak: Messages) -> dict[str, object]:
    """What every page template is given to speak `speak`'s language."""
    return {
        "t": speak,
        "lang": speak.language,
        "status_label": lambda s: speak.get(f"exercise_status.{s}", str(s)),
        "test_label": lambda s: speak.get(f"test_status.{s}", str(s)),
    }


def format_points(value: float) -> str:
    """Points without a useless ".0"."""
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


def _prompts(result: GradeResult, kit: Kit | None, language: str) -> dict[str, str]:
    prompts: dict[str, str] = {}
    if kit is None:
        return prompts
    for ex in result.exercises:
        try:
            prompts[ex.id] = kit.get(ex.id).prompt_in(language)
        except (OSError, Exception):  # noqa: BLE001 - a missing prompt never stops a report
            continue
    return prompts


def render_html(
    result: GradeResult,
    kit: Kit | None = None,
    *,
    title: str = "",
    language: str = SOURCE_LANGUAGE,
) -> str:
    """A self-contained HTML page (inline CSS, no network) explaining the grade."""
    speak = messages(language)
    template = environment().get_template("report.html.j2")
    return template.render(
        result=localize(result, kit, language),
        title=title or speak("report.title", submission=result.submission),
        prompts=_prompts(result, kit, language),
        TestStatus=TestStatus,
        **page_words(speak),
    )


def write_html(
    result: GradeResult, path: Path, kit: Kit | None = None, *, language: str = SOURCE_LANGUAGE
) -> Path:
    """Write the HTML page, creating folders as needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        render_html(result, kit, language=language), encoding="utf-8", errors=UNWRITABLE
    )
    return path


def _bar(fraction: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "#" * filled + "." * (width - filled)


def exercise_line(ex: ExerciseResult, speak: Messages | None = None) -> str:
    """One summary line for an exercise."""
    speak = speak or messages()
    fraction = ex.score / ex.max_score if ex.max_score else 0.0
    label = speak(f"exercise_status.{ex.status.value}")
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


def failing_call(counterexample: str, speak: Messages | None = None) -> list[str]:
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
    return [(speak or messages())("terminal.failing_call", call=head), *rest]


def _wrapped(
    lines: list[str], width: int, max_lines: int, speak: Messages | None = None
) -> list[str]:
    """Lines wrapped to the terminal's width under a test's row: the first one whole, each
    next one while the rows stay within `max_lines`."""
    room = max(20, width - len(FAILURE_INDENT))
    out: list[str] = []
    for position, line in enumerate(lines):
        rows = textwrap.wrap(line, room, subsequent_indent="  ") or [""]
        if position and len(out) + len(rows) > max_lines:
            out.append((speak or messages())("terminal.rest_in_report"))
            break
        out += rows
    return [FAILURE_INDENT + row for row in out]


def exercise_lines(
    ex: ExerciseResult, *, verbose: bool = True, width: int = 100, speak: Messages | None = None
) -> list[str]:
    """An exercise's row, why it was not graded, and (verbose) each test with its failure."""
    speak = speak or messages()
    lines = [exercise_line(ex, speak)]
    if ex.message and ex.status.value != "graded":
        lines.append(f"    {terminal_safe_lines(ex.message)[0]}")
    if not verbose or ex.status.value in ("missing", "not_attempted", "import_error"):
        return lines
    for test in ex.tests:
        mark = speak(f"test_mark.{test.status.value}")
        lines.append(
            f"    {padded(mark, 8)} {format_points(test.score):>4}/"
            f"{format_points(test.max_score):<4} {terminal_safe(test.name)}"
        )
        if test.status is not TestStatus.PASSED:
            said = [test.description] if test.description else []
            lines += _wrapped(said, width, 2, speak)
            lines += _wrapped(what_went_wrong(test.message), width, MESSAGE_MAX_LINES, speak)
            lines += _wrapped(
                failing_call(test.counterexample, speak), width, CALL_MAX_LINES, speak
            )
    return lines


def terminal_summary(
    result: GradeResult,
    *,
    verbose: bool = True,
    width: int | None = None,
    kit: Kit | None = None,
    language: str = SOURCE_LANGUAGE,
) -> str:
    """The plain-text table printed after grading, failures wrapped to `width` columns
    (the terminal's by default), in `language` (titles and descriptions from `kit`)."""
    speak = messages(language)
    result = localize(result, kit, language)
    width = width or terminal_width()
    lines = []
    for ex in result.exercises:
        lines += exercise_lines(ex, verbose=verbose, width=width, speak=speak)
    if result.notes and verbose:
        lines.append("")
        lines.append(speak("terminal.left_out", submission=terminal_safe(result.submission)))
        lines += [f"  {terminal_safe(note)}" for note in result.notes]
    lines.append("")
    lines += terminal_totals(result, language=language).splitlines()
    return "\n".join(lines)


def terminal_totals(result: GradeResult, *, language: str = SOURCE_LANGUAGE) -> str:
    """The totals printed after grading: per skill area, overall, and the isolation used."""
    speak = messages(language)
    lines = []
    for area in result.areas:
        title = speak.get(f"area.{area.area}", area.title)
        lines.append(
            f"{padded(title, 36)} {format_points(area.score):>6} / {format_points(area.max_score)}"
        )
    lines.append(
        f"{padded(speak('terminal.total'), 36)} {format_points(result.score):>6} / "
        f"{format_points(result.max_score)}  ({result.percent:.1f}%)"
    )
    if result.integrity:
        lines.append(speak("terminal.integrity", count=len(result.integrity)))
    if result.sandbox.get("isolation") == "off":
        lines.append(speak("terminal.isolation_off", reason=result.sandbox.get("reason", "")))
    elif result.sandbox.get("missing"):
        lines.append(speak("terminal.isolation_partial", missing=result.sandbox["missing"]))
    return "\n".join(lines)
