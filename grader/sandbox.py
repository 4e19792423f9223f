"""Run one suite against one artifact: a judge process and a candidate's process, watched.

The judge (pytest, the hidden suite, its oracles) and the candidate's process (the
submission, jailed) are each forked from a warm server of their own, or spawned where
fork is unavailable; they talk over a socket pair. The parent enforces wall-time
limits, kills both, and reruns the tests that had not run when a test hung or crashed.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import multiprocessing.spawn
import os
import shutil
import signal
import site
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from grader.candidate.entry import run as run_candidate
from grader.catalogue import Exercise
from grader.cgroups import Cage, sweep
from grader.channel import ChildOutcome, CollectedTest, TestRecord, accept
from grader.errors import KitError
from grader.job import WARM_ENGINE, CandidateJob, JudgeJob
from grader.judge.entry import run as run_child
from grader.processes import kill_tree
from grader.staging import Staging
from grader.userdirs import cache_root

MESSAGE_MAX_BYTES = 256 * 1024
POLL_SECONDS = 0.05
CHILD_ENVIRONMENT = {
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    # The fork server starts as `python -c`, which would put the working directory,
    # perhaps a candidate's folder holding a numpy.py, first on its import path.
    "PYTHONSAFEPATH": "1",
}
SIGNAL_MEANINGS = {
    signal.SIGXCPU: "CPU time limit exceeded",
    signal.SIGKILL: "killed (memory or time limit)",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGXFSZ: "file size limit exceeded",
}


@dataclass(frozen=True)
class Isolation:
    """How the candidate's process was confined, as the judge learnt it."""

    network: str = ""
    protections: tuple[tuple[str, bool | str], ...] = ()


@dataclass(frozen=True)
class SuiteRun:
    """Outcome of running a suite against one artifact."""

    records: dict[str, TestRecord]
    import_error: str = ""
    timed_out: bool = False
    crash: str = ""
    isolation: Isolation = Isolation()
    output_tail: str = ""
    duration: float = 0.0


CHILD_NAME = "mlgrade-child"
# The judge's exit status when the candidate's process ended under a test.
PEER_GONE_EXIT = 75
PEER_GONE_AT_IMPORT_EXIT = 76
# Libraries a candidate may import that the candidate's fork server loads in advance
# when a suite imports them too (a suite's imports are a good guess of an answer's).
CANDIDATE_LIBRARIES = frozenset({"numpy", "scipy", "sklearn", "joblib", "pandas"})
_LAUNCH_LOCK = threading.Lock()
_preparation_data = multiprocessing.spawn.get_preparation_data


_SERVERS: dict[str, multiprocessing.forkserver.ForkServer] = {}


class _ServedProcess(multiprocessing.context.ForkServerProcess):
    """A Process started by one of our fork servers (named by `server_key`)."""

    server_key = ""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _ServedPopen(process_obj)


def _served_popen_class() -> type:
    import multiprocessing.popen_forkserver as popen

    class ServedPopen(popen.Popen):
        def _launch(self, process_obj: Any) -> None:
            server = _SERVERS[process_obj.server_key]
            redirect = types.SimpleNamespace(
                connect_to_new_process=server.connect_to_new_process,
                read_signed=multiprocessing.forkserver.read_signed,
            )
            # popen_forkserver reaches the fork server through its module global.
            with _LAUNCH_LOCK:
                saved = popen.forkserver
                popen.forkserver = redirect  # type: ignore[assignment]
                try:
                    super()._launch(process_obj)
                finally:
                    popen.forkserver = saved

    return ServedPopen


_ServedPopen: Any = (
    _served_popen_class() if "forkserver" in multiprocessing.get_all_start_methods() else None
)


class ForkServerContext:
    """A fork server of our own, and Processes started from it.

    multiprocessing keeps one fork server per process; the judge and the candidate
    need one each, preloaded with different modules (the candidate's must not hold
    the suite, nor a library a from-scratch exercise forbids).
    """

    def __init__(self, key: str, preload: list[str]) -> None:
        self.key = key
        self.server = multiprocessing.forkserver.ForkServer()
        self.server.set_forkserver_preload(preload)
        _SERVERS[key] = self.server

    def Process(self, **kwargs: Any) -> _ServedProcess:  # noqa: N802 - mirrors multiprocessing
        process = _ServedProcess(**kwargs)
        process.server_key = self.key
        return process

    def set_preload(self, preload: list[str]) -> None:
        self.server.set_forkserver_preload(preload)


def _preparation_without_main(name: str) -> dict[str, Any]:
    """multiprocessing re-imports the parent's __main__ in every child; ours need only
    grader.child, and a main script without a __name__ guard (or stdin) would break."""
    data = _preparation_data(name)
    if name == CHILD_NAME:
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


multiprocessing.spawn.get_preparation_data = _preparation_without_main


def _own_code_path() -> dict[str, str]:
    """PYTHONPATH that makes the fork server import this very copy of mlgrade.

    The server is a new interpreter that imports grader.child by name, and Python 3.11
    ignores the parent's import path there: run from a source folder, the children
    would otherwise run whichever mlgrade is installed, perhaps another version.
    """
    root = Path(__file__).resolve().parent.parent
    installed = {Path(p).resolve() for p in (*site.getsitepackages(), site.getusersitepackages())}
    if root in installed:
        return {}
    current = os.environ.get("PYTHONPATH", "")
    if current.split(os.pathsep)[0] == str(root):
        return {}
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(root), current) if p)}


def _has_forkserver() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()


def candidate_preload(forbidden_imports: tuple[str, ...], imports: tuple[str, ...]) -> list[str]:
    """What the candidate's fork server loads: allowed libraries the suite uses too."""
    forbidden = set(forbidden_imports)
    wanted = [
        name
        for name in imports
        if name.partition(".")[0] in CANDIDATE_LIBRARIES and name.partition(".")[0] not in forbidden
    ]
    return ["grader.candidate.process", *wanted]


def suite_imports(exercises: list[Exercise], suite: str) -> tuple[str, ...]:
    """The trusted modules the suites import, without any exercise's own module."""
    own = {ex.module for ex in exercises if ex.module}
    found: dict[str, None] = {}
    for exercise in exercises:
        for name in exercise.suite_imports(suite):
            if name.partition(".")[0] not in own and name != "__future__":
                found[name] = None
    return tuple(found)


class Sandbox:
    """Starts grading children and turns what they report into `SuiteRun`s."""

    def __init__(self, *, warm_engine: bool = True) -> None:
        """`warm_engine=False` suits a process that will fork only a child or two."""
        # Children inherit this environment: fixed hash seed, one BLAS thread.
        os.environ.update(CHILD_ENVIRONMENT)
        # Hypothesis' files while the fork servers warm up (each judge then gets its own
        # run folder's): never a `.hypothesis` folder in the working directory or the kit.
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(cache_root() / "hypothesis-warm-up")
        os.environ[WARM_ENGINE] = "1" if warm_engine else "0"
        os.environ.update(_own_code_path())
        sweep()
        self._forkserver = _has_forkserver()
        self._judges = (
            ForkServerContext(f"judge-{id(self)}", ["grader.judge.process"])
            if self._forkserver
            else None
        )
        self._spawn = multiprocessing.get_context("spawn")
        self._candidates: dict[tuple[str, ...], ForkServerContext] = {}
        self._candidates_lock = threading.Lock()
        self._collected: dict[tuple[str, str], tuple[CollectedTest, ...]] = {}
        self._pristine: dict[tuple[str, str], Path] = {}
        self._imports: dict[tuple[str, str], tuple[str, ...]] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._started = False  # once a child ran, the warm server's imports are set
        self.preload(())

    @property
    def start_method(self) -> str:
        return "forkserver" if self._forkserver else "spawn"

    def preload(self, modules: tuple[str, ...]) -> None:
        """Have the judge's warm server import these trusted modules too, if not started.

        Only a speed-up: each judge imports its suite's modules either way.
        """
        if self._judges is not None:
            # The judge's module last: it warms hypothesis and freezes the heap.
            self._judges.set_preload([*modules, "grader.judge.process"])

    def _candidate_process(self, forbidden: tuple[str, ...], imports: tuple[str, ...]) -> Any:
        """The Process class for this exercise's candidate (one warm server per preload)."""
        if not self._forkserver:
            return self._spawn.Process
        preload = candidate_preload(forbidden, imports)
        key = tuple(preload)
        with self._candidates_lock:
            if key not in self._candidates:
                self._candidates[key] = ForkServerContext(f"candidate-{id(self)}-{key}", preload)
            return self._candidates[key].Process

    def _judge_process(self) -> Any:
        return self._judges.Process if self._judges is not None else self._spawn.Process

    def collect_all(
        self, exercises: list[Exercise], suite: str, jobs: int = 2
    ) -> dict[str, tuple[CollectedTest, ...]]:
        """Warm the server for these suites and collect them, `jobs` at a time.

        Raises KitError for the first suite that does not collect, before any
        candidate code has run.
        """
        if not self._started:
            self.preload(suite_imports(exercises, suite))
        if jobs <= 1 or len(exercises) <= 1:  # a batch's per-candidate call: no threads
            collected = [self.collect(ex, suite) for ex in exercises]
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                collected = list(pool.map(lambda ex: self.collect(ex, suite), exercises))
        return {ex.id: tests for ex, tests in zip(exercises, collected, strict=True)}

    def collect(self, exercise: Exercise, suite: str) -> tuple[CollectedTest, ...]:
        """The tests of a suite, from a run that loads only the trusted stub."""
        key = (exercise.suite_sha256(suite), exercise.id)
        with self._locks_lock:
            lock = self._locks.setdefault(key, threading.Lock())
        # One lock per suite: different suites collect in parallel, the same one once.
        with lock:
            return self._collect_locked(exercise, suite, key)

    def _collect_locked(
        self, exercise: Exercise, suite: str, key: tuple[str, str]
    ) -> tuple[CollectedTest, ...]:
        if key not in self._collected:
            imports = suite_imports([exercise], suite)
            with Staging(exercise, suite, exercise.stub_path, imports=imports) as staging:
                # The trusted collection run leaves pytest's rewritten bytecode in the
                # suite folder; every later run gets a fresh copy of that folder.
                staging.keep_suite = True
                self._pristine[key] = staging.suite_dir
                self._imports[key] = imports
                atexit.register(shutil.rmtree, staging.suite_dir, True)
                outcome = self._run_child(
                    staging.job(collect_only=True, only=None),
                    None,
                    expected=None,
                    deadline=time.monotonic() + max(60.0, exercise.limits.exercise_seconds),
                    test_seconds=exercise.limits.exercise_seconds,
                )
            if outcome.collect_error or not outcome.collected:
                detail = outcome.collect_error or outcome.corrupt or outcome.exit_reason
                raise KitError(
                    f"exercise {exercise.id}: the {suite} suite does not collect against "
                    f"the stub: {detail.strip().splitlines()[-1] if detail else 'no tests'}"
                )
            self._collected[key] = tuple(outcome.collected)
        return self._collected[key]

    def run(
        self,
        exercise: Exercise,
        suite: str,
        artifact: Path,
        expected: tuple[CollectedTest, ...],
        *,
        fail_fast: bool = False,
        test_seconds: float | None = None,
    ) -> SuiteRun:
        """Run a suite against an artifact; every expected test ends with a record.

        `fail_fast` stops at the first failing test (mutation analysis only needs one).
        """
        started = time.monotonic()
        deadline = started + exercise.limits.exercise_seconds
        expected_ids = [t.nodeid for t in expected]
        records: dict[str, TestRecord] = {}
        isolation = Isolation()
        crash = ""
        timed_out = False
        self.collect(exercise, suite)
        key = (exercise.suite_sha256(suite), exercise.id)
        with Staging(exercise, suite, artifact, self._pristine[key], self._imports[key]) as staging:
            only: list[str] | None = None
            while True:
                outcome = self._run_child(
                    staging.job(collect_only=False, only=only, fail_fast=fail_fast),
                    staging.candidate_job(),
                    expected=set(expected_ids),
                    deadline=deadline,
                    test_seconds=test_seconds or exercise.limits.test_seconds,
                )
                if outcome.network and not isolation.network:
                    isolation = Isolation(outcome.network, tuple(outcome.protections.items()))
                if outcome.import_error:
                    return SuiteRun(
                        records={},
                        import_error=outcome.import_error,
                        isolation=isolation,
                        output_tail=staging.output_tail(),
                        duration=time.monotonic() - started,
                    )
                if not outcome.corrupt:
                    # A channel that proved untrustworthy may have carried forged
                    # results: nothing that child reported counts.
                    records.update(outcome.records)
                if outcome.current is not None and outcome.current not in records:
                    records[outcome.current] = TestRecord(
                        nodeid=outcome.current,
                        status=outcome.current_fate,
                        message=_fate_message(outcome, exercise),
                    )
                if outcome.finished and not outcome.corrupt:
                    break
                if fail_fast and any(r.status != "passed" for r in records.values()):
                    break
                pending = [n for n in expected_ids if n not in records]
                if not pending:
                    break
                if outcome.timed_out:
                    timed_out = True
                    break
                if outcome.started_tests == 0 or outcome.corrupt:
                    crash = outcome.corrupt or outcome.exit_reason
                    break
                only = pending
            tail = staging.output_tail()
        for nodeid in expected_ids:
            if nodeid not in records:
                if timed_out:
                    status, message = (
                        "timeout",
                        (
                            f"not run: the exercise's time limit of "
                            f"{exercise.limits.exercise_seconds:g} s ran out"
                        ),
                    )
                else:
                    status, message = "not_run", f"no trustworthy result: {crash or 'unknown'}"
                records[nodeid] = TestRecord(nodeid=nodeid, status=status, message=message)
        return SuiteRun(
            records=records,
            timed_out=timed_out,
            crash=crash,
            isolation=isolation,
            output_tail=tail,
            duration=time.monotonic() - started,
        )

    def _run_child(
        self,
        job: JudgeJob,
        candidate: CandidateJob | None,
        *,
        expected: set[str] | None,
        deadline: float,
        test_seconds: float,
    ) -> ChildOutcome:
        self._started = True
        reader, writer = multiprocessing.Pipe(duplex=False)
        candidate_process = None
        judge_end = None
        cage = None
        if candidate is not None:
            cage = Cage.create(
                f"run-{os.getpid()}-{job.token[:12]}",
                memory_mb=candidate.memory_mb * 2,
                max_tasks=candidate.max_tasks,
            )
            candidate = dataclasses.replace(candidate, cage=cage)
            judge_end, candidate_end = multiprocessing.Pipe(duplex=True)
            imports = job.trusted_imports
            candidate_process = self._candidate_process(candidate.forbidden_imports, imports)(
                target=run_candidate, args=(candidate, candidate_end), name=CHILD_NAME
            )
            candidate_process.start()
            candidate_end.close()
            job = dataclasses.replace(job, candidate_pid=candidate_process.pid, cage=cage)
        process = self._judge_process()(
            target=run_child, args=(job, writer, judge_end), name=CHILD_NAME, daemon=False
        )
        process.start()
        writer.close()
        if judge_end is not None:
            judge_end.close()
        outcome = ChildOutcome()
        try:
            self._watch(process, reader, job, expected, deadline, test_seconds, outcome)
        finally:
            _kill_group(process)
            if candidate_process is not None:
                _end_candidate(candidate_process, cage)
            reader.close()
        code = process.exitcode
        if code in (PEER_GONE_EXIT, PEER_GONE_AT_IMPORT_EXIT) and candidate_process is not None:
            when = "while importing" if code == PEER_GONE_AT_IMPORT_EXIT else "during"
            code = _signal_code(candidate_process.exitcode)
            if not outcome.exit_reason:
                outcome.exit_reason = "the candidate's process " + (
                    _describe_exit(code, outcome, candidate=when)
                    or "ended before the suite finished"
                )
        if not outcome.exit_reason:
            outcome.exit_reason = _describe_exit(code, outcome)
        if outcome.current is not None and not outcome.current_fate:
            outcome.current_fate = "cpu_limit" if code == -signal.SIGXCPU else "crashed"
        return outcome

    def _watch(
        self,
        process: Any,
        reader: Any,
        job: JudgeJob,
        expected: set[str] | None,
        deadline: float,
        test_seconds: float,
        outcome: ChildOutcome,
    ) -> None:
        """Read the judge's reports until it finishes, dies or runs out of time."""
        test_started = 0.0
        while True:
            now = time.monotonic()
            if now > deadline:
                outcome.timed_out = True
                outcome.current_fate = "timeout"
                return
            if outcome.current is not None and now - test_started > test_seconds:
                outcome.current_fate = "timeout"
                outcome.exit_reason = f"the test ran longer than {test_seconds:g} s"
                return
            ready = wait([reader, process.sentinel], timeout=POLL_SECONDS)
            if reader in ready:
                try:
                    raw = reader.recv_bytes(MESSAGE_MAX_BYTES)
                except EOFError:
                    process.join(5)
                    return
                except OSError:
                    outcome.corrupt = "the result channel carried an oversized message"
                    return
                before = outcome.current
                if not accept(raw, job.token, expected, outcome):
                    return
                if outcome.current is not None and outcome.current != before:
                    test_started = time.monotonic()
            elif process.sentinel in ready:
                # Drain anything written before the exit.
                while reader.poll(0):
                    try:
                        raw = reader.recv_bytes(MESSAGE_MAX_BYTES)
                    except (EOFError, OSError):
                        break
                    if not accept(raw, job.token, expected, outcome):
                        break
                process.join(5)
                return


def _end_candidate(process: Any, cage: Cage | None) -> None:
    """Kill the candidate's process and everything it started, wherever it went."""
    if cage is not None:
        cage.kill()
    _kill_group(process)
    if cage is not None:
        cage.remove()


def _signal_code(code: int | None) -> int | None:
    """The jail's outer process reports a signal death as 128 + the signal."""
    if code is not None and 128 < code < 128 + 65:
        return -(code - 128)
    return code


def _kill_group(process: multiprocessing.process.BaseProcess) -> None:
    """Kill a child, its process group and every descendant; stopping them first keeps
    a fork bomb from outrunning the scan (the candidate's cage catches the rest)."""
    pid = process.pid
    if pid is not None:
        if process.exitcode is None:  # a reaped child's pid may already be reused
            kill_tree(pid)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    if process.exitcode is None:
        process.kill()
    process.join(10)


def _describe_exit(code: int | None, outcome: ChildOutcome, *, candidate: str = "") -> str:
    if code is None:
        return "the process did not exit"
    if candidate and code >= 0:
        return f"exited (code {code}) {candidate} " + (
            "its module" if candidate == "while importing" else "the test"
        )
    if code < 0:
        try:
            sig = signal.Signals(-code)
        except ValueError:
            return f"killed by signal {-code}"
        meaning = SIGNAL_MEANINGS.get(sig, "")
        return f"killed by {sig.name}" + (f" ({meaning})" if meaning else "")
    if not outcome.finished:
        return f"the process exited (code {code}) before the suite finished"
    return ""


def _fate_message(outcome: ChildOutcome, exercise: Exercise) -> str:
    if outcome.current_fate == "timeout":
        if outcome.timed_out:
            return f"timed out: the exercise's limit of {exercise.limits.exercise_seconds:g} s ran out during this test"
        return f"timed out: the test ran longer than {exercise.limits.test_seconds:g} s"
    if outcome.current_fate == "cpu_limit":
        return "CPU time limit reached: the process used more CPU time than the exercise allows"
    return f"crashed: {outcome.corrupt or outcome.exit_reason}"
