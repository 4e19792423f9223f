"""The stand-ins for the other process's objects: proxies.

Every use of a proxy is a request through the endpoint that made it (grader.link.remote);
an instance of a class comes as an instance of its class's mirror (grader.link.mirrors).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from grader.link.wire import PeerGone

if TYPE_CHECKING:
    from grader.link.wire import Ref

# The endpoint (grader.link.remote.Endpoint) a proxy sends its requests through.
Endpoint = Any
# Attributes numpy (and other array libraries) read from an object, or its class, to use
# its memory as is or to take over an operation: the other process's answer would be an
# address in this one's memory (a dict crossing by value), or the verdict of `array ==
# obj` with the expected array handed to it (__array_ufunc__, __array_function__). Never
# asked: numpy then takes the object's values through __array__ or as a sequence, which
# cross as data, and compares them itself.
RAW_MEMORY_PROTOCOLS = frozenset({"__cuda_array_interface__", "__dlpack__", "__dlpack_device__"})


def never_asked(name: str) -> bool:
    """Whether a peer's object is never asked for this attribute (see above): every
    numpy hook but __array__, and the other raw-memory protocols."""
    if name.startswith("__array") and name.endswith("__"):
        return name != "__array__"
    return name in RAW_MEMORY_PROTOCOLS


def calling_back(function: Proxy) -> Callable[..., Any]:
    """A plain function (so it binds as a method) that calls the peer's function."""

    def method(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return method


class Proxy:
    """Stands for an object of the other process: every use is a request to it."""

    __slots__ = ("_mlgrade_endpoint", "_mlgrade_ref", "__weakref__")

    @classmethod
    def _new(cls, endpoint: Endpoint, ref: Ref) -> Proxy:
        self = object.__new__(cls)
        object.__setattr__(self, "_mlgrade_endpoint", endpoint)
        object.__setattr__(self, "_mlgrade_ref", ref)
        return self

    def _op(self, name: str, *args: Any) -> Any:
        return self._mlgrade_endpoint.request("op", name, self, *args)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_mlgrade_") or never_asked(name):
            raise AttributeError(name)
        return self._mlgrade_endpoint.attribute(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._mlgrade_endpoint.request("setattr", self, name, value)

    def __delattr__(self, name: str) -> None:
        self._mlgrade_endpoint.request("delattr", self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._mlgrade_endpoint.call(self, list(args), kwargs)

    def __del__(self) -> None:
        try:
            self._mlgrade_endpoint.released(self._mlgrade_ref.id)
        except Exception:  # noqa: BLE001 - at interpreter exit the endpoint may be gone
            pass

    def __repr__(self) -> str:
        try:
            return str(self._op("repr"))
        except PeerGone:
            return f"<{self._mlgrade_ref.label} of the candidate's process, which ended>"

    def __str__(self) -> str:
        return str(self._op("str"))

    def __len__(self) -> int:
        return self._op("len")

    def __iter__(self) -> Any:
        return self._op("iter")

    def __next__(self) -> Any:
        return self._op("next")

    def __bool__(self) -> bool:
        return self._op("bool")

    def __hash__(self) -> int:
        return self._mlgrade_endpoint.hash_of(self)

    def __getitem__(self, key: Any) -> Any:
        return self._op("getitem", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._op("setitem", key, value)

    def __delitem__(self, key: Any) -> None:
        self._op("delitem", key)

    def __contains__(self, item: Any) -> bool:
        return self._op("contains", item)

    def __eq__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "eq", other)

    def __ne__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "ne", other)

    def __lt__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "lt", other)

    def __le__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "le", other)

    def __gt__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "gt", other)

    def __ge__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "ge", other)

    def __add__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "add", other)

    def __radd__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "radd", other)

    def __sub__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "sub", other)

    def __rsub__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "rsub", other)

    def __mul__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "mul", other)

    def __rmul__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "rmul", other)

    def __truediv__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "truediv", other)

    def __rtruediv__(self, other: Any) -> Any:
        return self._mlgrade_endpoint.operate(self, "rtruediv", other)

    def __neg__(self) -> Any:
        return self._op("neg")

    def __abs__(self) -> Any:
        return self._op("abs")

    def __float__(self) -> float:
        return self._op("float")

    def __int__(self) -> int:
        return self._op("int")

    def __index__(self) -> int:
        return self._op("index")

    def __dir__(self) -> list[str]:
        return list(self._op("dir"))

    def __enter__(self) -> Any:
        return self._op("enter")

    def __exit__(self, *exc: Any) -> Any:
        return self._op("exit", *exc)

    def __instancecheck__(self, instance: Any) -> bool:
        return bool(self._mlgrade_endpoint.request("op", "isinstance", instance, self))

    def __subclasscheck__(self, subclass: Any) -> bool:
        return bool(self._mlgrade_endpoint.request("op", "issubclass", subclass, self))


class CallableProxy(Proxy):
    """A proxy for a function: like a function, it binds when stored on a class."""

    __slots__ = ()

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self if instance is None else types.MethodType(self, instance)


class PendingMethod(CallableProxy):
    """`obj.method` of a peer's object whose class has that method as a plain function,
    read without a request: the lookup is done by the peer when the method is called
    (one request for both), or before this side sends anything else, so it always sees
    the peer as it was when the attribute was read. Any other use looks it up first.

    Once looked up it stands for the proxy of what the lookup gave, which owns the
    reference; this object only forwards to it.
    """

    __slots__ = ("_mlgrade_owner", "_mlgrade_name", "_mlgrade_label", "_mlgrade_found")

    @classmethod
    def _pending(cls, endpoint: Endpoint, owner: Any, name: str, label: str) -> PendingMethod:
        self = object.__new__(cls)
        object.__setattr__(self, "_mlgrade_endpoint", endpoint)
        object.__setattr__(self, "_mlgrade_owner", owner)
        object.__setattr__(self, "_mlgrade_name", name)
        object.__setattr__(self, "_mlgrade_label", label)
        return self

    def _mlgrade_target(self) -> Any:
        """What the lookup gave (a proxy), looking it up now if it was not yet."""
        try:
            found = self._mlgrade_found
        except AttributeError:
            found = self._mlgrade_endpoint.look_up(self)
        if isinstance(found, BaseException):
            raise found
        return found

    def __getattr__(self, name: str) -> Any:
        if name == "_mlgrade_ref":
            target = self._mlgrade_target()
            if not isinstance(target, Proxy):
                raise TypeError(f"{self._mlgrade_label} of the other process is not a method")
            return target._mlgrade_ref
        if name.startswith("_mlgrade_"):
            raise AttributeError(name)
        return getattr(self._mlgrade_target(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            found = self._mlgrade_found
        except AttributeError:
            return self._mlgrade_endpoint.call_method(self, list(args), kwargs)
        if isinstance(found, BaseException):
            raise found
        return found(*args, **kwargs)

    def __repr__(self) -> str:
        try:
            return repr(self._mlgrade_target())
        except PeerGone:
            return f"<{self._mlgrade_label} of the other process, which ended>"

    def __del__(self) -> None:
        pass  # the proxy it forwards to releases the reference


# Read through the proxy, not from the Proxy class: `wrapper.__doc__`, `f.__module__`.
for _attribute in ("__doc__", "__module__"):
    for _cls in (Proxy, CallableProxy, PendingMethod):
        setattr(
            _cls,
            _attribute,
            property(lambda self, _n=_attribute: self._mlgrade_endpoint.attribute(self, _n)),
        )
