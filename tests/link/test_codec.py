"""Encoding a class: built once per class, yet always naming an object the sender still
holds, and kept by identity (a metaclass's `__eq__` or `__hash__` is never asked)."""

from __future__ import annotations

import enum
import math
import socket

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.link import decoding
from grader.link.codec import JSON_SCALARS, _own_trees
from grader.link.remote import Endpoint
from grader.link.wire import WireError
from grader.link.write_back import SCALARS, _scalar_slots


@pytest.fixture
def endpoint():
    left, right = socket.socketpair()
    yield Endpoint(left, "c")
    left.close()
    right.close()


class Model:
    def fit(self) -> Model:
        return self


class Forest(Model):
    pass


def test_a_class_sent_twice_is_the_same_tree_naming_one_exported_object(endpoint):
    first = endpoint.codec.encode(Forest(), [])
    second = endpoint.codec.encode(Forest(), [])
    assert first[5] == second[5]  # the class trees
    tag, side, ident, *_, bases, _protocols, _methods, _class_methods = first[5]
    assert (tag, side) == ("K", "c")
    assert endpoint.resolve(ident) is Forest
    assert endpoint.resolve(bases[0][2]) is Model


def test_a_class_described_again_is_not_decoded_again(monkeypatch):
    left, right = socket.socketpair()
    sender, receiver = Endpoint(left, "c"), Endpoint(right, "j")
    try:
        first = sender.codec.encode(Forest(), [])
        mirror = type(receiver.codec.decode(first, []))
        decoded: list[object] = []
        real = decoding.method_labels
        monkeypatch.setattr(
            decoding, "method_labels", lambda tree: decoded.append(tree) or real(tree)
        )
        again = receiver.codec.decode(sender.codec.encode(Forest(), []), [])
        assert type(again) is mirror and type(again).__name__ == "Forest"
        assert decoded == []  # the mirror made from the first description answers
    finally:
        left.close()
        right.close()


def test_a_class_the_peer_released_is_exported_again_before_it_is_named(endpoint):
    ident = endpoint.codec.encode_class(Model)[2]
    # The peer may release any id it was sent (a hostile one releases classes too).
    endpoint._forget([[ident, 1000]])
    with pytest.raises(WireError, match="names nothing"):
        endpoint.resolve(ident)
    again = endpoint.codec.encode_class(Model)[2]
    assert endpoint.resolve(again) is Model


def test_an_unhashable_class_still_crosses(endpoint):
    class Touchy(type):
        __hash__ = None  # type: ignore[assignment]

        def __eq__(cls, other: object) -> bool:
            raise RuntimeError("do not compare me")

    Odd = Touchy("Odd", (), {})
    tree = endpoint.codec.encode_class(Odd)
    assert endpoint.codec.encode_class(Odd) is tree
    assert endpoint.resolve(tree[2]) is Odd


def test_a_class_tree_lists_its_plain_methods_for_the_peer(endpoint):
    *_, methods = endpoint.codec.encode_class(Forest)
    assert methods == ["fit", "Model.fit"]


@pytest.mark.parametrize(
    ("methods", "kept"),
    [
        (["predict", "Model.predict", "_secret", "Model._secret"], {"predict": "Model.predict"}),
        (["not a name", "x", "fit", "Model.fit"], {"fit": "Model.fit"}),
        (["predict"], None),
        ([1, "Model.predict"], None),
        ("predict", None),
        (["m", "M.m"] * 401, None),
    ],
)
@pytest.mark.parametrize("where", [8, 9])
def test_a_peers_list_of_methods_is_checked_before_it_is_used(endpoint, methods, kept, where):
    """What a hostile peer says of its classes' methods, an instance's (8) or the class's
    own (9): malformed lists are refused, names that are not public identifiers dropped."""
    tree: list = ["K", "j", 7, "Model", "Model", "tests", [], [], [], []]
    tree[where] = methods
    if kept is None:
        with pytest.raises(WireError):
            endpoint.codec.decode(tree, [])
    else:
        mirror = endpoint.codec.decode(tree, [])
        own = "_mlgrade_methods" if where == 8 else "_mlgrade_class_methods"
        assert type.__getattribute__(mirror, "__dict__")[own] == kept


class Level(enum.IntEnum):
    LOW = 1


class Label(str):
    pass


# Every kind of item a list may hold whose check is by its exact type: the scalars, their
# subclasses (which are not plain), NaN and the infinities, and objects.
ITEMS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.sampled_from([Level.LOW, Label("x"), np.float64(1.5), np.int64(2), b"b", 1j, object()]),
)


@given(st.lists(ITEMS, max_size=12))
def test_the_checks_over_a_whole_list_agree_with_a_check_of_each_item(items):
    """The list checks run as C loops (map, set) give what testing each item in Python gave."""

    def own_tree(item):
        kind = type(item)
        return kind in JSON_SCALARS or (kind is float and math.isfinite(item))

    assert _own_trees(items) == all(own_tree(item) for item in items)
    assert _own_trees(tuple(items)) == all(own_tree(item) for item in items)
    assert (_scalar_slots(items) is not None) == all(type(i) in SCALARS for i in items)
    pairs = dict(zip(range(len(items)), items, strict=True))
    assert (_scalar_slots(pairs) is not None) == all(type(i) in SCALARS for i in items)
