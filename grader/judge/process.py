"""The judge's process: run one suite with pytest, the candidate's module a proxy.

Importing this module pulls in the test machinery and the suites' oracles, so a warm
fork server that imported it once forks judges that start at the test run itself.
No candidate code ever runs here: the submission lives in its own process.
"""

from __future__ import annotations

import gc

# Imported by multiprocessing in each child as it unpickles the job: loaded here once.
import multiprocessing.popen_forkserver  # noqa: F401
import os
import random
import re
import sys
import tempfile
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis  # noqa: F401
import numpy
import numpy.testing  # noqa: F401
import pytest  # noqa: F401

from grader import host
from grader.candidate import landlock, privileges
from grader.job import WARM_ENGINE, JudgeJob
from grader.judge import plugin_fixtures, pytest_run, seeded_numpy, seeded_random, suite_tools
from grader.judge.collector import Collector, encode
from grader.judge.hypothesis_setup import (
    configure_hypothesis,
    remember_function_digests,
    seal_hypothesis_constants,
    warm_hypothesis_engine,
    warm_hypothesis_tables,
)
from grader.judge.link import CandidateLink, RemoteModule
from grader.judge.memory import CandidateMemory
from grader.link.wire import WireError
from grader.sandbox import quick_frame_checks
from grader.sandbox.confinement import cap_judge_memory, isolate_network
from grader.sandbox.exits import PEER_GONE_AT_IMPORT_EXIT, PEER_GONE_EXIT
from grader.sandbox.frame_room import with_frame_room
from grader.sandbox.placement import pin_to


def import_trusted(modules: tuple[str, ...]) -> None:
    """Import the suite's own dependencies (most are preloaded by the fork server)."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a suite-local module: pytest imports it later
            pass


def redirect_output(run_dir: Path) -> None:
    """Point stdin at /dev/null and stdout/stderr at a log file of the judge's own."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.open(run_dir / "judge.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(devnull)
    os.close(log)


HEX_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")


def stable_text(text: str, job: JudgeJob) -> str:
    """Feedback without what differs between runs: temporary paths and object addresses."""
    for folder, name in (
        (job.shared_dir, "<tmp>"),
        (job.run_dir, "<tmp>"),
        (job.suite_dir, "<suite>"),
    ):
        if folder is not None:
            text = text.replace(str(folder), name)
    return HEX_ADDRESS.sub("0x…", text)


class _StandIn(types.ModuleType):
    """The candidate's module while the suite is only being collected: never called."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise RuntimeError("the candidate's module is not available while collecting")


class _Connection:
    """The candidate's module at its first use: waits for its process to be ready (so
    the judge's start-up overlaps the candidate's), reports its confinement, and ends
    the judge if the import failed."""

    def __init__(
        self, job: JudgeJob, conn: Any, send: Callable[[dict[str, Any]], None], network: str
    ) -> None:
        self.job, self.send, self.network = job, send, network
        self.link = CandidateLink(conn, job.candidate_file)
        self.memory: CandidateMemory | None = None
        self._module: Any = None

    def module(self) -> Any:
        """The proxy of the candidate's module (ready by then)."""
        if self._module is not None:
            return self._module
        link, job = self.link, self.job
        link.endpoint.on_gone = lambda: _gone_at_import(link, self.send, self.network)
        try:
            module = link.wait_until_ready()
        except WireError as exc:
            module = None
            link.import_error = (
                f"{job.artifact}: the code wrote to the link with the grader while being "
                f"imported ({exc}); nothing it sends can be trusted"
            )
        self.send({"event": "sandbox", "network": self.network, "protections": link.protections})
        if module is None:
            self.send({"event": "import_error", "message": link.import_error or ""})
            os._exit(0)
        link.endpoint.on_gone = lambda: os._exit(PEER_GONE_EXIT)
        # From here on the two processes take turns: one CPU serves both best (started
        # apart, their start-ups ran side by side).
        pin_to(job.cpu)
        if job.candidate_pid:
            self.memory = CandidateMemory(job.candidate_pid, job.cage)
        self._module = module
        return module

    def settle(self) -> None:
        """At the end of each test: the candidate's process drops what the test let go
        of, inside that test's time (see Endpoint.settle_releases)."""
        if self._module is not None:
            self.link.endpoint.settle_releases()

    def link_and_memory(self) -> tuple[CandidateLink, CandidateMemory | None]:
        """For the suite's tools: the link and the memory reader, once ready."""
        self.module()
        return self.link, self.memory


def _gone_at_import(
    link: CandidateLink, send: Callable[[dict[str, Any]], None], network: str
) -> None:
    if link.protections:
        send({"event": "sandbox", "network": network, "protections": link.protections})
    os._exit(PEER_GONE_AT_IMPORT_EXIT)


def confine_writes(job: JudgeJob) -> bool:
    """Let this process write only in its run folder (the candidate's is inside it: the
    tests' files), the suite's folder while collecting (pytest's rewritten bytecode) and
    the candidate's cgroup (its memory peak), where the kernel has Landlock.

    A test may open a path the candidate's process handed back, or one where it planted
    a link: what it writes then lands nowhere else on the candidate's say (reads are not
    fenced: the suites check such paths themselves). True when the fence is up."""
    folders = [str(job.run_dir)]
    if job.collect_only:
        folders.append(str(job.suite_dir))
    if job.cage is not None:
        folders += [str(folder) for folder in job.cage.dirs.values()]
    files = [f"/proc/{job.candidate_pid}/clear_refs"] if job.candidate_pid else []
    # Landlock needs it without CAP_SYS_ADMIN; the judge never executes a program anyway.
    privileges.forbid_new_privileges()
    return landlock.restrict_writes(folders, files)


def judge_main(job: JudgeJob, conn: Any, candidate_conn: Any) -> None:
    """Entry point of the judge's process: never returns."""
    offered = job.host or host.current()
    if offered.sessions:
        try:
            os.setsid()
        except OSError:
            pass
    redirect_output(job.run_dir)
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(job.run_dir / "hypothesis")
    os.environ.pop("PYTEST_ADDOPTS", None)
    token = job.token

    # The suite's thread and the call watcher's both report: one message at a time.
    sending = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        stable = {k: stable_text(v, job) if isinstance(v, str) else v for k, v in message.items()}
        data = encode(stable, token)
        with sending:
            conn.send_bytes(data)

    network = isolate_network(offered)
    cap_judge_memory(job.memory_mb, offered)
    scratch = job.run_dir / "scratch"
    scratch.mkdir(exist_ok=True)
    if offered.linux:
        confine_writes(job)
    os.environ["TMPDIR"] = str(scratch)
    tempfile.tempdir = str(scratch)
    import_trusted(job.trusted_imports)
    seal_hypothesis_constants()
    os.chdir(job.sub_dir)
    sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]
    sys.dont_write_bytecode = not job.collect_only
    configure_hypothesis(shrink=not job.fail_fast)
    # Hypothesis would write each failing example as a source patch for the terminal,
    # importing libcst (~2 s) to do it; a missing module makes it skip that quietly.
    sys.modules["hypothesis.extra._patching"] = None
    random.seed(0)
    numpy.random.seed(0)

    connection: _Connection | None = None
    if job.module is not None:
        if job.collect_only or candidate_conn is None:
            sys.modules[job.module] = _StandIn(job.module)
        else:
            connection = _Connection(job, candidate_conn, send, network)
            sys.modules[job.module] = RemoteModule(
                job.module, job.candidate_file, connection.module
            )
            suite_tools.connect(connection)
    # An exercise without a module (a Dockerfile) has no candidate's process: nothing
    # of the candidate runs, so there is no confinement to report.

    collector = Collector(
        send,
        only=frozenset(job.only) if job.only is not None else None,
        collect_only=job.collect_only,
        shared_tmp=job.shared_dir / "tmp" if job.shared_dir is not None else None,
        candidate_uid=job.candidate_uid,
        after_test=connection.settle if connection is not None else None,
    )
    try:
        # The suite's calls into the candidate cross in a loop of their own: see frame_room.
        with_frame_room(pytest_run.run_pytest, pytest_run.pytest_arguments(job), [collector])
    except BaseException:  # noqa: BLE001 - the parent decides from what was sent
        pass
    os._exit(0)


def warm_scikit_learn() -> None:
    """Let scikit-learn look up its dataframe plugins here, once, if a suite uses it,
    and answer its dataframe checks of plain values at once (quick_frame_checks).

    Its first check of any input searches every installed distribution's entry points
    for them (~5 ms), which each forked judge would otherwise repeat.
    """
    if "sklearn" not in sys.modules:
        return
    try:
        from sklearn.utils import check_consistent_length

        check_consistent_length([0], [0])
    except Exception:  # noqa: BLE001 - only a speed-up
        pass
    quick_frame_checks.answer_plain_values_at_once()


def warm_up() -> None:
    """What every judge would otherwise do first, done once in the fork server."""
    warm_hypothesis_tables()
    # Before the rehearsal, whose session teaches it pytest's own plugins.
    plugin_fixtures.install()
    pytest_run.rehearse()
    pytest_run.prepare()
    if os.environ.get(WARM_ENGINE) != "0":
        warm_hypothesis_engine()
    warm_scikit_learn()
    seal_hypothesis_constants()
    remember_function_digests()
    seeded_numpy.install()
    seeded_random.install()


with_frame_room(warm_up)

# Everything imported so far is long-lived: keep it out of the collector's way, and
# out of copy-on-write page faults in forked judges.
gc.freeze()
