"""The grading child: confine the process, load the candidate's module, run one suite.

Importing this module pulls in the heavy, trusted libraries, so a warm parent that
imported it once can fork children that start at the test run itself.
"""

from __future__ import annotations

import builtins
import gc
import importlib
import os
import random
import re
import sys
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Any

# The test machinery, imported before any candidate code; the libraries each suite
# imports come on top (Sandbox.preload, and `import_trusted` in the child).
import hypothesis
import numpy
import numpy.testing  # noqa: F401
import pytest
from _pytest.config import default_plugins
from hypothesis import HealthCheck, Phase

from grader import guard
from grader.collector import Collector, cap, encode
from grader.confinement import (
    EXTRA_TASKS,
    adopt_orphans,
    apply_limits,
    drop_capabilities,
    isolate_network,
    protect_filesystem,
)
from grader.job import ChildJob
from grader.processes import enter_cage, kill_tree
from grader.userdirs import cache_root

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


class ForbiddenImport(ImportError):
    """A from-scratch exercise imported a library it may not use."""


def _called_from(path: str) -> int | None:
    """Line in `path` on the current stack, if candidate code is calling."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back
    return None


def install_import_guard(forbidden: tuple[str, ...], candidate: Path) -> None:
    """Refuse forbidden libraries to candidate code, however it imports them."""
    if not forbidden:
        return
    path = str(candidate)
    original_import = builtins.__import__
    original_import_module = importlib.import_module

    def check(name: str) -> None:
        if name.partition(".")[0] in forbidden:
            line = _called_from(path)
            if line is not None:
                raise ForbiddenImport(
                    f"importing {name!r} is not allowed in this exercise "
                    f"({candidate.name}, line {line}): write it from scratch"
                )

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            check(name)
        return original_import(name, globals, locals, fromlist, level)

    def guarded_import_module(name, package=None):
        if not name.startswith("."):
            check(name)
        return original_import_module(name, package)

    builtins.__import__ = guarded_import
    importlib.import_module = guarded_import_module


def import_trusted(modules: tuple[str, ...]) -> None:
    """Import the suite's own dependencies while the import path holds no candidate file."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a suite-local module: pytest imports it later
            pass


def redirect_output(run_dir: Path) -> None:
    """Point stdin at /dev/null and stdout/stderr at a capped log file."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.open(run_dir / "output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(devnull)
    os.close(log)


def configure_hypothesis(*, shrink: bool = True) -> None:
    """Derandomized, no example database, no deadline: the same grade every time.

    Without `shrink` (mutation analysis needs a verdict, not a minimal example) a
    failing property stops at its first counterexample.
    """
    phases = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target)
    hypothesis.settings.register_profile(
        "mlgrade",
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        phases=phases + ((Phase.shrink,) if shrink else ()),
        report_multiple_bugs=shrink,
        suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large),
    )
    hypothesis.settings.load_profile("mlgrade")


def pytest_arguments(job: ChildJob) -> list[str]:
    """Command line for the suite: our own ini, no plugin autoloading, no cache."""
    ini = job.run_dir / "pytest.ini"
    ini.write_text("[pytest]\npython_files = test_*.py\n", encoding="utf-8")
    args = [
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
        str(job.run_dir / "tmp"),
        "-W",
        "ignore::DeprecationWarning",
    ]
    for plugin in PYTEST_PLUGINS:
        args += ["-p", plugin]
    for plugin in DISABLED_PLUGINS:
        args += ["-p", f"no:{plugin}"]
    if job.collect_only:
        args.append("--collect-only")
    if job.fail_fast:
        args.append("--exitfirst")
    return args


def import_candidate(job: ChildJob) -> str | None:
    """Import the candidate's module; the error a candidate can act on, or None."""
    if job.module is None:
        return None
    try:
        importlib.import_module(job.module)
    except BaseException as exc:  # noqa: BLE001 - any failure at import is the candidate's
        return describe_import_error(exc, job.candidate_file)
    return None


def describe_import_error(exc: BaseException, candidate: Path) -> str:
    """Name the candidate's line for an exception raised while importing their module."""
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename) == candidate:
        return f"{candidate.name}, line {exc.lineno}: {type(exc).__name__}: {exc.msg}\n    {(exc.text or '').strip()}"
    if isinstance(exc, SystemExit):
        return f"{candidate.name} called sys.exit({exc.code!r}) while being imported"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == candidate]
    where = f"{candidate.name}, line {frames[-1].lineno}: " if frames else ""
    code = f"\n    {frames[-1].line}" if frames and frames[-1].line else ""
    return cap(f"{where}{type(exc).__name__}: {exc}{code}", 1500)


HEX_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")


def stable_text(text: str, job: ChildJob) -> str:
    """Feedback without what differs between runs: temporary paths and object addresses."""
    text = text.replace(str(job.run_dir), "<tmp>").replace(str(job.suite_dir), "<suite>")
    return HEX_ADDRESS.sub("0x…", text)


def child_main(job: ChildJob, conn: Any) -> None:
    """Entry point of the forked child: never returns."""
    try:
        os.setsid()
    except OSError:
        pass
    redirect_output(job.run_dir)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(job.run_dir / "hypothesis")
    os.environ.pop("PYTEST_ADDOPTS", None)
    token = job.token

    def send(message: dict[str, Any]) -> None:
        stable = {k: stable_text(v, job) if isinstance(v, str) else v for k, v in message.items()}
        conn.send_bytes(encode(stable, token))

    adopt_orphans()
    processes = enter_cage(EXTRA_TASKS) if not job.collect_only else "trusted"
    network = isolate_network()
    filesystem = protect_filesystem(job.run_dir) if not job.collect_only else "trusted"
    send({"event": "sandbox", "network": network, "filesystem": filesystem, "processes": processes})
    scratch = job.run_dir / "scratch"
    scratch.mkdir(exist_ok=True)
    os.environ["TMPDIR"] = str(scratch)
    os.environ["HOME"] = str(job.run_dir)
    tempfile.tempdir = str(scratch)
    apply_limits(memory_mb=job.memory_mb, cpu_seconds=job.cpu_seconds)
    if not job.collect_only:
        drop_capabilities()
    import_trusted(job.trusted_imports)
    os.chdir(job.sub_dir)
    sys.path[:] = [str(job.sub_dir)] + [p for p in sys.path if p not in ("", ".", os.getcwd())]
    # Only the trusted collection run may leave bytecode behind (see sandbox.collect).
    sys.dont_write_bytecode = not job.collect_only
    install_import_guard(job.forbidden_imports, job.candidate_file)
    # Taken here, in the child, so our own import guard counts as the original.
    snapshot = guard.take_snapshot(job.trusted_imports)
    configure_hypothesis(shrink=not job.fail_fast)
    # Hypothesis would write each failing example as a source patch for the terminal,
    # importing libcst (~2 s) to do it; a missing module makes it skip that quietly.
    sys.modules["hypothesis.extra._patching"] = None
    random.seed(0)
    numpy.random.seed(0)

    if not job.collect_only:
        error = import_candidate(job)
        if error is None and (replaced := guard.changes(snapshot)):
            guard.restore(snapshot)
            error = (
                f"{job.artifact} replaced trusted code the tests rely on while being "
                f"imported: {', '.join(replaced)}"
            )
        if error is not None:
            send({"event": "import_error", "message": error})
            os._exit(0)

    collector = Collector(
        send,
        candidate=job.candidate_file if job.module else None,
        only=frozenset(job.only) if job.only is not None else None,
        collect_only=job.collect_only,
        check=lambda: guard.changes(snapshot),
        restore=lambda: guard.restore(snapshot),
    )
    try:
        pytest.main(pytest_arguments(job), plugins=[collector])
    except BaseException:  # noqa: BLE001 - the parent decides from what was sent
        pass
    # Orphans of candidate code were reparented to us (the subreaper): end them too.
    kill_tree(os.getpid(), include_root=False)
    os._exit(0)


# pytest imports its built-in plugins at every session start: do it once, here.
for _plugin in default_plugins:
    importlib.import_module(f"_pytest.{_plugin}")
importlib.import_module("_hypothesis_pytestplugin")


def warm_hypothesis_tables() -> None:
    """Build hypothesis' Unicode tables here, once, rather than in every child.

    Any text strategy needs them; built from scratch they cost a second per process,
    and a child's storage folder is thrown away with it. Hypothesis keeps them on disk
    in its storage folder, so point that at our cache while building.
    """
    from hypothesis import configuration
    from hypothesis.internal import charmap

    configuration.set_hypothesis_home_dir(cache_root() / f"hypothesis-{hypothesis.__version__}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            charmap.charmap()
            charmap.intervals_from_codec("utf-8")
    except Exception:  # noqa: BLE001 - internal API: without it, children build their own
        pass
    finally:
        # Children must use their own run folder (HYPOTHESIS_STORAGE_DIRECTORY).
        configuration.set_hypothesis_home_dir(None)


def warm_hypothesis_engine() -> None:
    """Run one tiny property here, so each child starts with hypothesis' engine warm.

    A forked child pays for every lazy set-up its first property triggers: done once
    in the warm parent, a child's first property runs up to a fifth faster. Examples
    depend only on each test's own seed (derandomized), never on this run.
    """
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=20, database=None, derandomize=True, deadline=None)
    @given(
        st.lists(st.tuples(st.integers(0, 3), st.floats(allow_nan=False)), max_size=4),
        st.text(max_size=3),
        st.sampled_from(["a", "b"]) | st.booleans() | st.none(),
    )
    def warm_up(pairs: list, text: str, choice: object) -> None:
        pass

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warm_up()
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


warm_hypothesis_tables()
warm_hypothesis_engine()

# Everything imported so far is long-lived: keep it out of the collector's way, and
# out of copy-on-write page faults in forked children.
gc.freeze()
