"""Candidate-controlled text in the interviewer's outputs: the terminal, grades.csv and
summary.html never let a submission draw, compute or link anything."""

from __future__ import annotations

import csv
import shutil

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from grader.batch.gradebook import spreadsheet_safe
from grader.batch.pool import grade_batch
from grader.cli import cli
from grader.report.terminal_text import terminal_safe
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
    assert safe in (cell, "'" + cell)


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
