"""A hot loop run with frame room never maps and unmaps CPython's frame chunks."""

from __future__ import annotations

import sys

import pytest

from grader.sandbox.frame_room import _call, with_frame_room

resource = pytest.importorskip("resource")


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _chain(n: int) -> int:
    return _chain(n - 1) if n else 0


def _worst_loop_faults() -> int:
    """The most page faults a loop of 200 calls 60 frames deep took, over call depths
    0..300: at a depth where the 60 frames cross the end of a frame chunk, CPython maps a
    new chunk and faults it in on every call."""
    worst = 0
    for offset in range(0, 300, 7):

        def at(depth: int) -> int:
            if depth:
                return at(depth - 1)
            before = _faults()
            for _ in range(200):
                _chain(60)
            return _faults() - before

        worst = max(worst, at(offset))
    return worst


def test_the_function_gets_its_arguments_and_gives_its_result_and_errors():
    assert with_frame_room(divmod, 17, 5) == (3, 2)
    with pytest.raises(ZeroDivisionError):
        with_frame_room(divmod, 1, 0)


@pytest.mark.skipif(
    sys.implementation.name != "cpython" or sys.version_info < (3, 11),
    reason="only CPython 3.11 and later keep frames in chunks",
)
def test_a_loop_at_any_depth_stays_in_one_chunk():
    without = _call(_worst_loop_faults, ())
    assert without >= 200, "the loop never crossed a chunk's end: nothing to compare"
    assert with_frame_room(_worst_loop_faults) < 20
