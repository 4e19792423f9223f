"""The grading child: confine the process, load the candidate's module, run one suite.

Importing this module pulls in the heavy, trusted libraries, so a warm parent that
imported it once can fork children that start at the test run itself.
"""

from __future__ import annotations

import builtins
import gc
import importlib

# Imported by multiprocessing in each child as it unpickles the job. Loaded here, a
# child imports nothing, and hypothesis need not look through every module again.
import multiprocessing.popen_forkserver  # noqa: F401
import os
import random
import re
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

# The test machinery, imported before any candidate code; the libraries each suite
# imports come on top (Sandbox.preload, and `import_trusted` in the child).
import hypothesis  # noqa: F401
import numpy
import numpy.testing  # noqa: F401
import pytest  # noqa: F401

from grader import guard, pytest_run
from grader.collector import Collector, cap, encode
from grader.confinement import (
    EXTRA_TASKS,
    adopt_orphans,
    apply_limits,
    drop_capabilities,
    isolate_network,
    protect_filesystem,
)
from grader.hypothesis_setup import (
    configure_hypothesis,
    seal_hypothesis_constants,
    warm_hypothesis_engine,
    warm_hypothesis_tables,
)
from grader.job import WARM_ENGINE, ChildJob
from grader.processes import kill_tree, start_entering_cage


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
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(job.run_dir / "hypothesis")
    os.environ.pop("PYTEST_ADDOPTS", None)
    token = job.token

    def send(message: dict[str, Any]) -> None:
        stable = {k: stable_text(v, job) if isinstance(v, str) else v for k, v in message.items()}
        conn.send_bytes(encode(stable, token))

    adopt_orphans()
    caged = start_entering_cage(EXTRA_TASKS) if not job.collect_only else lambda: "trusted"
    network = isolate_network()
    filesystem = protect_filesystem(job.run_dir) if not job.collect_only else "trusted"
    scratch = job.run_dir / "scratch"
    scratch.mkdir(exist_ok=True)
    os.environ["TMPDIR"] = str(scratch)
    os.environ["HOME"] = str(job.run_dir)
    tempfile.tempdir = str(scratch)
    apply_limits(memory_mb=job.memory_mb, cpu_seconds=job.cpu_seconds)
    if not job.collect_only:
        drop_capabilities()
    import_trusted(job.trusted_imports)
    seal_hypothesis_constants()
    os.chdir(job.sub_dir)
    sys.path[:] = [str(job.sub_dir)] + [p for p in sys.path if p not in ("", ".", os.getcwd())]
    # Only the trusted collection run may leave bytecode behind (see sandbox.collect).
    sys.dont_write_bytecode = not job.collect_only
    install_import_guard(job.forbidden_imports, job.candidate_file)
    # Taken here, in the child, so our own import guard counts as the original.
    snapshot = guard.take_snapshot(job.trusted_imports, base=TRUSTED_AS_LOADED)
    configure_hypothesis(shrink=not job.fail_fast)
    # Hypothesis would write each failing example as a source patch for the terminal,
    # importing libcst (~2 s) to do it; a missing module makes it skip that quietly.
    sys.modules["hypothesis.extra._patching"] = None
    random.seed(0)
    numpy.random.seed(0)
    processes = caged()
    send({"event": "sandbox", "network": network, "filesystem": filesystem, "processes": processes})

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
        pytest_run.run_pytest(pytest_run.pytest_arguments(job), [collector])
    except BaseException:  # noqa: BLE001 - the parent decides from what was sent
        pass
    # Orphans of candidate code were reparented to us (the subreaper): end them too.
    kill_tree(os.getpid(), include_root=False)
    os._exit(0)


def warm_scikit_learn() -> None:
    """Let scikit-learn look up its dataframe plugins here, once, if a suite uses it.

    Its first check of any input searches every installed distribution's entry points
    for them (~5 ms), which each forked child would otherwise repeat. The fork server
    imports this module after the suites' own imports, so scikit-learn is loaded by
    then exactly when a suite needs it.
    """
    if "sklearn" not in sys.modules:
        return
    try:
        from sklearn.utils import check_consistent_length

        check_consistent_length([0], [0])
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


warm_hypothesis_tables()
pytest_run.rehearse()
pytest_run.prepare()
if os.environ.get(WARM_ENGINE) != "0":
    warm_hypothesis_engine()
warm_scikit_learn()
seal_hypothesis_constants()
# Recorded once here; a child records again only what changed or loaded since.
TRUSTED_AS_LOADED = guard.take_snapshot()

# Everything imported so far is long-lived: keep it out of the collector's way, and
# out of copy-on-write page faults in forked children.
gc.freeze()
