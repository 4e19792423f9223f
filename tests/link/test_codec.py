"""Encoding a class: built once per class, yet always naming an object the sender still
holds, and kept by identity (a metaclass's `__eq__` or `__hash__` is never asked)."""

from __future__ import annotations

import socket

import pytest

from grader.link.remote import Endpoint
from grader.link.wire import WireError


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
