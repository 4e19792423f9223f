"""The warm server behind `mlgrade run`: same grades, same errors, and it goes away."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import server
from grader.cli import cli
from grader.errors import KitError
from grader.grading import grade
from grader.results import to_json, without_durations
from grader.workspace import load_submission
from tests.conftest import ENGINE_SUBMISSIONS, ROOT

START_SECONDS = 90.0


@pytest.fixture
def runtime(monkeypatch):
    """A private runtime folder (short: socket paths are limited to ~100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="mlg-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    monkeypatch.setenv(server.SWITCH_ENV, "1")
    monkeypatch.delenv("CI", raising=False)
    yield folder
    for lock in folder.glob("mlgrade/server-*.lock"):
        _stop(lock)
    shutil.rmtree(folder, ignore_errors=True)


def _stop(lock: Path) -> None:
    text = lock.read_text().strip()
    if text.isdigit():
        try:
            os.kill(int(text), signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _alive(int(text)):
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    """Whether a process still runs; a server this test process started itself (`mlgrade
    run` through CliRunner) stays a zombie until reaped here."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: kill(pid, 0) said enough
        return True
    return reaped == 0


def _start(kit: Path | None, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-P", "-m", "grader.server", *extra]
    if kit is not None:
        command += ["--kit", str(kit)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, cwd="/", env=env)


def _request(kit: Path, workspace: Path, ids: tuple[str, ...] = ("adder",)) -> server.Request:
    return server.Request(
        cwd=os.getcwd(),
        directory=str(workspace),
        kit=str(kit),
        ids=ids,
        suite="hidden",
        jobs=1,
    )


def _comparable(result) -> dict:
    return without_durations(json.loads(to_json(result)))


def _wait_for_answer(request: server.Request):
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        result = server.request_grade(request)
        if result is not None:
            return result
        time.sleep(0.2)
    pytest.fail("the server never answered")


def test_a_server_grades_exactly_as_the_process_would(runtime, engine_kit):
    process = _start(engine_kit.root, "--idle", "60")
    workspace = ENGINE_SUBMISSIONS / "half"
    served = _wait_for_answer(_request(engine_kit.root, workspace))
    local = grade(load_submission(workspace, engine_kit), engine_kit, ["adder"], jobs=1)
    assert _comparable(served) == _comparable(local)
    assert 0 < served.score < served.max_score
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    assert not list(runtime.glob("mlgrade/server-*.sock"))


def test_a_request_error_is_the_library_error(runtime, engine_kit):
    process = _start(None, "--idle", "60")
    try:
        _wait_for_answer(_request(engine_kit.root, ENGINE_SUBMISSIONS / "correct"))
        with pytest.raises(KitError, match="unknown exercise 'nope'"):
            server.request_grade(
                _request(engine_kit.root, ENGINE_SUBMISSIONS / "correct", ("nope",))
            )
    finally:
        process.terminate()
        process.wait(30)


def test_without_a_server_the_command_grades_itself(runtime, engine_kit):
    assert server.request_grade(_request(engine_kit.root, ENGINE_SUBMISSIONS / "correct")) is None
    # A socket file nobody listens on (a server that was killed) is not an answer either.
    socket_path, _ = server._paths()
    socket_path.touch()
    started = time.monotonic()
    assert server.request_grade(_request(engine_kit.root, ENGINE_SUBMISSIONS / "correct")) is None
    assert time.monotonic() - started < 5


def test_an_idle_server_exits_and_a_second_one_steps_aside(runtime):
    first = _start(None, "--idle", "5")
    socket_path, _ = server._paths()
    deadline = time.monotonic() + START_SECONDS
    while not socket_path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    second = _start(None, "--idle", "60")
    assert second.wait(30) == 0  # the first holds the lock: nothing to do
    assert first.poll() is None
    assert first.wait(30) == 0
    assert not socket_path.exists()


def test_run_leaves_a_server_that_answers_the_next_run(runtime, engine_kit, tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    shutil.copytree(ENGINE_SUBMISSIONS / "half", workspace)
    args = ["run", "--dir", str(workspace), "--kit", str(engine_kit.root)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    _wait_for_answer(_request(engine_kit.root, workspace))

    def no_local_grading(*_args, **_kwargs):
        raise AssertionError("graded in the command, not by the server")

    monkeypatch.setattr("grader.cli.candidate.grade_submission", no_local_grading)
    second = CliRunner().invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert second.output == first.output
    assert "feedback:" in second.output


def test_no_server_flag_grades_in_the_command(runtime, engine_kit, tmp_path):
    workspace = tmp_path / "ws"
    shutil.copytree(ENGINE_SUBMISSIONS / "correct", workspace)
    args = ["run", "--dir", str(workspace), "--kit", str(engine_kit.root), "--no-server"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    time.sleep(1)
    assert not list(runtime.glob("mlgrade/server-*"))


@pytest.mark.parametrize("ending", ["idle", "sigterm"])
def test_the_lock_file_goes_with_the_server(runtime, ending):
    process = _start(None, "--idle", "4" if ending == "idle" else "60")
    socket_path, _ = server._paths()
    lock = socket_path.with_suffix(".lock")
    deadline = time.monotonic() + START_SECONDS
    while not socket_path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert lock.read_text().strip() == str(process.pid)
    if ending == "sigterm":
        process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    # Nothing left whose pid a later `kill $(cat ...lock)` could send to another process.
    assert not lock.exists()
