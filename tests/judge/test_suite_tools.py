"""What hidden suites use besides the candidate's module: peak_memory sees what a call
allocates even where the candidate's process freed memory before it; and a test's end
settles what it let go of."""

from __future__ import annotations

import os

import pytest

from grader.results import TestStatus

SUITE = """
import adder as sub
import pytest

from grader.judge.suite_tools import peak_memory


@pytest.mark.points(1)
def test_growth_is_seen():
    _, grown = peak_memory(lambda: sub.add(1, 2))
    assert grown >= 24_000_000, f"grown={grown}"


@pytest.mark.points(1)
def test_nothing_allocated_is_no_growth():
    _, grown = peak_memory(lambda: sub.mean([1.0, 3.0]))
    assert grown < 8_000_000, f"grown={grown}"
"""

# 36 MB of arrays allocated and freed at import, with one kept after them, so that the C
# allocator keeps the freed memory: add() then builds 32 MB of arrays in it.
ANSWER = """
import numpy as np

_junk = [np.ones(6400) for _ in range(700)]
_kept_after = np.ones(6400)
del _junk
_held = []


def add(a, b):
    _held.append([np.ones(6400) for _ in range(640)])
    return a + b


def mean(values):
    return sum(values) / len(values)
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="memory is read from /proc or cgroups")
def test_peak_memory_sees_an_allocation_that_reuses_freed_memory(grade_adder):
    tests = grade_adder(SUITE, ANSWER)

    for name in ("test_growth_is_seen", "test_nothing_allocated_is_no_growth"):
        assert tests[name].status is TestStatus.PASSED, tests[name].message


BLAME_SUITE = """
import adder as sub
import pytest


@pytest.mark.points(1)
def test_a_makes_a_slow_object():
    holder = sub.Slow()
    assert sub.add(1, 2) == 3
    del holder


@pytest.mark.points(1)
def test_b_only_adds():
    assert sub.add(2, 2) == 4
"""

SLOW_FINALIZER = """
import time


class Slow:
    def __del__(self):
        time.sleep(30)


def add(a, b):
    return a + b


def mean(values):
    return sum(values) / len(values)
"""


def test_a_finalizer_that_hangs_costs_the_test_that_let_its_object_go(grade_adder):
    # The judge hands the candidate's process the references a test let go of at that
    # test's end: the finalizer then runs in its time, not in the next test's first call.
    tests = grade_adder(BLAME_SUITE, SLOW_FINALIZER)

    slow = tests["test_a_makes_a_slow_object"]
    assert slow.status is TestStatus.TIMEOUT, slow.message
    assert tests["test_b_only_adds"].status is TestStatus.PASSED, tests["test_b_only_adds"].message
