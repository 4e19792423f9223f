"""Whole gradings of candidates who try to leave their process: each attack is in
tests/fixtures/submissions/escapers, graded in strict mode, and its outcome asserted.

Strict mode needs root on Linux (CI runs as root); the honesty tests at the end grade
as an ordinary user, where some protections are off and every output must say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.batch.pool import grade_batch
from grader.catalogue import load_kit
from grader.grading import grade, require_full_isolation
from grader.workspace import load_submission
from tests.conftest import FIXTURES

ESCAPERS = FIXTURES / "submissions" / "escapers"
KIT = load_kit(FIXTURES / "kit")
ROOT = Path(__file__).resolve().parents[2]

strict = pytest.mark.skipif(
    os.geteuid() != 0 or not sys.platform.startswith("linux"),
    reason="strict isolation needs root on Linux (CI runs as root)",
)


def _grade(name: str):
    require_full_isolation()
    result = grade(load_submission(ESCAPERS / name, KIT), KIT)
    assert result.sandbox["missing"] == "" and result.sandbox["isolation"] == "full"
    return result, result.exercise("adder")


def _tests(exercise):
    return {t.name: t for t in exercise.tests}


def _processes_with(marker: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in text:
            found.append(f"{cmdline.parent.name}: {text}")
    return found


@strict
def test_stopping_the_grader_stops_nothing_but_itself():
    started = time.monotonic()
    result, exercise = _grade("freeze_grader")
    assert time.monotonic() - started < 60
    assert exercise.score == exercise.max_score  # the grader went on; the answer is right
    assert len(json.loads(json.dumps(result.exercises[0].tests, default=str))) == 4


@strict
def test_no_process_of_the_candidate_survives_grading():
    _, exercise = _grade("survivor")
    assert exercise.score == exercise.max_score
    time.sleep(0.3)
    assert _processes_with("7310735") == []


@strict
def test_every_way_out_of_the_run_folder_is_refused():
    _, exercise = _grade("breakout")
    message = _tests(exercise)["test_add_small"].message
    assert "worked: nothing" in message, message


@strict
def test_the_kit_the_repository_and_the_grader_are_invisible():
    _, exercise = _grade("snooper")
    message = _tests(exercise)["test_add_small"].message
    seen = message.partition("seen: ")[2].split(",")
    assert not [s for s in seen if s.startswith(("env:", "pid:", "found:"))], message


@strict
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_poisoner_graded_first_changes_nobody_elses_grade(tmp_path, jobs):
    alone = grade(load_submission(ESCAPERS / "victim", KIT), KIT).exercise("adder")
    batch = tmp_path / "batch"
    batch.mkdir()
    # Sorted by name: the poisoner is graded before its victims.
    shutil.copytree(ESCAPERS / "poisoner", batch / "a-poisoner")
    for name in ("b-victim", "c-victim", "d-victim"):
        shutil.copytree(ESCAPERS / "victim", batch / name)
    require_full_isolation()
    outcome = grade_batch(batch, tmp_path / "out", kit=KIT, jobs=jobs)
    rows = {row.candidate: row for row in outcome.rows}
    for name in ("b-victim", "c-victim", "d-victim"):
        graded = rows[name].result.exercise("adder")
        assert graded.score == alone.score == alone.max_score, name
        assert [t.status for t in graded.tests] == [t.status for t in alone.tests]
    time.sleep(0.3)
    assert _processes_with("mlgrade-poisoner") == []


# ---------------------------------------------------------------------------- honesty

UNPRIVILEGED = 65534


def _as_unprivileged(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run mlgrade as an ordinary user. It keeps only the right to read files everywhere,
    so that it can reach an interpreter installed under root's home folder."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to become an ordinary user")
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(tmp_path, 0o777)
    os.chmod(home, 0o777)
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MLGRADE_SERVER": "0",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        setpriv,
        f"--reuid={UNPRIVILEGED}",
        f"--regid={UNPRIVILEGED}",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
        sys.executable,
        "-m",
        "grader",
        *args,
    ]
    return subprocess.run(command, cwd=home, env=env, capture_output=True, text=True, timeout=300)


def test_without_root_every_output_names_the_protections_that_are_off(tmp_path):
    out = tmp_path / "out"
    done = _as_unprivileged(
        tmp_path,
        "grade",
        str(FIXTURES / "submissions" / "engine" / "correct"),
        "--kit",
        str(KIT.root),
        "--json",
        str(out / "result.json"),
        "--html",
        str(out / "report.html"),
    )
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "result.json").read_text())
    missing = result["sandbox"]["missing"]
    assert "own cgroup" in missing and result["sandbox"]["isolation"] == "partial"
    assert f"ran without: {missing}" in done.stdout
    assert "Isolation was partial" in (out / "report.html").read_text()
    assert result["score"] == result["max_score"]
    # Nothing was written next to the kit or in the working folder.
    assert not list(KIT.root.rglob(".hypothesis"))
    assert sorted(p.name for p in (tmp_path / "home").iterdir() if p.name != ".cache") == []


def test_strict_isolation_refuses_in_one_line_where_a_protection_is_missing(tmp_path):
    done = _as_unprivileged(
        tmp_path,
        "grade",
        str(FIXTURES / "submissions" / "engine" / "correct"),
        "--kit",
        str(KIT.root),
        "--isolation",
        "strict",
        "--json",
        str(tmp_path / "result.json"),
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--isolation strict" in lines[0] and "cgroup" in lines[0]
    assert not (tmp_path / "result.json").exists()


@strict
def test_the_run_folder_is_a_size_limited_tmpfs():
    _, exercise = _grade("filler")
    message = _tests(exercise)["test_add_small"].message
    written = int(message.partition("stopped at ")[2].partition(" MB")[0])
    assert "ENOSPC" in message and written <= 256, message
