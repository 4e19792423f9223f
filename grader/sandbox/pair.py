"""One judge and its candidate's process: started together, watched until the judge
finishes, dies or runs out of time, then ended with everything the candidate started."""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import signal
import time
from multiprocessing.connection import wait
from typing import Any

from grader import host
from grader.candidate.entry import run as run_candidate
from grader.job import CandidateJob, JudgeJob
from grader.judge.entry import run as run_child
from grader.sandbox.cgroups import Cage
from grader.sandbox.channel import ChildOutcome, accept
from grader.sandbox.exits import (
    CPU_LIMIT_SIGNAL,
    PEER_GONE_AT_IMPORT_EXIT,
    PEER_GONE_EXIT,
    describe_exit,
    signal_code,
)
from grader.sandbox.forkservers import CHILD_NAME
from grader.sandbox.processes import kill_tree

MESSAGE_MAX_BYTES = 256 * 1024
POLL_SECONDS = 0.05


def run_pair(
    judge_class: Any,
    candidate_class: Any,
    job: JudgeJob,
    candidate: CandidateJob | None,
    *,
    expected: set[str] | None,
    deadline: float,
    test_seconds: float,
) -> ChildOutcome:
    """Run a judge (and its candidate's process, if the job has one) to the end.

    `judge_class` and `candidate_class` are the Process classes that start each one
    (from a warm server, or spawned); `expected` names the tests the judge may report.
    """
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
        candidate_process = candidate_class(
            target=run_candidate, args=(candidate, candidate_end), name=CHILD_NAME
        )
        candidate_process.start()
        candidate_end.close()
        job = dataclasses.replace(job, candidate_pid=candidate_process.pid, cage=cage)
    process = judge_class(
        target=run_child, args=(job, writer, judge_end), name=CHILD_NAME, daemon=False
    )
    process.start()
    writer.close()
    if judge_end is not None:
        judge_end.close()
    outcome = ChildOutcome()
    try:
        _watch(process, reader, job, expected, deadline, test_seconds, outcome)
    finally:
        _kill_group(process)
        if candidate_process is not None:
            _end_candidate(candidate_process, cage)
        reader.close()
    code = process.exitcode
    if code in (PEER_GONE_EXIT, PEER_GONE_AT_IMPORT_EXIT) and candidate_process is not None:
        when = "while importing" if code == PEER_GONE_AT_IMPORT_EXIT else "during"
        code = signal_code(candidate_process.exitcode)
        if not outcome.exit_reason:
            outcome.exit_reason = "the candidate's process " + (
                describe_exit(code, outcome, candidate=when) or "ended before the suite finished"
            )
    if not outcome.exit_reason:
        outcome.exit_reason = describe_exit(code, outcome)
    if outcome.current is not None and not outcome.current_fate:
        by_cpu = CPU_LIMIT_SIGNAL is not None and code == -CPU_LIMIT_SIGNAL
        outcome.current_fate = "cpu_limit" if by_cpu else "crashed"
    return outcome


def _watch(
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


def _kill_group(process: multiprocessing.process.BaseProcess) -> None:
    """Kill a child, its process group and every descendant; stopping them first keeps
    a fork bomb from outrunning the scan (the candidate's cage catches the rest)."""
    pid = process.pid
    if pid is not None:
        if process.exitcode is None:  # a reaped child's pid may already be reused
            kill_tree(pid)
        if host.current().sessions:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    if process.exitcode is None:
        process.kill()
    process.join(10)
