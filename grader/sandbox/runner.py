"""Run one suite against one artifact: a judge process and a candidate's process, watched.

The judge (pytest, the hidden suite, its oracles) and the candidate's process (the
submission, jailed) are each forked from a warm server of their own, or spawned where
fork is unavailable; they talk over a socket pair (`grader.sandbox.pair` runs one such pair).
This module keeps the servers, learns each suite's tests, and reruns the tests that
had not run when a test hung or crashed.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.catalogue import Exercise
from grader.errors import KitError
from grader.job import WARM_ENGINE, CandidateJob, JudgeJob
from grader.sandbox import collection_cache
from grader.sandbox.bytecode import compile_own_modules
from grader.sandbox.cgroups import sweep
from grader.sandbox.channel import ChildOutcome, CollectedTest, TestRecord
from grader.sandbox.collection_cache import Collection
from grader.sandbox.exits import fate_message
from grader.sandbox.forkservers import (
    JUDGE_OWN_MODULES,
    LIBRARY_PRELOAD,
    NUMPY_PRELOAD,
    ForkServerContext,
    candidate_preload,
    has_forkserver,
    libraries_preload,
    own_code_path,
    shared_by_both,
    shares_libraries,
    shares_numpy,
    suite_imports,
)
from grader.sandbox.pair import run_pair
from grader.sandbox.placement import CpuPlacement
from grader.sandbox.staging import Staging
from grader.userdirs import cache_root

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


class Sandbox:
    """Starts judges and candidates' processes and turns what judges report into `SuiteRun`s."""

    def __init__(self, *, warm_engine: bool = True) -> None:
        """`warm_engine=False` suits a process that will fork only a judge or two."""
        compile_own_modules()
        # Children inherit this environment: fixed hash seed, one BLAS thread.
        os.environ.update(CHILD_ENVIRONMENT)
        # Hypothesis' files while the fork servers warm up (each judge then gets its own
        # run folder's): never a `.hypothesis` folder in the working directory or the kit.
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(cache_root() / "hypothesis-warm-up")
        os.environ[WARM_ENGINE] = "1" if warm_engine else "0"
        os.environ.update(own_code_path())
        sweep()
        self._forkserver = has_forkserver()
        # Judges and candidates' processes both load numpy and the link: their servers are
        # forked from one that did, once. A batch or a catalogue keeps several servers and
        # their children alive at once: forked from one that also loaded the libraries,
        # they share those pages. One exercise graded in a fresh process has no time to
        # repay that server (its candidates may not even use the libraries): it gets one of
        # only the libraries both its suite and its answers use, if any (see collect_all).
        self._warm = warm_engine
        self._numpy = (
            ForkServerContext(f"numpy-{id(self)}", NUMPY_PRELOAD) if self._forkserver else None
        )
        self._libraries = (
            ForkServerContext(f"libraries-{id(self)}", LIBRARY_PRELOAD, forked_from=self._numpy)
            if self._numpy is not None and warm_engine
            else None
        )
        self._judges = (
            ForkServerContext(
                f"judge-{id(self)}",
                list(JUDGE_OWN_MODULES),
                forked_from=self._libraries or self._numpy,
            )
            if self._forkserver
            else None
        )
        self._spawn = multiprocessing.get_context("spawn")
        self._candidates: dict[tuple[str, ...], ForkServerContext] = {}
        self._server_of: dict[Exercise, ForkServerContext] = {}
        self._candidates_lock = threading.Lock()
        # Each suite's tests, imports and pristine folder (with pytest's bytecode).
        self._collections: dict[tuple[str, str], Collection] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._started = False  # once a judge ran, its fork server's imports are set
        self._placement = CpuPlacement()
        self.preload(())

    def server_pids(self) -> dict[str, int]:
        """The warm servers running now, by role ("numpy", "libraries", "judges", "candidates N")."""
        contexts = {"numpy": self._numpy, "libraries": self._libraries, "judges": self._judges}
        contexts.update({f"candidates {i}": c for i, c in enumerate(self._candidates.values())})
        return {
            role: context.server_pid
            for role, context in contexts.items()
            if context is not None and context.server_pid is not None
        }

    @property
    def start_method(self) -> str:
        return "forkserver" if self._forkserver else "spawn"

    def preload(self, modules: tuple[str, ...]) -> None:
        """Have the judge's warm server import these trusted modules too, if not started.

        Only a speed-up: each judge imports its suite's modules either way.
        """
        if self._judges is not None:
            # The judge's module last: it warms hypothesis and freezes the heap.
            self._judges.set_preload([*modules, *JUDGE_OWN_MODULES])

    def _candidate_server(self, exercise: Exercise) -> ForkServerContext:
        """The warm server for this exercise's candidates: one per set of libraries
        forbidden; without the libraries' server, one that loads only what the exercise uses."""
        known = self._server_of.get(exercise)
        if known is not None:  # every run of an exercise: its files are read once
            return known
        forbidden = exercise.forbidden_imports
        # Alone, an exercise's candidates get the libraries its files use (an answer that
        # imports one would otherwise pay for it while its judge waits); with the libraries'
        # server, all of them, which every later exercise of any kit shares.
        uses = None if self._warm else exercise.packages_used()
        preload = candidate_preload(forbidden, uses)
        key = tuple(preload)
        with self._candidates_lock:
            if key not in self._candidates:
                name = f"candidate-{id(self)}-{len(self._candidates)}"
                parent = (
                    self._libraries
                    if self._libraries is not None and shares_libraries(forbidden)
                    else self._numpy
                    if shares_numpy(forbidden)
                    else None
                )
                self._candidates[key] = ForkServerContext(name, preload, forked_from=parent)
            self._server_of[exercise] = self._candidates[key]
            return self._candidates[key]

    def _candidate_process(self, exercise: Exercise) -> Any:
        """The Process class for this exercise's candidate."""
        if not self._forkserver:
            return self._spawn.Process
        return self._candidate_server(exercise).Process

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
            imports = suite_imports(exercises, suite)
            self.preload(imports)
            self._share_libraries(exercises, imports)
        if self._judges is not None and not self._warm:
            # Without the full libraries' server the judges' one loads the suites' imports
            # itself: the longer start, which the suites' collection waits for, goes first.
            self._judges.server.ensure_running()
        if self._forkserver:
            # Start the candidates' servers now: they warm up while the suites collect.
            for exercise in exercises:
                if exercise.module:
                    self._candidate_server(exercise).server.ensure_running()
        if jobs <= 1 or len(exercises) <= 1:  # a batch's per-candidate call: no threads
            collected = [self.collect(ex, suite) for ex in exercises]
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                collected = list(pool.map(lambda ex: self.collect(ex, suite), exercises))
        return {ex.id: tests for ex, tests in zip(exercises, collected, strict=True)}

    def _share_libraries(self, exercises: list[Exercise], imports: tuple[str, ...]) -> None:
        """Without the libraries' server, the libraries both a suite and its answers load
        (scikit-learn, say) go in a server of their own that the judges' and candidates'
        servers are forked from: imported once, not once by each (~0.6 s of CPU)."""
        judges = self._judges  # None exactly when the numpy server is
        if self._warm or judges is None or self._libraries is not None:
            return
        if judges.server_pid is not None:  # too late: forked from the numpy server already
            return
        shared = shared_by_both(exercises, imports)
        if shared:
            preload = libraries_preload(shared)
            self._libraries = ForkServerContext(
                f"libraries-{id(self)}", preload, forked_from=self._numpy
            )
            judges.fork_from(self._libraries)

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
        if key not in self._collections:
            stored_as = collection_cache.cache_key(exercise, suite)
            found = collection_cache.load(exercise, suite, stored_as)
            if found is not None:
                atexit.register(shutil.rmtree, found.suite_dir, True)
            else:
                collection_cache.forget(stored_as)
                found = self._collect_against_stub(exercise, suite)
                collection_cache.store(stored_as, found)
            self._collections[key] = found
        return self._collections[key].tests

    def _collect_against_stub(self, exercise: Exercise, suite: str) -> Collection:
        imports = suite_imports([exercise], suite)
        # The trusted collection run leaves pytest's rewritten bytecode in the suite
        # folder; every later run gets a fresh copy of that folder.
        staging = Staging(exercise, suite, exercise.stub_path, imports=imports, keep_suite=True)
        with staging:
            atexit.register(shutil.rmtree, staging.suite_dir, True)
            outcome = self._run_child(
                exercise,
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
        return Collection(tuple(outcome.collected), imports, staging.suite_dir)

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
        collected = self._collections[key]
        with Staging(exercise, suite, artifact, collected.suite_dir, collected.imports) as staging:
            only: list[str] | None = None
            while True:
                outcome = self._run_child(
                    exercise,
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
                        message=fate_message(outcome, exercise),
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
        exercise: Exercise,
        job: JudgeJob,
        candidate: CandidateJob | None,
        *,
        expected: set[str] | None,
        deadline: float,
        test_seconds: float,
    ) -> ChildOutcome:
        self._started = True
        cpu = self._placement.take() if candidate is not None else None
        try:
            return run_pair(
                self._judge_process(),
                self._candidate_process(exercise) if candidate else None,
                dataclasses.replace(job, cpu=cpu),
                dataclasses.replace(candidate, cpu=cpu) if candidate is not None else None,
                expected=expected,
                deadline=deadline,
                test_seconds=test_seconds,
            )
        finally:
            self._placement.give_back(cpu)
