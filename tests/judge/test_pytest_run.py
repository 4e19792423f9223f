"""pytest in the grading child: a configuration prepared ahead runs a suite exactly as
a fresh one does."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from grader.judge import pytest_run

SUITE = textwrap.dedent(
    """
    from hypothesis import given, settings, strategies as st

    def test_passes():
        assert 1 + 1 == 2

    def test_fails():
        assert [1, 2] == [1, 3]

    @settings(max_examples=5)
    @given(st.integers())
    def test_property(n):
        assert n == n
    """
)


class Recorder:
    """Outcomes, markers and the configuration of one run."""

    def __init__(self) -> None:
        self.outcomes: list[tuple[str, str, str]] = []
        self.markers: dict[str, set[str]] = {}
        self.config: pytest.Config | None = None
        self.plugins: set[str] = set()

    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config
        self.plugins = {name for name, p in config.pluginmanager.list_name_plugin() if p}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.markers = {item.name: {m.name for m in item.iter_markers()} for item in items}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.outcomes.append((report.nodeid, report.when, report.outcome))


def run(tmp_path: Path, name: str) -> Recorder:
    suite = tmp_path / name
    suite.mkdir()
    (suite / "test_sample.py").write_text(SUITE, encoding="utf-8")
    (suite / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    args = [
        *pytest_run.plugin_arguments(),
        str(suite),
        "-c",
        str(suite / "pytest.ini"),
        "--rootdir",
        str(suite),
        "--basetemp",
        str(tmp_path / f"{name}-tmp"),
        "--import-mode=importlib",
        "-q",
    ]
    recorder = Recorder()
    pytest_run.run_pytest(args, [recorder])
    return recorder


def test_a_prepared_configuration_runs_a_suite_as_a_fresh_one_does(tmp_path):
    fresh = run(tmp_path, "fresh")
    pytest_run.prepare()
    prepared_config = pytest_run._prepared[-1]
    prepared = run(tmp_path, "prepared")

    assert prepared.config is prepared_config  # used, and only once
    assert not pytest_run._prepared
    assert prepared.config.invocation_params.dir == Path.cwd()
    assert str(tmp_path / "prepared") in prepared.config.invocation_params.args

    def relative(outcomes: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        return [(nodeid.split("::")[-1], when, outcome) for nodeid, when, outcome in outcomes]

    assert relative(prepared.outcomes) == relative(fresh.outcomes)
    assert ("test_fails", "call", "failed") in relative(prepared.outcomes)
    for recorder in (fresh, prepared):
        # Hypothesis' plugin is on without `-p`; the plugins we turn off stay off.
        assert "hypothesis" in recorder.markers["test_property"]
        assert "_hypothesis_pytestplugin" in recorder.plugins
        assert not {"cacheprovider", "doctest", "junitxml"} & recorder.plugins


def test_a_rehearsal_runs_a_session_and_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stdout = os.fstat(1)
    modules = set(sys.modules)

    assert pytest_run.rehearse()

    assert list(tmp_path.iterdir()) == []
    assert set(sys.modules) <= modules
    after = os.fstat(1)
    assert (after.st_dev, after.st_ino) == (stdout.st_dev, stdout.st_ino)
    # A suite run after it goes as ever.
    assert ("test_fails", "call", "failed") in [
        (nodeid.split("::")[-1], when, outcome)
        for nodeid, when, outcome in run(tmp_path, "after").outcomes
    ]


def test_a_rehearsal_that_cannot_run_only_costs_the_speed_up(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    modules = set(sys.modules)
    assert pytest_run.rehearse() is False
    assert set(sys.modules) <= modules


def test_a_process_without_stdout_still_loads_the_module_and_rehearses_safely():
    # A server started without a terminal may have no stdout at all.
    code = (
        "import os, sys\n"
        "os.close(1)\n"
        "import grader.judge.pytest_run as run\n"
        "sys.stderr.write(f'rehearsed={run.rehearse()}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("rehearsed=")
