"""The interviewer's commands: one-line usage errors, files only where asked, -q, empty
submissions, and candidate text made safe for the terminal."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from grader.cli import cli
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES

KIT = str(FIXTURES / "kit")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["grade-batch", "subs", "--out", "o", "--jobs", "0"], "--jobs"),
        (["grade", "sub", "--min-score", "abc"], "--min-score"),
        (["grade", "sub", "--min-score", "101"], "--min-score"),
        (["grade", "sub", "--format", "csv"], "--format"),
        (["grade"], "SUBMISSION"),
        (["no-such-command"], "no-such-command"),
        (["ci", "init", "gitlab"], "gitlab"),
    ],
)
def test_every_usage_error_is_one_line_with_exit_2(args, named):
    result = invoke(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("mlgrade: error: ") and named in lines[0]


def test_the_top_level_help_shows_each_command_s_whole_first_line():
    result = CliRunner().invoke(cli, ["--help"], terminal_width=80)
    listing = " ".join(result.output.split())
    for name, command in cli.commands.items():
        first_line = command.help.strip().splitlines()[0]
        assert f"{name} {first_line}" in listing, name


def test_grade_writes_no_file_unless_asked_and_leaves_the_folder_clean(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("grade", str(ENGINE_SUBMISSIONS / "half"), "--kit", KIT)
    assert result.exit_code == 0, result.output
    assert "TOTAL" in result.output and "5 / 6" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_grade_json_and_html_options_say_what_they_write():
    result = invoke("grade", "--help")
    text = " ".join(result.output.split())
    assert "--json FILE Write the result as JSON here" in text
    assert "--html FILE Write the HTML report here" in text


def test_quiet_prints_only_the_totals(tmp_path):
    result = invoke("grade", str(ENGINE_SUBMISSIONS / "half"), "--kit", KIT, "-q")
    assert result.exit_code == 0, result.output
    assert "TOTAL" in result.output
    assert "adder" not in result.output and "test_mean_empty_raises" not in result.output
    loud = invoke("grade", str(ENGINE_SUBMISSIONS / "half"), "--kit", KIT)
    assert "adder" in loud.output


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_a_submission_without_any_exercise_file_is_a_usage_error(tmp_path, kind):
    empty = tmp_path / "sub"
    empty.mkdir()
    (empty / "notes.txt").write_text("nothing here\n")
    target = empty
    if kind == "zip":
        target = tmp_path / "sub.zip"
        shutil.make_archive(str(tmp_path / "sub"), "zip", empty)
    result = invoke("grade", str(target), "--kit", KIT, "--json", str(tmp_path / "r.json"))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no exercise file" in lines[0] and "adder.py" in lines[0]
    assert not (tmp_path / "r.json").exists()


def test_exercise_ids_are_given_the_same_way_to_every_command(tmp_path):
    workspace = tmp_path / "ws"
    started = invoke("start", "-e", "adder", "--dir", str(workspace), "--kit", KIT)
    assert started.exit_code == 0, started.output
    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", workspace / "adder.py")
    ran = invoke("run", "--exercises", "adder", "--dir", str(workspace), "--kit", KIT)
    assert ran.exit_code == 0 and "5 / 6" in ran.output
    graded = invoke("grade", str(workspace), "-e", "adder", "--kit", KIT, "-q")
    assert graded.exit_code == 0 and "TOTAL" in graded.output
    unknown = invoke("run", "--exercises", "nope", "--dir", str(workspace), "--kit", KIT)
    assert unknown.exit_code == 2 and "nope" in unknown.output


def test_run_leaves_nothing_in_the_current_folder(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    invoke("start", "--dir", str(workspace), "--kit", KIT)
    shutil.copy(ENGINE_SUBMISSIONS / "half" / "adder.py", workspace / "adder.py")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = invoke("run", "--dir", str(workspace), "--kit", KIT, "--no-server")
    assert result.exit_code == 0, result.output
    assert list(here.iterdir()) == []  # no .hypothesis/, no report: only ws/feedback.html
    assert (workspace / "feedback.html").is_file()


def test_a_group_without_a_command_shows_its_help_not_an_error():
    for args in ([], ["ci"]):
        result = CliRunner().invoke(cli, args)
        assert result.output.startswith("Usage: "), result.output
        assert "Commands:" in result.output and "mlgrade: error" not in result.output


def test_a_kit_found_inside_the_submissions_folder_is_refused(tmp_path, monkeypatch):
    # A candidate's folder named `exercises`, holding a suite that passes anything, would
    # otherwise be ./exercises, the kit every submission of the batch is graded with.
    submissions = tmp_path / "submissions"
    shutil.copytree(FIXTURES / "kit", submissions / "exercises")
    shutil.copytree(ENGINE_SUBMISSIONS / "wrong_add", submissions / "bob")
    monkeypatch.chdir(submissions)
    monkeypatch.delenv("MLGRADE_KIT", raising=False)
    runner = CliRunner()

    batch = runner.invoke(cli, ["grade-batch", ".", "--out", str(tmp_path / "out")])
    single = runner.invoke(cli, ["grade", "."])

    for result in (batch, single):
        assert result.exit_code == 2, result.output
        assert "inside" in result.output and "pass --kit" in result.output
        assert len(result.output.strip().splitlines()) == 1
    named = runner.invoke(
        cli, ["grade", "bob", "--kit", str(FIXTURES / "kit")], catch_exceptions=False
    )
    assert named.exit_code in (0, 1) and "TOTAL" in named.output
