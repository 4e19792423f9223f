"""The candidate's process: confine it, import the submission, answer the judge's calls.

Importing this module loads only what a candidate may import too (numpy, and the
libraries the fork server preloads); nothing here decides a grade.
"""

from __future__ import annotations

import importlib
import importlib.abc
import logging

# Imported by multiprocessing as it unpickles the job: loaded once in the fork server.
import multiprocessing.popen_forkserver  # noqa: F401
import os
import random
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import numpy

from grader import host
from grader.job import CandidateJob
from grader.link.remote import Endpoint
from grader.sandbox.frame_room import with_frame_room
from grader.sandbox.placement import pin_to

if host.current().sandbox:
    from grader.candidate import jail

    # Once in the fork server: finds libseccomp and builds the filter program.
    jail.preload()

OUTPUT_NAME = "output.log"


class ForbiddenImport(ImportError):
    """A from-scratch exercise imported a library it may not use."""


class _Refuse(importlib.abc.MetaPathFinder):
    """Refuses the forbidden libraries to every import in this process, naming the line."""

    def __init__(self, forbidden: tuple[str, ...], candidate: Path) -> None:
        self.forbidden = forbidden
        self.candidate = str(candidate)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] in self.forbidden:
            line = _candidate_line(self.candidate)
            where = f" ({Path(self.candidate).name}, line {line})" if line else ""
            raise ForbiddenImport(
                f"importing {name!r} is not allowed in this exercise{where}: write it from scratch"
            )
        return None


def _candidate_line(path: str) -> int | None:
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back
    return None


def forbid_imports(forbidden: tuple[str, ...], candidate: Path) -> None:
    """Make the forbidden libraries unimportable here (the jail also hides their files)."""
    if not forbidden:
        return
    # Walking sys.modules would touch (and copy from the fork server) some 600 pages; a
    # forbidden package's submodules are only there below the package itself.
    if any(name in sys.modules for name in forbidden):
        for name in list(sys.modules):
            if name.partition(".")[0] in forbidden:
                del sys.modules[name]
    sys.meta_path.insert(0, _Refuse(forbidden, candidate))


def redirect_output(folder: Path) -> None:
    """stdin from /dev/null; stdout and stderr to a log in the candidate's own folder."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.open(folder / OUTPUT_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(devnull)
    os.close(log)


def describe_import_error(exc: BaseException, candidate: Path) -> str:
    """Name the candidate's line for an exception raised while importing their module."""
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename) == candidate:
        return (
            f"{candidate.name}, line {exc.lineno}: {type(exc).__name__}: {exc.msg}\n"
            f"    {(exc.text or '').strip()}"
        )
    if isinstance(exc, SystemExit):
        return f"{candidate.name} called sys.exit({exc.code!r}) while being imported"
    if isinstance(exc, ForbiddenImport):
        return str(exc)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == candidate]
    where = f"{candidate.name}, line {frames[-1].lineno}: " if frames else ""
    code = f"\n    {frames[-1].line}" if frames and frames[-1].line else ""
    text = f"{where}{type(exc).__name__}: {exc}{code}"
    return text if len(text) <= 1500 else text[:1500] + " …"


class _ForwardLogs(logging.Handler):
    """Sends every log record the candidate's code makes to the judge's logging."""

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(level=1)
        self.endpoint = endpoint

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record whose arguments do not format
            message = str(record.msg)
        try:
            self.endpoint.event(
                "log", record.name, record.levelno, message, _own_level(record.name)
            )
        except Exception:  # noqa: BLE001 - a closed link: the judge is gone anyway
            pass


def _own_level(name: str) -> int:
    """The level the candidate's code set on this logger or a parent of it (not root)."""
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None and logger.parent is not None:
        if logger.level:
            return logger.level
        logger = logger.parent
    return 0


def forward_logs(endpoint: Endpoint) -> None:
    """Let the judge see every record: its caplog and level checks decide what counts."""
    root = logging.getLogger()
    root.addHandler(_ForwardLogs(endpoint))
    root.setLevel(1)


def candidate_main(job: CandidateJob, conn: Any) -> None:
    """Entry point of the candidate's process: never returns."""
    if (job.host or host.current()).sessions:
        try:
            os.setsid()
        except OSError:
            pass
    redirect_output(job.folder)
    # Nothing but the link and the standard streams: not the fork server's pipes, whose
    # corruption would reach the next candidate.
    keep = conn.fileno()
    os.closerange(3, keep)
    os.closerange(keep + 1, _max_fd())
    protections = _confine(job)
    os.chdir(job.submission_dir)
    sys.path[:] = [str(job.submission_dir)] + [
        p for p in sys.path if p not in ("", ".") and os.path.isdir(p)
    ]
    sys.dont_write_bytecode = True
    tempfile.tempdir = str(job.folder)
    forbid_imports(job.forbidden_imports, job.candidate_file)
    random.seed(0)
    numpy.random.seed(0)
    endpoint = Endpoint(conn, "c", source_file=str(job.candidate_file))
    # Sent before any candidate code runs, so what it says cannot be forged.
    endpoint.event("confined", protections)
    forward_logs(endpoint)
    try:
        module = importlib.import_module(job.module)
    except BaseException as exc:  # noqa: BLE001 - any failure at import is the candidate's
        endpoint.event("import_error", describe_import_error(exc, job.candidate_file))
        os._exit(0)
    # The judge's turns and this process's alternate from here: one CPU serves both best.
    pin_to(job.cpu)
    endpoint.event("ready", module)
    try:
        with_frame_room(endpoint.serve_forever)
    except BaseException:  # noqa: BLE001 - a broken link ends the process
        pass
    os._exit(0)


def _max_fd() -> int:
    if not host.current().linux:
        return 1024
    try:
        return max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        return 1024


def _confine(job: CandidateJob) -> dict[str, Any]:
    """Jail this process and apply its limits; what is enforced, for honest reporting."""
    from grader.candidate import limits

    protections = limits.confine(job)
    return protections
