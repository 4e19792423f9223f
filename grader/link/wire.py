"""The messages between the judge and the candidate's process: their framing, the types
both ends share (references, the link's errors) and the kinds of value that cross by
value. Values are encoded by `codec`."""

from __future__ import annotations

import builtins
import collections.abc
import datetime
import json
import linecache
import re
import struct
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

# Big enough for the arrays the suites hand over, small enough that a hostile peer
# cannot make the other side allocate without bound.
MESSAGE_MAX_BYTES = 512 * 1024 * 1024
TRACEBACK_LIMIT = 2000
# A peer's exit or interrupt must not end this side's process: they cross as errors.
NOT_RERAISED = (SystemExit, KeyboardInterrupt, GeneratorExit)


TEXT_LIMIT = 4000
# What functools.wraps reads from the function it wraps: the judge sends a function's own
# values of these with its reference, so wrapping one of the test's functions costs the
# candidate's process no round trip per attribute.
IDENTITY_ATTRIBUTES = (
    "__module__",
    "__name__",
    "__qualname__",
    "__doc__",
    "__dict__",
    "__annotations__",
)
DEPTH_LIMIT = 200
# Said of a class whose instances are their own iterators (see codec.SELF_ITERATING).
SELF_ITERATOR = "iter-self"
# A class's methods travel once, with its tree: room for any class a suite or an answer
# defines, and bounded whatever a peer sends.
METHODS_LIMIT = 400
METHOD_NAME_LIMIT = 200
DTYPE_PATTERN = re.compile(r"^[<>|=]?[biufcmMUS]\d+(\[[A-Za-z0-9]+\])?$")
BUILTIN_TYPES = {
    name: value
    for name, value in vars(builtins).items()
    if isinstance(value, type) and name not in ("type", "super", "memoryview", "staticmethod")
}
PROTOCOLS = {
    name: getattr(collections.abc, name)
    for name in (
        "Mapping",
        "MutableMapping",
        "Sequence",
        "MutableSequence",
        "Set",
        "Iterable",
        "Iterator",
        "Sized",
        "Container",
        "Collection",
    )
}
TIME_TYPES = (
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    datetime.timezone,
)
TIME_TYPES_BY_NAME = {"datetime": datetime.datetime, "date": datetime.date, "time": datetime.time}
NUMPY_TYPES = {
    name: value
    for name, value in vars(np).items()
    if isinstance(value, type) and issubclass(value, np.generic)
}


# The random generators a suite may hand over: they cross by value with their state,
# which the caller's generator takes back after the call (see remote._assign).
BIT_GENERATORS = {
    cls.__name__: cls
    for cls in (
        np.random.PCG64,
        np.random.PCG64DXSM,
        np.random.MT19937,
        np.random.Philox,
        np.random.SFC64,
    )
}


class WireError(Exception):
    """The peer sent something that is not a well-formed message."""


class PeerGone(Exception):
    """The other process closed the link or ended (a crash, os._exit, a kill)."""


class RemoteBaseError(BaseException):
    """Base of the classes mirroring a peer's exception classes of its own."""

    remote_message = ""

    def __str__(self) -> str:
        return self.remote_message or super().__str__()


class RemoteError(RemoteBaseError, Exception):
    """Base of the mirrors of a peer's Exception subclasses."""


@dataclass(frozen=True)
class Ref:
    """A reference to an object that lives on one side: "c" (candidate) or "j" (judge)."""

    side: str
    id: int
    kind: str
    label: str


def message_parts(header: Any, buffers: list[bytes | memoryview]) -> list[bytes | memoryview]:
    """One message in parts: the header's length, the header as JSON, then its buffers."""
    head = _dumps(
        {"h": header, "n": [len(b) if isinstance(b, bytes) else b.nbytes for b in buffers]}
    ).encode()
    return [struct.pack("<I", len(head)), head, *buffers]


def message_bytes(header: Any, buffers: list[bytes | memoryview]) -> bytes:
    """One message as a single string of bytes."""
    return b"".join(message_parts(header, buffers))


_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.JSONDecoder().decode


def split_message(raw: bytes) -> tuple[Any, list[memoryview]]:
    """The header and the buffers of a message; WireError when it is malformed."""
    try:
        (size,) = struct.unpack_from("<I", raw, 0)
        envelope = _loads(bytes(raw[4 : 4 + size]).decode())
        lengths = envelope["n"]
        header = envelope["h"]
        if not isinstance(lengths, list) or not all(isinstance(n, int) and n >= 0 for n in lengths):
            raise WireError("bad buffer lengths")
    except (struct.error, ValueError, KeyError, TypeError, RecursionError) as exc:
        # (UnicodeDecodeError is a ValueError.)
        raise WireError(f"malformed message: {type(exc).__name__}") from None
    view = memoryview(raw)
    offset = 4 + size
    buffers = []
    for n in lengths:
        if offset + n > len(raw):
            raise WireError("message shorter than its buffers")
        buffers.append(view[offset : offset + n])
        offset += n
    return header, buffers


def exception_frames(exc: BaseException, filename: str) -> str:
    """Only the frames of one file in an exception's traceback, innermost last."""
    if not filename:
        return ""
    # Only that file's lines are read: traceback.extract_tb would look up every frame's,
    # and in the candidate's jail the link's own files are not there to find (two failed
    # stats and an open each, 50 µs an error for an expected ValueError).
    name = filename.rsplit("/", 1)[-1]
    lines = [
        f"{name}:{lineno} in {frame.f_code.co_name}\n"
        f"    {linecache.getline(filename, lineno).strip()}"
        for frame, lineno in traceback.walk_tb(exc.__traceback__)
        if frame.f_code.co_filename == filename
    ]
    text = "\n".join(lines)
    return text[-TRACEBACK_LIMIT:]
