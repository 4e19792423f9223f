"""This side's tables of references: the objects it named for the peer (kept until the
peer has released every copy it was sent) and its proxies and mirrors of the peer's."""

from __future__ import annotations

import functools
import types
import weakref
from typing import Any

from grader.link.mirrors import RemoteMeta, make_mirror
from grader.link.policy import Policy
from grader.link.proxies import CallableProxy, Proxy
from grader.link.wire import Ref, WireError


class References:
    """What each id names on either side of the link; the base of the link's Endpoint."""

    def __init__(self, side: str, policy: Policy) -> None:
        self.side = side
        self.policy = policy
        self._objects: dict[int, Any] = {}
        self._ids: dict[int, int] = {}
        # How often each id was sent and each peer id received: an object is forgotten
        # only once the peer has released every copy it was sent.
        self._sent: dict[int, int] = {}
        self._received: dict[int, int] = {}
        self._mirrors: dict[int, type] = {}
        self._next_id = 1
        self._proxies: weakref.WeakValueDictionary[int, Proxy] = weakref.WeakValueDictionary()
        self._released: list[list[int]] = []

    def export(self, value: Any) -> Ref:
        """Name one of this side's objects for the peer; the same object keeps its id."""
        if isinstance(value, Proxy) and value._mlgrade_endpoint is self:
            return value._mlgrade_ref  # the peer's own object, going home
        self.policy.check_export(value)
        if isinstance(value, RemoteMeta) and value._mlgrade_class_endpoint is self:
            return value._mlgrade_class_ref  # a mirrored class of the peer's, going home
        known = self._ids.get(id(value))
        if known is not None and self._objects.get(known) is value:
            ident = known
        else:
            ident = self._next_id
            self._next_id += 1
            self._objects[ident] = value
            self._ids[id(value)] = ident
        self._sent[ident] = self._sent.get(ident, 0) + 1
        return Ref(self.side, ident, _kind(value), label_of(value))

    def still_exported(self, ref: Ref, value: Any) -> bool:
        """Whether `ref` still names `value` for the peer (a mirrored class going home
        always does: the peer keeps its own)."""
        return ref.side != self.side or self._objects.get(ref.id) is value

    def resolve(self, ident: int) -> Any:
        """One of this side's objects, by the id the peer was given."""
        try:
            return self._objects[ident]
        except KeyError:
            raise WireError(f"reference {ident} names nothing this side exported") from None

    def proxy(self, ref: Ref, mirror: type | None = None) -> Proxy:
        """The proxy for a peer's object: the same object always gives the same proxy,
        an instance of the mirror of its class when it is an instance of a class."""
        self._received[ref.id] = self._received.get(ref.id, 0) + 1
        found = self._proxies.get(ref.id)
        if found is None:
            if isinstance(mirror, RemoteMeta):
                cls: type[Proxy] = mirror
            else:
                cls = CallableProxy if ref.kind == "callable" else Proxy
            found = cls._new(self, ref)
            self._proxies[ref.id] = found
        return found

    def known_mirror(self, ident: int) -> type | None:
        """The mirror already made for the peer's class `ident`, if any."""
        return self._mirrors.get(ident)

    def mirror(
        self,
        ref: Ref,
        name: str,
        module: str,
        bases: list[type],
        protocols: list[type],
        features: tuple[str, ...] = (),
        methods: dict[str, str] | None = None,
        class_methods: dict[str, str] | None = None,
    ) -> type:
        """The local class standing for a peer's class (made once per class)."""
        found = self._mirrors.get(ref.id)
        if found is None:
            found = make_mirror(self, ref, name, module, bases, features, methods, class_methods)
            for protocol in protocols:
                if not issubclass(found, BaseException):
                    protocol.register(found)
            self._mirrors[ref.id] = found
        return found

    def released(self, ident: int) -> None:
        """A proxy died: the peer may forget that object (told with the next message)."""
        self._released.append([ident, self._received.pop(ident, 1)])

    def remember_origin(self, exc: BaseException, ref: Ref) -> None:
        """An exception decoded from the peer: sent back, it becomes the peer's own again."""
        exc._mlgrade_origin = (self, ref)  # type: ignore[attr-defined]

    def foreign_origin(self, exc: BaseException) -> Ref | None:
        """The peer's reference an exception came as, if it came from the peer."""
        found = getattr(exc, "_mlgrade_origin", None)
        if isinstance(found, tuple) and len(found) == 2 and found[0] is self:
            return found[1]
        return None

    def _forget(self, releases: Any) -> None:
        if not isinstance(releases, list):
            return
        for entry in releases:
            if not (isinstance(entry, list) and len(entry) == 2):
                continue
            ident, count = entry
            if not isinstance(ident, int) or not isinstance(count, int):
                continue
            left = self._sent.get(ident, 0) - count
            if left > 0:
                self._sent[ident] = left
                continue
            self._sent.pop(ident, None)
            value = self._objects.pop(ident, None)
            if value is not None and self._ids.get(id(value)) == ident:
                del self._ids[id(value)]


CALLABLE_TYPES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    functools.partial,
)


def _kind(value: Any) -> str:
    if isinstance(value, type):
        return "type"
    if isinstance(value, CALLABLE_TYPES):
        return "callable"
    return "object"


def label_of(value: Any) -> str:
    """How feedback names one of this side's objects: a function by its own name."""
    name = getattr(type(value), "__qualname__", "object")
    if isinstance(value, CALLABLE_TYPES):
        # A function is named by its own name in feedback ("f1_score(...)"); this side's
        # own object, read here, never the peer's.
        own = getattr(value, "__qualname__", None)
        name = own if isinstance(own, str) else name
    return str(name)[:200]
