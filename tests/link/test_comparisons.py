"""The judge compares the candidate's objects itself: an object whose `__eq__`, ordering,
hash or arithmetic lies never passes a check, never sees the expected value, and an
honest answer built on a subclass of a built-in type still compares by its value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.link.comparisons import judged, value_of

LIARS = """
import collections
import enum

import numpy as np

SEEN = []


class Liar:
    '''Says yes to every comparison, and keeps what it was compared with.'''

    def __eq__(self, other):
        SEEN.append(other)
        return True

    def __ne__(self, other):
        SEEN.append(other)
        return False

    def __lt__(self, other):
        return True

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self):
        return hash(7)

    def __sub__(self, other):
        return 0.0

    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __sub__

    @property
    def name(self):
        return Liar()


class LyingInt(int):
    '''An int whose comparisons lie: compared by the int it holds.'''

    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class Colour(enum.IntEnum):
    RED = 1


def liar():
    return Liar()


def liars(n):
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = Liar()
    return out


def in_a_list():
    return [Liar(), Liar()]


def lying_int():
    return LyingInt(3)


def counter():
    return collections.Counter("aab")


def point():
    return collections.namedtuple("Point", "x y")(1, 2)


def red():
    return Colour.RED


def default():
    d = collections.defaultdict(list)
    d["a"].append(1)
    return d


def seen():
    return [repr(x) for x in SEEN]
"""


@pytest.fixture
def liars(serve_answer):
    return serve_answer(LIARS)


def test_an_object_that_says_it_equals_anything_equals_only_itself(liars):
    got = liars.liar()
    assert (got == 42) is False
    assert got != 42
    assert (got == [1, 2]) is False
    assert got == got
    assert got != liars.liar()
    # The expected values never reached the candidate's process.
    assert liars.seen() == []


def test_lying_elements_inside_values_received_by_value_fail_too(liars):
    assert liars.in_a_list() != [1, 2]
    array = liars.liars(4)
    assert type(array) is np.ndarray
    assert not np.array_equal(array, np.arange(4))
    assert np.asarray(array).tolist() != [0, 1, 2, 3]
    assert liars.seen() == []


def test_ordering_and_arithmetic_with_a_plain_object_are_refused(liars):
    got = liars.liar()
    for compare in (
        lambda: got < 1.0,
        lambda: got >= 0,
        lambda: abs(got - 1.0) <= 1e-12,
        lambda: 1.0 - got,
        lambda: got * 2,
    ):
        with pytest.raises(TypeError):
            compare()


def test_a_lying_hash_is_not_used(liars):
    got = liars.liar()
    assert 7 not in {got}
    assert got not in {7: "seven"}
    assert len({got, liars.liar()}) == 2


def test_an_attribute_read_from_a_liar_lies_no_better(liars):
    # persistence's `got.name == "model_3.joblib"` on an object that is not a Path.
    assert (liars.liar().name == "model_3.joblib") is False


def test_subclasses_of_built_in_values_compare_by_the_value_they_hold(liars):
    assert liars.lying_int() == 3
    assert liars.lying_int() != 4  # its own __eq__ would have said True
    assert liars.lying_int() + 1 == 4 and liars.lying_int() < 4
    assert liars.counter() == {"a": 2, "b": 1}
    assert liars.point() == (1, 2)
    assert liars.red() == 1 and hash(liars.red()) == hash(1)
    assert liars.default() == {"a": [1]}
    assert {liars.lying_int(): "x"}[3] == "x"


def test_a_bound_method_equals_one_of_the_same_function_on_the_same_object(serve_answer):
    answer = serve_answer(
        """
        class Tracker:
            def update(self):
                pass
        """
    )
    tracker, other = answer.Tracker(), answer.Tracker()
    assert tracker.update == tracker.update
    assert tracker.update != other.update


class _Honest(int):
    pass


@settings(max_examples=100, deadline=None)
@given(
    value=st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=5),
    other=st.integers(-(10**6), 10**6) | st.floats(allow_nan=False) | st.text(max_size=5),
    name=st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
)
def test_a_value_held_is_compared_as_the_value_itself(value, other, name):
    import operator

    expected: object
    try:
        expected = getattr(operator, name)(value, other)
    except TypeError:
        expected = TypeError
    try:
        got: object = judged(value_of(type(value)(value)), name, other)
    except TypeError:
        got = TypeError
    assert got == expected


def test_a_process_that_answers_with_its_own_object_again_gets_no_verdict(serve_answer):
    answer = serve_answer(
        """
        import grader.link.policy as policy

        # The candidate's process answers the judge's "value" request itself: here, with
        # the object again, as a proxy the judge would have to ask about once more.
        policy.OPERATIONS["value"] = lambda obj: [True, obj]


        class Odd:
            pass


        def odd():
            return Odd()
        """
    )
    got = answer.odd()
    assert (got == 1) is False and got == got
    with pytest.raises(TypeError):
        got < 1  # noqa: B015 - the comparison is the test


def test_what_is_not_a_value_has_no_verdict():
    class Plain:
        pass

    assert value_of(Plain()) == [False, None]
    assert judged(value_of(Plain()), "eq", 1) is NotImplemented
    assert judged(["not", "a reply"], "eq", 1) is NotImplemented
    assert judged([True, Plain()], "eq", 1) is NotImplemented
    assert value_of(_Honest(5)) == [True, 5] and type(value_of(_Honest(5))[1]) is int
    assert math.isnan(value_of(float("nan"))[1])
