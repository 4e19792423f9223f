"""What a hidden suite may use besides the candidate's module: helper code run in the
candidate's process, the candidate's memory measured from outside it, and its iterators
drawn several items per crossing."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from grader.link.proxies import Proxy

# Items one crossing asks for when the suite draws an iterator to its end: a few pulls
# past an early failure at most, in exchange for a round trip per item.
DRAW_CHUNK = 64

# Set by the judge's process: its connection to the candidate's process.
_connection: Any = None


def connect(connection: Any) -> None:
    """Called by the judge: how define() and peak_memory() reach the candidate."""
    global _connection
    _connection = connection


def _link_and_memory() -> tuple[Any, Any]:
    return _connection.link_and_memory() if _connection is not None else (None, None)


class _NotConnected:
    """What define() gives while a suite is only being collected: never used then."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{self._name} is only available while grading")

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        return (object,)


def define(source: str, *names: str) -> Any:
    """Run helper code in the candidate's process and return the names it defines.

    For a test's helper that the candidate's code must be able to clone, subclass or
    patch as if it were its own (a scikit-learn estimator, a spy on a library call).
    The source must import what it uses. What the helper records lives in the
    candidate's process: read it back through the returned objects.
    """
    link, _ = _link_and_memory()
    if link is None:
        found: Any = tuple(_NotConnected(name) for name in names)
    else:
        defined = link.endpoint.request("define", source, list(names))
        found = tuple(defined[name] for name in names)
    return found[0] if len(found) == 1 else found


# Run in the candidate's process before each measurement. Memory its code freed earlier (a
# previous test's arrays) stays with the C allocator, still counted as the process's: an
# allocation that reuses it would not show as growth, so a list of every batch built by an
# earlier test's leftovers measured as nothing.
_RELEASE_SOURCE = """
import ctypes
import gc


def release_free_memory():
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):
        pass  # not glibc: its allocator hands memory back by itself
"""
_release: list[Any] = []  # [link, release_free_memory] for the current link


def _release_free_memory(link: Any) -> None:
    if link is None:
        return
    if not _release or _release[0] is not link:
        _release[:] = [link, define(_RELEASE_SOURCE, "release_free_memory")]
    _release[1]()


def peak_memory(call: Callable[[], Any]) -> tuple[Any, int]:
    """Run `call` and return its result with the candidate process's peak memory growth
    in bytes during the call, read from outside that process (its cgroup or /proc)."""
    link, memory = _link_and_memory()
    if memory is None:
        raise RuntimeError("the candidate's memory cannot be measured on this machine")
    _release_free_memory(link)
    memory.reset()
    baseline = memory.current()
    result = call()
    return result, max(0, memory.peak() - baseline)


def left_by_candidate(value: Any) -> Any:
    """What the candidate's code left in its copy of `value`, a list, dict, set or array
    the test handed to a call in this test: `value` itself if no call changed it.

    The test's own object never changes (a random generator's state aside, which
    advances as the candidate draws): a hostile answer could otherwise rewrite the data
    the test computes its expected values from. A "does not modify its input" test
    checks this instead of its own object.
    """
    link = getattr(_connection, "link", None)
    return value if link is None else link.endpoint.left_by_peer_of(value)


def last_call_args() -> Any:
    """The arguments of the last call into the candidate's code (a new object per call),
    or None before any call: lets a watcher tell that another call started."""
    link = getattr(_connection, "link", None)
    if link is None:
        return None
    return link.endpoint.last_call or None


def last_call() -> str:
    """The test's last call into the candidate's code, as `name(args)`, or "" if none."""
    # Read without connecting: a test that never called the candidate has no last call.
    link = getattr(_connection, "link", None)
    if link is None:
        return ""
    from grader.judge.wording import call_text

    recorded = link.endpoint.last_call
    # type() first: comparing a proxy with == would be a request to the candidate
    if len(recorded) >= 2 and type(recorded[0]) is str and recorded[0] == "exit":
        target, positional, keywords, method = recorded[1], list(recorded[2:]), {}, ".__exit__"
    elif len(recorded) == 3:
        (target, positional, keywords), method = recorded, ""
    else:
        return ""
    # A method read without a request carries its label: asking its `_mlgrade_ref`
    # would look it up, a request from this watcher's thread.
    label = getattr(target, "_mlgrade_label", None)
    # A mirrored class inherits the instances' `_mlgrade_ref` slot (a descriptor, not a
    # reference): take the first of the two that really has a label.
    for name in ("_mlgrade_ref", "_mlgrade_class_ref"):
        if isinstance(label, str):
            break
        label = getattr(getattr(target, name, None), "label", None)
    if not isinstance(label, str):
        label = "a function"
    return call_text(label + method, list(positional), dict(keywords))


def drawn(iterable: Iterable[Any], limit: int | None = None) -> Iterator[Any]:
    """The items a for loop over `iterable` would draw, at most `limit`, in the same order
    and with the same exception at the same place.

    A candidate's iterator hands them over up to DRAW_CHUNK (or `limit`) per crossing, so
    its code may run ahead of the loop by that many items: use a plain for loop where a
    test checks what happens between two items (laziness, memory).
    """
    iterator = iter(iterable)
    if not isinstance(iterator, Proxy):
        yield from itertools.islice(iterator, limit)
        return
    left = limit
    while left is None or left > 0:
        count = DRAW_CHUNK if left is None else min(left, DRAW_CHUNK)
        reply = iterator._op("take", count)
        # The candidate's process runs this op, so it may be patched to say anything.
        if not (isinstance(reply, list) and len(reply) == 2 and isinstance(reply[0], list)):
            raise RuntimeError("the candidate's process answered a draw with no items")
        items, end = reply[0][:count], reply[1]
        if not items and end is None:
            raise RuntimeError("the candidate's process answered a draw with no items")
        yield from items
        if left is not None:
            left -= len(items)
        if isinstance(end, BaseException):
            raise end
        if end is True:
            return
