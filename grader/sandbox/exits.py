"""How a judge or a candidate's process ended, in words an interviewer can read."""

from __future__ import annotations

import signal

from grader.catalogue import Exercise
from grader.sandbox.channel import ChildOutcome

# By name: Windows has no SIGXCPU, SIGKILL or SIGXFSZ.
_MEANINGS_BY_NAME = {
    "SIGXCPU": "CPU time limit exceeded",
    "SIGKILL": "killed (memory or time limit)",
    "SIGSEGV": "segmentation fault",
    "SIGABRT": "aborted",
    "SIGXFSZ": "file size limit exceeded",
}
SIGNAL_MEANINGS = {
    getattr(signal, name): meaning
    for name, meaning in _MEANINGS_BY_NAME.items()
    if hasattr(signal, name)
}
# The signal the CPU-time limit sends (None where the platform has none).
CPU_LIMIT_SIGNAL = getattr(signal, "SIGXCPU", None)
# The judge's exit status when the candidate's process ended under a test, or while
# its module was being imported.
PEER_GONE_EXIT = 75
PEER_GONE_AT_IMPORT_EXIT = 76


def signal_code(code: int | None) -> int | None:
    """A signal death as a negative code: the jail's outer process (where the jail made
    the pid namespace itself) reports one as 128 + the signal."""
    if code is not None and 128 < code < 128 + 65:
        return -(code - 128)
    return code


def describe_exit(code: int | None, outcome: ChildOutcome, *, candidate: str = "") -> str:
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


def fate_message(outcome: ChildOutcome, exercise: Exercise) -> str:
    if outcome.current_fate == "timeout":
        running = f"; it was running {outcome.current_call}" if outcome.current_call else ""
        if outcome.timed_out:
            return (
                f"timed out: the exercise's limit of {exercise.limits.exercise_seconds:g} s "
                f"ran out during this test{running}"
            )
        return f"timed out: the test ran longer than {exercise.limits.test_seconds:g} s{running}"
    if outcome.current_fate == "cpu_limit":
        return "CPU time limit reached: the process used more CPU time than the exercise allows"
    return f"crashed: {outcome.corrupt or outcome.exit_reason}"
