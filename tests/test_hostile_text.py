"""Candidate-controlled text in the interviewer's outputs: the terminal, grades.csv,
summary.html and the GitHub job summary never let a submission draw, compute or link anything."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
import xml.etree.ElementTree as ET

import nbformat
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from grader.batch.gradebook import spreadsheet_safe
from grader.batch.pool import grade_batch
from grader.cli import cli
from grader.grading import grade
from grader.handout import write_handout
from grader.report.formats import to_markdown_summary
from grader.report.terminal_text import controls_shown, terminal_safe
from grader.results import UNWRITABLE, ExerciseResult, ExerciseStatus, GradeResult, ReadingNote
from grader.workspace import load_submission
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES

KIT = str(FIXTURES / "kit")
HOSTILE = FIXTURES / "submissions" / "hostile_text"


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in text)


def test_a_submission_cannot_draw_a_fake_table_on_the_terminal():
    result = CliRunner().invoke(cli, ["grade", str(HOSTILE), "--kit", KIT])
    assert result.exit_code == 0, result.output
    assert not _has_control(result.output), repr(result.output)
    # The candidate's words are still shown, but only indented under a failed test: the
    # one row and the one total at the margin are mlgrade's, and they say 1 / 6.
    lines = result.output.splitlines()
    fake_rows = [line for line in lines if "[####################]" in line or "100.0%" in line]
    assert fake_rows and all(line.startswith(" " * 13) for line in fake_rows)
    assert [line.split()[:4] for line in lines if line.startswith(("adder", "TOTAL"))] == [
        ["adder", "1", "/", "6"],
        ["TOTAL", "1", "/", "6"],
    ]


@given(st.text())
def test_terminal_safe_leaves_one_line_without_controls(text):
    cleaned = terminal_safe(text)
    assert "\n" not in cleaned and "\x1b" not in cleaned and not _has_control(cleaned)
    printable = "".join(c for c in text if c.isprintable() and c != "\x1b")
    if printable == text:
        assert cleaned == text  # ordinary text passes through untouched


def test_escape_sequences_are_removed_whole():
    assert terminal_safe("\x1b[2J\x1b[1;31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07") == (
        "red link"
    )


@given(st.text())
def test_no_gradebook_cell_starts_like_a_formula(cell):
    safe = spreadsheet_safe(cell)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe in (controls_shown(cell), "'" + controls_shown(cell))


BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _hidden_by_html(c: str) -> bool:
    code = ord(c)
    return code <= 8 or code == 11 or 14 <= code <= 31 or 127 <= code <= 159 or c in BIDI_CONTROLS


@given(st.text().filter(lambda text: "\\" not in text))
def test_controls_are_written_as_escapes_and_nothing_else_changes(text):
    """No character HTML may not hold, and no bidirectional control, is left; undoing the
    escapes gives the text back."""
    shown = controls_shown(text)
    assert not any(_hidden_by_html(c) for c in shown)
    undone = re.sub(
        r"\\(?:x([0-9a-f]{2})|u([0-9a-f]{4}))",
        lambda m: chr(int(m.group(1) or m.group(2), 16)),
        shown,
    )
    assert undone == text


def test_hostile_names_in_the_gradebook_and_summary(engine_kit, tmp_path):
    submissions = tmp_path / "subs"
    submissions.mkdir()
    for name in ("=HYPERLINK(1)", "javascript:alert(1)", "@SUM(A1)"):
        shutil.copytree(ENGINE_SUBMISSIONS / "half", submissions / name)
    shutil.copytree(ENGINE_SUBMISSIONS / "syntax_error", submissions / "broken")
    (submissions / "stub").mkdir()
    shutil.copy(FIXTURES / "kit" / "adder" / "adder.py", submissions / "stub" / "adder.py")
    (submissions / "empty").mkdir()
    (submissions / "empty" / "README.txt").write_text("nothing\n")
    batch = grade_batch(submissions, tmp_path / "out", engine_kit, jobs=2)

    with batch.csv_path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    names = {row[0]: row for row in rows[1:]}
    assert {"'=HYPERLINK(1)", "'@SUM(A1)", "javascript:alert(1)"} <= set(names)
    statuses = {name: row[-2] for name, row in names.items()}
    assert statuses["javascript:alert(1)"] == "graded"
    assert statuses["broken"] == "import error"
    assert statuses["stub"] == "not attempted"
    assert statuses["empty"] == "error" and "no exercise file" in names["empty"][-1]

    html = batch.summary_path.read_text()
    assert 'href="javascript' not in html.lower()
    assert 'href="./javascript%3Aalert%281%29.html"' in html
    assert (tmp_path / "out" / "javascript:alert(1).html").is_file()
    for status in ("graded", "import error", "not attempted", "error"):
        assert f">{status}</span>" in html


def test_a_row_whose_every_exercise_is_missing_says_missing(engine_kit, tmp_path):
    from grader.batch.roster import BatchRow
    from grader.grading import grade
    from grader.workspace import load_submission

    result = grade(load_submission(tmp_path, engine_kit), engine_kit)
    assert BatchRow("ann", tmp_path, result).status == "missing"
    assert BatchRow("ann", tmp_path, None, "unreadable").status == "error"


# The GitHub job summary ---------------------------------------------------------------

# A first line that, quoted in a note between single backticks, closed the note's code span
# and showed an image, a fake total and a link in the summary.
INJECTION = (
    "%time 1` | <img src=https://example.invalid/x.png> **TOTAL 576 / 576 (100.0%)** "
    "[proof](https://example.invalid) `"
)
# A run of backticks that is not part of a longer one (CommonMark's code span fences).
BACKTICK_RUN = re.compile(r"(?<!`)`+(?!`)")


def code_spans(line: str) -> tuple[list[tuple[str, str]], str]:
    """A Markdown line's code spans as CommonMark reads them, each (fence, content), and
    the line's text outside them."""
    spans: list[tuple[str, str]] = []
    outside: list[str] = []
    done = position = 0
    while opening := BACKTICK_RUN.search(line, position):
        closing = next(
            (m for m in BACKTICK_RUN.finditer(line, opening.end()) if m[0] == opening[0]), None
        )
        if closing is None:  # an unmatched fence is literal text
            position = opening.end()
            continue
        content = line[opening.end() : closing.start()]
        if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
            content = content[1:-1]
        spans.append((opening[0], content))
        outside.append(line[done : opening.start()])
        done = position = closing.end()
    outside.append(line[done:])
    return spans, "".join(outside)


def unescaped_pipes(text: str) -> int:
    """The `|` that split a GFM table row."""
    return len(re.findall(r"(?<!\\)\|", text))


def one_line(text: str) -> str:
    """`text` with its whitespace collapsed, as the summary shows it."""
    return " ".join(text.split())


def assert_literal_span(line: str, prefix: str, text: str) -> None:
    """`line` is `prefix` then `text` as one code span that nothing in `text` can close."""
    spans, outside = code_spans(line)
    assert outside == prefix, line
    [(fence, content)] = spans
    assert content == one_line(text)
    assert len(fence) > max((len(run) for run in re.findall("`+", content)), default=0)


def test_a_removed_notebook_line_cannot_add_markup_to_the_github_summary(engine_kit, tmp_path):
    notebook_path = write_handout(engine_kit.select(None), tmp_path)
    notebook = nbformat.read(notebook_path, as_version=4)
    [answer] = [c for c in notebook.cells if c.metadata.get("mlgrade", {}).get("exercise")]
    answer.source = INJECTION + "\n" + (ENGINE_SUBMISSIONS / "correct" / "adder.py").read_text()
    nbformat.write(notebook, notebook_path)
    result = grade(load_submission(notebook_path, engine_kit), engine_kit)
    [note] = result.notes
    assert INJECTION in note.message  # the candidate's line, whole, as the note quotes it

    plain = to_markdown_summary(dataclasses.replace(result, notes=()))
    text = to_markdown_summary(result)
    lines = text.splitlines()
    # Everything mlgrade wrote is unchanged; the note is one more list item, one code span.
    assert lines[: len(plain.splitlines())] == plain.splitlines()
    assert lines[-2:] == ["Removed while reading the submission:", lines[-1]]
    assert_literal_span(lines[-1], "- ", str(note))
    for line in lines:
        _, outside = code_spans(line)
        for markup in ("<img", "**TOTAL", "](https://", "<", "["):
            assert markup not in outside, line
    assert unescaped_pipes(code_spans(lines[-1])[1]) == 0
    assert text.count("**Total**") == 1 and "| **Total** | **6 / 6 (100.0%)** |" in lines


def test_a_hostile_submission_name_is_one_heading_line_in_the_github_summary(
    grade_engine_case,
):
    name = "``x` | y\n\n| fake | table |\n<script>alert(1)</script> **bold** `"
    result = dataclasses.replace(grade_engine_case("half"), submission=name)
    lines = to_markdown_summary(result).splitlines()
    assert lines[0].startswith("## mlgrade: ") and lines[0].endswith(": 5 / 6 (83.3%)")
    assert_literal_span(lines[0][: -len(": 5 / 6 (83.3%)")], "## mlgrade: ", name)
    assert lines[1] == "" and lines[2].startswith("| Exercise |")
    assert [line for line in lines if "fake" in line or "<script" in line] == [lines[0]]


def _summary_of(text: str) -> list[str]:
    """The summary of a result whose submission, one exercise id and one note are `text`."""
    exercise = ExerciseResult(
        id=text,
        title="Title",
        area="python",
        status=ExerciseStatus.GRADED,
        score=1,
        max_score=2,
        suite="hidden",
    )
    result = GradeResult(
        submission=text,
        score=1,
        max_score=2,
        exercises=(exercise,),
        notes=(ReadingNote(text),),
    )
    return to_markdown_summary(result).splitlines()


@given(st.text())
def test_any_text_reads_back_literally_from_one_line_of_the_github_summary(text):
    heading, *lines, note = _summary_of(text)
    row = lines.pop(3)
    # The text adds no line and changes none of mlgrade's own.
    assert lines == [
        "",
        "| Exercise | Status | Score |",
        "| --- | --- | ---: |",
        "",
        "| Skill area | Score |",
        "| --- | ---: |",
        "| **Total** | **1 / 2 (50.0%)** |",
        "",
        "Removed while reading the submission:",
    ]
    assert heading.startswith("## mlgrade: ") and heading.endswith(": 1 / 2 (50.0%)")
    assert note.startswith("- ")
    # In a table row `|` is escaped even inside the code span, and the row keeps its cells.
    assert unescaped_pipes(row) == 4 and row.endswith(" Title | graded | 1 / 2 |")
    if not one_line(text):
        return  # nothing to show
    assert_literal_span(heading[: -len(": 1 / 2 (50.0%)")], "## mlgrade: ", text)
    assert_literal_span(note, "- ", text)
    assert_literal_span(row.replace("\\|", "|"), "|  Title | graded | 1 / 2 |", text)


# An error whose message holds a lone surrogate, a CDATA end, an escape sequence and a tag.
SURROGATE_ANSWER = """
def add(a, b):
    raise ValueError("bad \\ud800 lone surrogate ]]> \\x1b[31m <x>")


def mean(values):
    return sum(values) / len(values)
"""


def test_a_lone_surrogate_in_a_message_still_gives_every_report(tmp_path):
    answer = tmp_path / "surrogate"
    answer.mkdir()
    (answer / "adder.py").write_text(SURROGATE_ANSWER, encoding="utf-8")
    out = tmp_path / "out"
    args = ["grade", str(answer), "--kit", KIT, "--json", str(out / "r.json")]
    args += ["--junit", str(out / "r.xml"), "--html", str(out / "r.html")]

    result = CliRunner().invoke(cli, args)

    assert result.exit_code in (0, 1), result.output
    data = json.loads((out / "r.json").read_text(encoding="utf-8"))
    messages = [t["message"] for e in data["exercises"] for t in e["tests"]]
    assert any("bad \ufffd lone surrogate" in m for m in messages), messages
    ET.parse(out / "r.xml")
    assert "bad \ufffd lone surrogate" in (out / "r.html").read_text(encoding="utf-8")


def test_a_lone_surrogate_in_one_submission_leaves_the_rest_of_a_batch_graded(engine_kit, tmp_path):
    submissions = tmp_path / "subs"
    (submissions / "a_surrogate").mkdir(parents=True)
    (submissions / "a_surrogate" / "adder.py").write_text(SURROGATE_ANSWER, encoding="utf-8")
    shutil.copytree(ENGINE_SUBMISSIONS / "correct", submissions / "b_victim")

    batch = grade_batch(submissions, tmp_path / "out", engine_kit, jobs=1)

    with batch.csv_path.open(newline="") as handle:
        rows = {row[0]: row for row in csv.reader(handle)}
    assert rows["b_victim"][-2] == "graded"
    assert json.loads((tmp_path / "out" / "b_victim.json").read_text())["score"] == 6
    assert (tmp_path / "out" / "a_surrogate.json").stat().st_size > 0


def test_a_file_name_no_encoding_holds_is_written_escaped(tmp_path):
    from grader.results import to_json

    result = GradeResult(submission="name-\udcff-\ud800", score=0, max_score=0, exercises=())
    text = to_json(result)
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8", errors=UNWRITABLE)
    assert json.loads(path.read_text(encoding="utf-8"))["submission"] == "name-\udcff-\ud800"


def test_control_characters_reach_no_page_or_cell_raw(engine_kit, tmp_path):
    """Escapes in the candidate's messages and output, and in a folder's name (a bell, a
    right-to-left override that would show one name as another), are written as
    escapes in the HTML report, summary.html and grades.csv."""
    report = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["grade", str(HOSTILE), "--kit", KIT, "--html", str(report)])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert not any(_hidden_by_html(c) for c in page)
    assert "\\x1b[2J" in page

    submissions = tmp_path / "subs"
    submissions.mkdir()
    names = ["bell\x07name", "alice\u202efdp.exe"]
    for name in names:
        shutil.copytree(HOSTILE, submissions / name)
    batch = grade_batch(submissions, tmp_path / "out", engine_kit, jobs=2)
    summary = batch.summary_path.read_text(encoding="utf-8")
    gradebook = batch.csv_path.read_text(encoding="utf-8")
    for text in (summary, gradebook):
        assert not any(_hidden_by_html(c) for c in text)
        assert "bell\\x07name" in text and "alice\\u202efdp.exe" in text
    for name in names:  # each candidate's own page, named after the folder
        page = next((tmp_path / "out").glob(f"{name[:4]}*.html")).read_text(encoding="utf-8")
        assert not any(_hidden_by_html(c) for c in page)
