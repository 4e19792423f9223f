"""Room on CPython's frame stack for a process's hot loop.

CPython (3.11 and later) keeps Python frames in chunks of memory that it maps when the
stack grows past one and unmaps when it shrinks back: a loop whose calls cross the end
of a chunk maps, faults in and unmaps one on every call (ten thousand times in a
suite's run). Run from a frame that opens a large chunk, the loop never reaches its end.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

# Stack slots reserved by the bottom frame: 66,000 of 8 bytes is just over 512 KiB, so
# CPython opens a 1 MiB chunk for it and leaves its callees about 480 KiB, thousands of
# frames. Unlike local variables, stack slots are not cleared when the frame starts.
SLOTS = 66_000


def _call(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return function(*args)


def _roomy_call() -> Callable[[Callable[..., Any], tuple[Any, ...]], Any]:
    """`_call` with a frame of SLOTS more stack slots; plain `_call` where frames are not
    kept in chunks (another Python) or the code cannot be rebuilt."""
    if sys.implementation.name != "cpython" or sys.version_info < (3, 11):
        return _call
    code = _call.__code__
    try:
        roomy = code.replace(co_stacksize=code.co_stacksize + SLOTS)
    except (TypeError, ValueError):
        return _call
    return types.FunctionType(roomy, _call.__globals__, "_call")


_ROOMY_CALL = _roomy_call()


def with_frame_room(function: Callable[..., Any], *args: Any) -> Any:
    """function(*args), called from a frame that leaves its callees a chunk of their own."""
    return _ROOMY_CALL(function, args)
