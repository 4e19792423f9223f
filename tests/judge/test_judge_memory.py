"""The judge's own memory cap: a candidate that floods the judge with data fails its
test, and the judge goes on with the next one."""

from __future__ import annotations

import resource

import pytest

from grader import host
from grader.sandbox import confinement

needs_limits = pytest.mark.skipif(
    not (host.current().linux and host.current().resource_limits),
    reason="the judge's cap needs Linux's /proc and rlimits",
)

# Each call sends 8 MB of fresh bytes: the candidate's process frees them as soon as they
# are sent, so it stays inside its own limit; a suite that keeps every one makes the
# judge hold 8 MB more each time.
ANSWER = """
def add(a, b):
    return a + b


def block():
    return bytes(8_000_000)
"""

SUITE = """
import adder as sub


def test_keeps_what_the_candidate_sends():
    kept = [sub.block() for _ in range(80)]
    assert len(kept) == 80


def test_goes_on_after_it():
    assert sub.add(2, 3) == 5
"""


@needs_limits
def test_a_candidate_flooding_the_judge_fails_that_test_only(grade_adder):
    """80 such blocks are 640 MB in the judge, over its cap for a 48 MB candidate (256 MB
    and four times 48): that test fails on the memory limit, the next one passes."""
    results = grade_adder(SUITE, ANSWER, memory_mb=48, test_seconds=30, exercise_seconds=60)
    flooded = results["test_keeps_what_the_candidate_sends"]
    assert flooded.status.value == "memory_limit", flooded.message
    assert "memory" in flooded.message.lower()
    assert results["test_goes_on_after_it"].status.value == "passed"


@needs_limits
def test_the_same_suite_passes_with_a_candidate_allowed_enough_memory(grade_adder):
    """The cap grows with the candidate's own limit: 640 MB kept is within it for a
    candidate allowed 512 MB, as it was before there was a cap."""
    results = grade_adder(SUITE, ANSWER, memory_mb=512, test_seconds=30, exercise_seconds=60)
    assert results["test_keeps_what_the_candidate_sends"].status.value == "passed"


@needs_limits
def test_the_cap_is_what_the_process_has_and_the_spare():
    """The cap is set on this process's address space from its size now; its hard limit
    is left as it was (in a child process, so the test runner keeps its own)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)

    def child() -> None:
        before = confinement._address_space()
        cap = confinement.cap_judge_memory(10)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        sending.send((before, cap, soft, hard))

    process = context.Process(target=child)
    process.start()
    assert receiving.poll(30), "the child reported nothing"
    before, cap, soft, hard = receiving.recv()
    process.join(30)
    spare = (confinement.JUDGE_SPARE_MB + confinement.JUDGE_PER_CANDIDATE_MB * 10) * 2**20
    assert cap == soft
    assert before + spare <= cap <= before + spare + 64 * 2**20
    assert hard == resource.getrlimit(resource.RLIMIT_AS)[1]
