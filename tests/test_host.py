"""The host probe: on a platform without the Linux sandbox (simulated here by making the
probe say so), grading still works with isolation off, said in every output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import grader.grading
from grader import host
from grader.candidate.probe import machine_protections
from grader.cli import cli
from grader.grading import grade, grade_exercise
from grader.host import Host
from grader.report.render import render_html, terminal_summary
from grader.sandbox.cgroups import Cage, hierarchy
from grader.sandbox.processes import descendants
from grader.sandbox.runner import Sandbox
from grader.workspace import load_submission
from tests.conftest import ENGINE_SUBMISSIONS, FIXTURES

MACOS = Host(platform="darwin", linux=False, fork=True, sessions=True, resource_limits=True)
# What Windows offers: no fork (children are spawned), no sessions, no rlimits.
WINDOWS = Host(platform="win32", linux=False, fork=False, sessions=False, resource_limits=False)


@pytest.fixture
def pretend(monkeypatch):
    """Make the probe report another platform, with a fresh shared sandbox."""

    def use(offered: Host) -> None:
        monkeypatch.setattr(host, "current", lambda: offered)
        monkeypatch.setattr(grader.grading, "_sandbox", None)

    return use


def test_this_linux_host_offers_the_sandbox_and_fork():
    offered = host.current()
    assert offered.linux and offered.sandbox and offered.fork and offered.sessions
    assert offered.start_method == "forkserver" and offered.no_sandbox_reason() == ""


def test_without_linux_no_linux_facility_is_touched(pretend, tmp_path):
    pretend(MACOS)
    assert hierarchy() == ""
    assert Cage.create("probe-test", memory_mb=64, max_tasks=4) is None
    assert descendants(1) == []  # pid 1 has children here, but /proc is not read
    assert not any(machine_protections().values())
    assert "darwin" in MACOS.no_sandbox_reason()
    assert WINDOWS.start_method == "spawn" and MACOS.start_method == "forkserver"


@pytest.mark.parametrize("offered", [MACOS, WINDOWS], ids=["forkserver", "spawn"])
def test_grading_without_the_sandbox_gives_the_same_grades_with_isolation_off(
    pretend, offered, engine_kit
):
    pretend(offered)
    sandbox = Sandbox(warm_engine=False)
    assert sandbox.start_method == offered.start_method
    results = {
        name: grade(
            load_submission(ENGINE_SUBMISSIONS / name, engine_kit), engine_kit, sandbox=sandbox
        )
        for name in ("correct", "half")
    }
    assert [r.score for r in results.values()] == [6, 5]
    result = results["half"]
    assert result.sandbox["isolation"] == "off"
    assert result.sandbox["start_method"] == offered.start_method
    assert offered.platform in result.sandbox["reason"]
    assert f"isolation: off, this platform ({offered.platform})" in terminal_summary(result)
    assert "Isolation was off:" in render_html(result, engine_kit)
    # The children obeyed the parent's probe: no jail, no network namespace.
    submission = load_submission(ENGINE_SUBMISSIONS / "correct", engine_kit)
    _, isolation = grade_exercise(engine_kit.get("adder"), submission, "hidden", sandbox)
    assert isolation.network == "in-process" and not any(dict(isolation.protections).values())


def test_grade_writes_isolation_off_in_the_json_and_strict_refuses_in_one_line(pretend, tmp_path):
    pretend(MACOS)
    kit = str(FIXTURES / "kit")
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        cli,
        [
            "grade",
            str(ENGINE_SUBMISSIONS / "correct"),
            "--kit",
            kit,
            "--json",
            str(out),
            "--html",
            str(tmp_path / "r.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "isolation: off, this platform (darwin)" in result.output
    assert json.loads(out.read_text())["sandbox"]["isolation"] == "off"
    strict = CliRunner().invoke(
        cli, ["grade", str(ENGINE_SUBMISSIONS / "correct"), "--kit", kit, "--isolation", "strict"]
    )
    assert strict.exit_code != 0
    assert strict.output.count("\n") == 1
    assert strict.output.startswith(
        "mlgrade: error: --isolation strict: this platform (darwin) has no Linux sandbox"
    )


def test_no_warm_server_where_the_host_cannot_fork(pretend, monkeypatch):
    from grader import server

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(server.SWITCH_ENV, "1")
    pretend(MACOS)
    assert server.enabled()
    pretend(WINDOWS)
    assert not server.enabled()
