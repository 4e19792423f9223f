"""Arguments changed in place: no change is ever missed, and an untouched argument is not
sent back (a list or dict of scalars is checked slot by slot, anything else by encoding)."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.link.remote import Endpoint
from grader.link.write_back import changed_arguments, snapshots

scalars = st.integers() | st.floats(allow_nan=False) | st.text(max_size=3) | st.booleans()


def _mutations(value):
    """In-place edits a candidate's function might make (or not: "nothing"), by name."""
    if isinstance(value, list):
        return [
            ("nothing", lambda v: None),
            ("append", lambda v: v.append(7)),
            ("reverse", lambda v: v.reverse()),
            ("clear", lambda v: v.clear()),
            # 1 becomes 1.0: equal, yet another type.
            ("int to float", lambda v: v.__setitem__(0, 1.0) if v and v[0] == 1 else v.append(1.0)),
            ("nested list", lambda v: v.append([1])),
        ]
    return [
        ("nothing", lambda v: None),
        ("new key", lambda v: v.__setitem__("added", 1)),
        ("pop", lambda v: v.popitem() if v else v.__setitem__("k", 0)),
        (
            "value to text",
            lambda v: v.update({k: str(x) for k, x in v.items()}) or v.setdefault("t", "1"),
        ),
    ]


@pytest.fixture(scope="module")
def codec():
    left, right = socket.socketpair()
    yield Endpoint(left, "c").codec
    left.close()
    right.close()


def _shape(value):
    """What a value holds, types included (1 and 1.0 differ)."""
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        return [(type(k), k, _shape(v)) for k, v in value.items()]
    return (type(value), repr(value))


@given(
    st.lists(scalars, max_size=20) | st.dictionaries(st.text(max_size=3), scalars, max_size=10),
    st.data(),
)
def test_no_change_is_missed_and_an_untouched_argument_is_not_sent_back(codec, value, data):
    name, mutate = data.draw(st.sampled_from(_mutations(value)))
    before_shape = _shape(value)
    before = snapshots(codec, "call", [None, [value], {}])
    mutate(value)
    changed = changed_arguments(codec, before, [])
    if _shape(value) != before_shape:
        assert [index for index, _ in changed] == [0], name
    if name == "nothing":
        assert changed == []


def test_nested_and_array_arguments_are_compared_by_their_encoding(codec):
    nested = [[1, 2], [3]]
    array = np.zeros(4)
    before = snapshots(codec, "call", [None, [nested, array, [1]], {}])
    nested[0].append(9)
    array[2] = 1.0
    assert [index for index, _ in changed_arguments(codec, before, [])] == [0, 1]


ARRAY_MUTATIONS = [
    ("nothing", lambda a: None),
    ("one element", lambda a: a.__setitem__(0, a[0] + 1) if a.size else None),
    ("zero to minus zero", lambda a: a.__setitem__(..., -a) if a.dtype.kind == "f" else None),
    ("reshape in place", lambda a: setattr(a, "shape", (a.size, 1))),
    ("dtype view in place", lambda a: setattr(a, "dtype", np.uint8)),
    ("fill with the same", lambda a: a.__setitem__(..., a.copy())),
]


@given(
    st.sampled_from(["<f8", "<i8", "|b1", "<f4"]),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(ARRAY_MUTATIONS),
)
def test_every_change_to_an_array_argument_is_sent_back_and_only_those(codec, dtype, n, mutation):
    """Compared without encoding it twice: a change of bytes, shape or dtype (0.0 to -0.0
    included) is sent back; an untouched array, or one refilled with its own values, is not."""
    name, mutate = mutation
    array = (np.arange(n) % 3).astype(dtype)
    before_state = (array.dtype.str, array.shape, array.tobytes())
    before = snapshots(codec, "call", [None, [array], {}])
    mutate(array)
    changed = changed_arguments(codec, before, [])
    moved = (array.dtype.str, array.shape, array.tobytes()) != before_state
    assert [index for index, _ in changed] == ([0] if moved else []), name
