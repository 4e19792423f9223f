"""The judge never uses an address the candidate's process names: numpy's raw-memory
protocols are not asked of a proxy, and values with odd shapes still decode as data."""

from __future__ import annotations

import numpy as np
import pytest

from grader.link.codec import Codec
from grader.link.wire import WireError, message_bytes, split_message

ADDRESSES = """
import sys


class Pointing:
    '''Claims to be 48 bytes at an address of the judge: the forked test process shares
    the addresses of everything made before the fork, sys.modules among them.'''

    def __init__(self, address):
        self.__array_interface__ = {
            "shape": (48,), "typestr": "|u1", "data": (address, False), "version": 3,
        }
        self.__array_struct__ = None


def pointing():
    return Pointing(id(sys.modules))


class Seq:
    def __getitem__(self, key):
        return ["slice", key.start, key.stop, key.step]
"""


def test_numpy_never_reads_memory_at_an_address_the_candidate_names(serve_answer):
    answer = serve_answer(ADDRESSES)
    got = answer.pointing()
    array = np.asarray(got)
    # Taken as one object, not as 48 bytes of the judge's own sys.modules.
    assert array.dtype == object and array.shape == ()
    assert array.item() is got
    with pytest.raises(AttributeError):
        got.__array_interface__  # noqa: B018 - reading it is the test


def test_a_slice_crosses_to_the_candidates_process(serve_answer):
    answer = serve_answer(ADDRESSES)
    assert answer.Seq()[1:3] == ["slice", 1, 3, None]
    assert answer.Seq()[::2] == ["slice", None, None, 2]


@pytest.mark.parametrize("tree", [["SL", 1, 2], ["SL", 1, 2, 3, 4], ["SL", ["nope"], 1, 2]])
def test_malformed_slices_are_wire_errors(tree):
    header, buffers = split_message(message_bytes(tree, []))
    with pytest.raises(WireError):
        Codec("c", None).decode(header, buffers)


def test_a_slice_decodes_with_its_three_parts():
    header, buffers = split_message(message_bytes(["SL", 1, None, -1], []))
    assert Codec("c", None).decode(header, buffers) == slice(1, None, -1)


HOOKS = """
SEEN = []


class Verdict:
    '''Takes over any numpy operation it is part of, and keeps what it was given.'''

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        SEEN.append(repr(inputs))
        return True

    def __array_function__(self, func, types, args, kwargs):
        SEEN.append(func.__name__)
        return True


class Honest:
    '''Hands over its values, and nothing else.'''

    def __array__(self, dtype=None, copy=None):
        import numpy as np

        return np.array([1, 2, 3])


def verdict():
    return Verdict()


def honest():
    return Honest()


def seen():
    return list(SEEN)
"""


def test_numpy_operations_never_hand_the_verdict_to_the_candidate(serve_answer):
    answer = serve_answer(HOOKS)
    got = answer.verdict()
    expected = np.arange(3)
    assert not np.any(expected == got)
    assert not np.array_equal(got, expected)
    assert np.shape(got) == ()
    # The candidate's hooks never ran, and never saw the expected values.
    assert answer.seen() == []


def test_an_object_still_hands_over_its_values_to_numpy(serve_answer):
    answer = serve_answer(HOOKS)
    got = np.asarray(answer.honest())
    assert type(got) is np.ndarray and got.tolist() == [1, 2, 3]
    assert np.array_equal(answer.honest(), [1, 2, 3])
