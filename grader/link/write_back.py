"""Arguments a call changed in place travel back to the caller.

Each side works on its own copies of what it was sent: a list the candidate's function
appends to, an array it fills, a random generator it draws from. The callee compares
each mutable argument's encoding before and after the call and sends back those that
changed. The candidate's process makes its own object hold the new value; the judge
keeps it apart (suite_tools.left_by_candidate), so that the test's own data never holds
what the candidate's code wrote, except a random generator's state, which advances.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

import numpy as np

from grader.link.codec import Codec
from grader.link.wire import DTYPE_PATTERN

# Values that cannot change in place: a list or dict holding only these changes exactly
# when one of its slots holds another object.
SCALARS = frozenset({int, float, str, bool, type(None), bytes, complex})
SHALLOW = "shallow"
# A numeric array is compared by what its encoding holds (dtype, shape, bytes in C order)
# without building that encoding twice.
ARRAY = "array"

Snapshot = tuple[int, Any, Any, list[Any]]


def snapshots(codec: Codec, op: str, args: list[Any]) -> list[Snapshot]:
    """What a call's mutable arguments hold before it runs: their encodings, or for a
    list or dict of plain scalars (the common case) just which objects fill its slots."""
    if op != "call" or len(args) != 3 or not isinstance(args[1], list):
        return []
    found = []
    for index, value in enumerate(args[1]):
        if not _mutable(value):
            continue
        slots = _scalar_slots(value)
        if slots is not None:
            found.append((index, value, SHALLOW, slots))
            continue
        if _plain_array(value):
            found.append((index, value, ARRAY, _array_state(value)))
            continue
        scratch: list[Any] = []
        tree = codec.encode(value, scratch)
        found.append((index, value, tree, [bytes(b) for b in scratch]))
    return found


def changed_arguments(codec: Codec, before: list[Snapshot], out: list[Any]) -> list[Any]:
    """The arguments a call changed in place, encoded into `out` for the caller."""
    changed = []
    for index, value, tree, buffers in before:
        if tree is SHALLOW:
            now = _scalar_slots(value)
            # Compared by identity: 1 replaced by 1.0 is a change too.
            same = now is not None and len(now) == len(buffers)
            if same and all(map(operator.is_, now, buffers)):
                continue
        elif tree is ARRAY:
            if _array_state(value) == buffers:
                continue
        else:
            scratch: list[Any] = []
            now = codec.encode(value, scratch)
            if now == tree and [bytes(b) for b in scratch] == buffers:
                continue
        changed.append([index, codec.encode(value, out)])
    return changed


def _scalar_slots(value: Any) -> list[Any] | None:
    """The objects in a list's or a dict's slots (keys and values), when all are scalars."""
    if type(value) is list:
        slots = list(value)
    elif type(value) is dict:
        slots = list(itertools.chain.from_iterable(value.items()))
    else:
        return None
    # By C loops (map, set): a Python-level test per slot cost more than the call itself.
    return slots if set(map(type, slots)) <= SCALARS else None


def _plain_array(value: Any) -> bool:
    return type(value) is np.ndarray and bool(DTYPE_PATTERN.match(value.dtype.str))


def _array_state(value: np.ndarray) -> Any:
    return (value.dtype.str, value.shape, value.tobytes())


def _mutable(value: Any) -> bool:
    return type(value) in (list, dict, set, bytearray, np.random.Generator) or (
        type(value) is np.ndarray and value.flags.writeable
    )


def kept_apart(target: Any) -> bool:
    """Whether the judge keeps an argument's new value apart from it instead of assigning
    it: everything but a random generator, whose draws must advance the test's own."""
    return type(target) is not np.random.Generator


def assign(target: Any, value: Any) -> None:
    """Make the caller's object hold what the callee left in its copy."""
    if type(target) is list and isinstance(value, list):
        target[:] = value
    elif (
        type(target) is dict
        and isinstance(value, dict)
        or type(target) is set
        and isinstance(value, set)
    ):
        target.clear()
        target.update(value)
    elif type(target) is bytearray and isinstance(value, bytearray):
        target[:] = value
    elif type(target) is np.random.Generator and type(value) is np.random.Generator:
        # The draws made from the copy advance the caller's generator as if made from it.
        if type(target.bit_generator) is type(value.bit_generator):
            target.bit_generator.state = value.bit_generator.state
    elif (
        isinstance(target, np.ndarray)
        and isinstance(value, np.ndarray)
        and target.shape == value.shape
        and target.flags.writeable
    ):
        target[...] = value
