"""pytest in the judge's process: its command line, and a plugin manager the fork server
prepares once so that each child starts at parsing its own arguments."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import _pytest.config
import pytest

from grader.job import JudgeJob

NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
# Registered by module rather than with `-p`, which would search every installed
# distribution's entry points for it in each child.
PYTEST_PLUGINS = ("_hypothesis_pytestplugin",)
# unraisableexception/threadexception run five full garbage collections over the
# whole (large, preloaded) heap at exit: a second per child for nothing we report.
DISABLED_PLUGINS = (
    "cacheprovider",
    "stepwise",
    "pastebin",
    "junitxml",
    "doctest",
    "unraisableexception",
    "threadexception",
)


def plugin_arguments() -> list[str]:
    """The `-p no:` options every run shares: pytest's plugins we turn off."""
    return [arg for plugin in DISABLED_PLUGINS for arg in ("-p", f"no:{plugin}")]


def _own_plugins() -> list[Any]:
    return [importlib.import_module(name) for name in PYTEST_PLUGINS]


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """stdout and stderr to /dev/null at the descriptor level, then back."""
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # one of them is closed: nothing to keep quiet
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


# pytest imports its built-in plugins at every session start, its debugging plugin
# imports pdb when configured, and its capture plugin readline: do it once, here.
for _plugin in _pytest.config.default_plugins:
    importlib.import_module(f"_pytest.{_plugin}")
_own_plugins()
importlib.import_module("pdb")
# Silenced: on a terminal, readline may write a control sequence to it as it loads.
with _silenced(), contextlib.suppress(ImportError):
    importlib.import_module("readline")


def pytest_arguments(job: JudgeJob) -> list[str]:
    """Command line for the suite: our own ini, no plugin autoloading, no cache."""
    ini = job.run_dir / "pytest.ini"
    ini.write_text("[pytest]\npython_files = test_*.py\n", encoding="utf-8")
    args = [
        *plugin_arguments(),
        str(job.suite_dir),
        "-c",
        str(ini),
        "--rootdir",
        str(job.suite_dir),
        "--import-mode=importlib",
        "-q",
        "--tb=no",
        "--no-header",
        "--basetemp",
        # Inside the candidate's run folder: the tests' files must reach its process.
        str((job.shared_dir or job.run_dir) / "tmp"),
        "-W",
        "ignore::DeprecationWarning",
    ]
    if job.collect_only:
        args.append("--collect-only")
    if job.fail_fast:
        args.append("--exitfirst")
    return args


# What pytest.main builds first in every run, before it reads any argument but the
# `-p no:` ones: a plugin manager with the built-in plugins registered (~9 ms in a
# child). Made here, once per process; a forked child gets its own copy.
_prepared: list[pytest.Config] = []


def prepare() -> None:
    """Build the plugin manager and configuration the next run will start from."""
    # PYTEST_DEBUG would send the prepared manager's trace to this process's stderr.
    if not _prepared and not os.environ.get("PYTEST_DEBUG"):
        config = _pytest.config.get_config(plugin_arguments())
        for plugin in _own_plugins():
            config.pluginmanager.register(plugin)
        _prepared.append(config)


REHEARSAL_TEST = "def test_rehearsal():\n    assert [1, 2] == [1, 2]\n"


def rehearse() -> bool:
    """Run one tiny session here, so that children find pytest's lazy state built.

    A first session fills caches a forked child would otherwise fill, and copy the
    memory pages of, again (compiled patterns, hook call lists: ~3 ms per child).
    Nothing of it is left behind: its folder and its test module are removed. Call it
    before `prepare`, whose configuration the next run uses up.
    Returns whether the session ran and passed; a failure only costs the speed-up.
    """
    try:
        with tempfile.TemporaryDirectory(prefix="mlgrade-rehearsal-") as folder:
            try:
                return _rehearse_in(Path(folder))
            finally:
                for name, module in list(sys.modules.items()):
                    if str(getattr(module, "__file__", None) or "").startswith(folder + os.sep):
                        del sys.modules[name]
    except Exception:  # noqa: BLE001 - only a speed-up
        return False


def _rehearse_in(root: Path) -> bool:
    suite = root / "suite"
    suite.mkdir()
    (suite / "test_rehearsal.py").write_text(REHEARSAL_TEST, encoding="utf-8")
    job = JudgeJob(
        sub_dir=root,
        suite_dir=suite,
        run_dir=root,
        artifact="",
        module=None,
        forbidden_imports=(),
        memory_mb=0,
        cpu_seconds=0,
        collect_only=False,
        only=None,
        token="",
    )
    with _silenced():
        return run_pytest(pytest_arguments(job), []) == pytest.ExitCode.OK


def run_pytest(args: list[str], plugins: Sequence[Any]) -> int:
    """pytest.main, starting from the prepared configuration when there is one; its exit
    code."""
    build = _pytest.config.get_config
    prepared = _prepared.pop() if _prepared else None

    def get_config(given: Any = None, plugins: Any = None, *rest: Any, **options: Any) -> Any:
        # pytest.main's own first step, answered with the prepared copy: the same
        # plugins, the same `-p no:` exclusions, this run's invocation. `prog` only
        # names the program in usage messages; any other argument a newer pytest
        # passes gets a configuration built as that pytest intends.
        shared = plugin_arguments()
        fits = not rest and set(options) <= {"prog"}
        if prepared is None or not fits or list(given or ())[: len(shared)] != shared:
            config = build(given, plugins, *rest, **options)
            for plugin in _own_plugins():
                config.pluginmanager.register(plugin)
            return config
        prepared.invocation_params = pytest.Config.InvocationParams(
            args=tuple(given), plugins=plugins, dir=Path.cwd()
        )
        return prepared

    # Plugins load by name only: never whatever else is installed.
    autoload = os.environ.get(NO_AUTOLOAD)
    os.environ[NO_AUTOLOAD] = "1"
    _pytest.config.get_config = get_config
    try:
        return int(pytest.main(args, plugins=list(plugins)))
    finally:
        _pytest.config.get_config = build
        if autoload is None:
            del os.environ[NO_AUTOLOAD]
        else:
            os.environ[NO_AUTOLOAD] = autoload
