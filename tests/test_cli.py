"""The command line: thin commands, one-line errors, exit codes, reports always written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES, ROOT

KIT = str(FIXTURES / "kit")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_list_shows_exercises():
    result = invoke("list", "--kit", KIT)
    assert result.exit_code == 0
    assert "adder" in result.output and "Q2" in result.output and "6" in result.output


def test_start_writes_a_workspace_without_hidden_suites(tmp_path):
    workspace = tmp_path / "ws"
    result = invoke("start", "--dir", str(workspace), "--kit", KIT)
    assert result.exit_code == 0, result.output
    names = sorted(str(p.relative_to(workspace)) for p in workspace.rglob("*") if p.is_file())
    assert names == ["README.md", "adder.py", "prompts/adder.md", "public_tests/test_adder.py"]
    assert "hidden" not in " ".join(names)
    (workspace / "adder.py").write_text("# mine\n")
    again = invoke("start", "--dir", str(workspace), "--kit", KIT)
    assert "kept your existing" in again.output
    assert (workspace / "adder.py").read_text() == "# mine\n"


def test_run_grades_the_workspace_and_writes_feedback(tmp_path):
    workspace = tmp_path / "ws"
    invoke("start", "--dir", str(workspace), "--kit", KIT)
    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", workspace / "adder.py")
    result = invoke("run", "--dir", str(workspace), "--kit", KIT)
    assert result.exit_code == 0, result.output
    assert "5 / 6" in result.output and "test_mean_empty_raises" in result.output
    assert (workspace / "feedback.html").is_file()


def test_grade_writes_json_and_html_and_exits_zero_whatever_the_score(tmp_path):
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    result = invoke(
        "grade",
        str(ENGINE_SUBMISSIONS / "syntax_error"),
        "--kit",
        KIT,
        "--json",
        str(out_json),
        "--html",
        str(out_html),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out_json.read_text())
    assert {
        "score",
        "max_score",
        "exercises",
        "integrity",
        "schema_version",
        "mlgrade_version",
    } <= set(data)
    exercise = data["exercises"][0]
    assert exercise["status"] == "import_error" and exercise["score"] == 0
    assert {
        "name",
        "status",
        "score",
        "max_score",
        "message",
        "duration_s",
        "counterexample",
    } <= set(exercise["tests"][0])
    assert out_html.read_text().startswith("<!DOCTYPE html>")


def test_missing_submission_is_a_one_line_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["grade", str(tmp_path / "nope"), "--kit", KIT])
    assert result.exit_code == 2
    assert result.output.strip().startswith("mlgrade: error: submission not found")
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_unknown_exercise_is_a_usage_error():
    result = CliRunner().invoke(
        cli, ["grade", str(ENGINE_SUBMISSIONS / "correct"), "--kit", KIT, "-e", "nosuch"]
    )
    assert result.exit_code == 2
    assert "unknown exercise 'nosuch'" in result.output


def test_grade_refuses_a_kit_without_hidden_suites(tmp_path):
    public = tmp_path / "kit"
    shutil.copytree(FIXTURES / "kit", public, ignore=shutil.ignore_patterns("hidden"))
    result = CliRunner().invoke(
        cli, ["grade", str(ENGINE_SUBMISSIONS / "correct"), "--kit", str(public)]
    )
    assert result.exit_code == 2
    assert "no hidden suites" in result.output


def test_run_with_only_the_public_kit_uses_public_tests_and_says_so(tmp_path):
    public = tmp_path / "kit"
    shutil.copytree(FIXTURES / "kit", public, ignore=shutil.ignore_patterns("hidden"))
    workspace = tmp_path / "ws"
    invoke("start", "--dir", str(workspace), "--kit", str(public))
    shutil.copy(ENGINE_SUBMISSIONS / "correct" / "adder.py", workspace / "adder.py")
    result = invoke("run", "--dir", str(workspace), "--kit", str(public))
    assert result.exit_code == 0, result.output
    assert "public tests only" in result.output and "1 / 1" in result.output
    assert "public tests only" in (workspace / "feedback.html").read_text()


# Hostile inputs (tests/fixtures/submissions/inputs); links are made here, never committed.
INPUTS = FIXTURES / "submissions" / "inputs"


def grade_into(tmp_path, submission, *extra: str):
    """`mlgrade grade` with its reports in tmp_path/out; the result and the report paths."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "grade",
            str(submission),
            "--json",
            str(out / "r.json"),
            "--html",
            str(out / "r.html"),
            *extra,
        ],
    )
    return result, out


def test_grade_refuses_an_artifact_linking_to_the_reference_solution(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "metrics.py").symlink_to(ROOT / "solutions" / "metrics.py")
    result, out = grade_into(tmp_path, folder, "--kit", str(ROOT / "exercises"), "-e", "metrics")
    assert result.exit_code == 2
    assert result.output == (
        f"mlgrade: error: {folder}/metrics.py is a symbolic link: submit the file itself\n"
    )
    assert not out.exists()  # nothing scored, nothing written


def test_run_refuses_a_linked_artifact_in_the_workspace(tmp_path):
    workspace = tmp_path / "ws"
    invoke("start", "--dir", str(workspace), "--kit", KIT)
    (workspace / "adder.py").unlink()
    (workspace / "adder.py").symlink_to(ENGINE_SUBMISSIONS / "correct" / "adder.py")
    result = CliRunner().invoke(cli, ["run", "--dir", str(workspace), "--kit", KIT])
    assert result.exit_code == 2
    assert "adder.py is a symbolic link: submit the file itself" in result.output
    assert not (workspace / "feedback.html").exists()


def test_grade_names_a_link_to_a_secret_and_shows_nothing_of_it(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET\n")
    for number, target in enumerate((Path("/etc/shadow"), secret)):
        folder = tmp_path / f"candidate-{number}"
        folder.mkdir()
        (folder / "adder.py").symlink_to(target)
        result, out = grade_into(tmp_path, folder, "--kit", KIT)
        assert result.exit_code == 2
        assert result.output == (
            f"mlgrade: error: {folder}/adder.py is a symbolic link: submit the file itself\n"
        )
        assert "TOPSECRET" not in result.output and not out.exists()


def test_grade_refuses_a_zip_with_a_link_entry_and_a_linked_notebook(tmp_path):
    result, _ = grade_into(tmp_path, INPUTS / "symlink_entry.zip", "--kit", KIT)
    assert result.exit_code == 2
    assert "archive entry workspace/adder.py is a symbolic link" in result.output
    notebook = tmp_path / "handout.ipynb"
    notebook.symlink_to(INPUTS / "deep_json.ipynb")
    result, _ = grade_into(tmp_path, notebook, "--kit", KIT)
    assert result.exit_code == 2
    assert result.output == (
        f"mlgrade: error: {notebook} is a symbolic link: submit the file itself\n"
    )


@pytest.mark.parametrize("name", ["deep_expression", "deep_cell.ipynb"])
def test_source_too_deep_for_the_parser_still_gets_a_report(tmp_path, name):
    result, out = grade_into(tmp_path, INPUTS / name, "--kit", KIT)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "r.json").read_text())
    assert data["exercises"][0]["status"] == "import_error"
    assert "too-deep" in {f["rule"] for f in data["integrity"]}
    assert "source too deeply nested to scan" in (out / "r.html").read_text()


def test_notebook_json_nested_too_deep_is_graded(tmp_path):
    result, out = grade_into(tmp_path, INPUTS / "deep_json.ipynb", "--kit", KIT)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "r.json").read_text())["score"] == 6


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """`mlgrade list | head -0`: no internal error, no traceback, when stdout is closed."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "grader", "list", "--kit", str(ROOT / "exercises")],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert b"internal error" not in done.stderr and b"Traceback" not in done.stderr


def _fill_handout(folder: Path) -> Path:
    """`mlgrade start --notebook` into folder, its answer cell filled with a correct adder."""
    import nbformat

    assert invoke("start", "--notebook", "--dir", str(folder), "--kit", KIT).exit_code == 0
    [handout] = folder.glob("*.ipynb")
    notebook = nbformat.read(handout, as_version=4)
    [answer] = [c for c in notebook.cells if c.metadata.get("mlgrade")]
    answer.source = (ENGINE_SUBMISSIONS / "correct" / "adder.py").read_text(encoding="utf-8")
    nbformat.write(notebook, handout)
    return handout


def test_run_grades_the_notebook_handout_found_in_the_folder_or_named(tmp_path):
    handout = _fill_handout(tmp_path / "nb")
    result = invoke("run", "--dir", str(tmp_path / "nb"), "--kit", KIT)
    assert result.exit_code == 0, result.output
    assert "6 / 6" in result.output
    assert (tmp_path / "nb" / "feedback.html").is_file()
    (tmp_path / "nb" / "feedback.html").unlink()
    named = invoke("run", "--dir", str(handout), "--kit", KIT)
    assert named.exit_code == 0, named.output
    assert "6 / 6" in named.output and (tmp_path / "nb" / "feedback.html").is_file()


def test_run_help_says_it_grades_a_notebook_handout():
    text = " ".join(invoke("run", "--help").output.split())
    assert "notebook handout" in text and ".ipynb" in text


def test_run_in_a_folder_without_exercise_files_or_notebook_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--dir", str(tmp_path), "--kit", KIT])
    assert result.exit_code == 2
    assert result.output == (
        f"mlgrade: error: no exercise files or notebook in {tmp_path}: run `mlgrade start` first\n"
    )


def test_ipython_lines_removed_from_a_notebook_are_reported_in_every_output(tmp_path):
    import nbformat

    handout = _fill_handout(tmp_path / "nb")
    notebook = nbformat.read(handout, as_version=4)
    [index] = [i for i, c in enumerate(notebook.cells) if c.metadata.get("mlgrade")]
    notebook.cells[index].source = (
        "%load_ext autoreload\n!pip list\n" + notebook.cells[index].source
    )
    nbformat.write(notebook, handout)
    result, out = grade_into(tmp_path, handout, "--kit", KIT)
    assert result.exit_code == 0, result.output
    cell = index + 1
    assert f"cell {cell}, line 1: removed IPython magic `%load_ext autoreload`" in result.output
    assert f"cell {cell}, line 2: removed IPython shell command `!pip list`" in result.output
    assert json.loads((out / "r.json").read_text())["notes"] == [
        {"message": "removed IPython magic `%load_ext autoreload`", "cell": cell, "line": 1},
        {"message": "removed IPython shell command `!pip list`", "cell": cell, "line": 2},
    ]
    html = (out / "r.html").read_text()
    assert f"cell {cell}, line 2</td><td>removed IPython shell command `!pip list`" in html


def test_run_watch_prints_the_table_first_then_hands_over_what_it_showed(tmp_path, monkeypatch):
    import grader.watch

    seen = {}
    stamped = {}

    def stop_at_once(directory, exercises, regrade, report, *, stop, graded, stamps):
        seen.update(graded)
        stamped.update(stamps)
        raise KeyboardInterrupt

    monkeypatch.setattr(grader.watch, "watch", stop_at_once)
    workspace = tmp_path / "ws"
    invoke("start", "--dir", str(workspace), "--kit", KIT)
    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", workspace / "adder.py")
    result = invoke("run", "--watch", "--dir", str(workspace), "--kit", KIT)
    assert result.exit_code == 0, result.output
    assert "FAILED" in result.output and "TOTAL" in result.output
    assert "now passing" not in result.output and result.output.endswith("stopped\n")
    assert seen["adder"].score == 5
    # The file as it was before that first grading: a save made during it is graded next.
    assert stamped["adder"] is not None
