"""The stand-ins for the other process's objects: proxies, and mirrors of its classes.

Every use of a proxy is a request through the endpoint that made it (grader.link.remote);
a mirrored class keeps the other process's class hierarchy, so exact type checks,
isinstance, subclassing and `pytest.raises` work on this side.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from grader.link.wire import SELF_ITERATOR, PeerGone

if TYPE_CHECKING:
    from grader.link.wire import Ref

# The endpoint (grader.link.remote.Endpoint) a proxy sends its requests through.
Endpoint = Any


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
        if name.startswith("_mlgrade_"):
            raise AttributeError(name)
        return self._mlgrade_endpoint.attribute(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._mlgrade_endpoint.request("setattr", self, name, value)

    def __delattr__(self, name: str) -> None:
        self._mlgrade_endpoint.request("delattr", self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        endpoint = self._mlgrade_endpoint
        with endpoint.lock:
            saved = endpoint._pending_arguments
            endpoint._pending_arguments = list(args)
            try:
                return endpoint.request("call", self, list(args), kwargs)
            finally:
                endpoint._pending_arguments = saved

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
        return self._op("hash")

    def __getitem__(self, key: Any) -> Any:
        return self._op("getitem", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._op("setitem", key, value)

    def __delitem__(self, key: Any) -> None:
        self._op("delitem", key)

    def __contains__(self, item: Any) -> bool:
        return self._op("contains", item)

    def __eq__(self, other: Any) -> Any:
        return self._op("eq", other)

    def __ne__(self, other: Any) -> Any:
        return self._op("ne", other)

    def __lt__(self, other: Any) -> Any:
        return self._op("lt", other)

    def __le__(self, other: Any) -> Any:
        return self._op("le", other)

    def __gt__(self, other: Any) -> Any:
        return self._op("gt", other)

    def __ge__(self, other: Any) -> Any:
        return self._op("ge", other)

    def __add__(self, other: Any) -> Any:
        return self._op("add", other)

    def __radd__(self, other: Any) -> Any:
        return self._op("radd", other)

    def __sub__(self, other: Any) -> Any:
        return self._op("sub", other)

    def __rsub__(self, other: Any) -> Any:
        return self._op("rsub", other)

    def __mul__(self, other: Any) -> Any:
        return self._op("mul", other)

    def __rmul__(self, other: Any) -> Any:
        return self._op("rmul", other)

    def __truediv__(self, other: Any) -> Any:
        return self._op("truediv", other)

    def __rtruediv__(self, other: Any) -> Any:
        return self._op("rtruediv", other)

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
    def _pending(cls, endpoint: Endpoint, owner: Proxy, name: str, label: str) -> PendingMethod:
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


class RemoteMeta(type):
    """The metaclass of mirrored classes: instantiating one, or reading a class
    attribute, is a request to the class's own process."""

    _mlgrade_class_endpoint: Endpoint
    _mlgrade_class_ref: Ref

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any):
        if "_mlgrade_class_ref" in namespace:
            return super().__new__(mcs, name, bases, namespace, **kw)
        # A class statement subclassing a mirrored class: made in the peer's process.
        mirrored = [b for b in bases if isinstance(b, RemoteMeta)]
        endpoint = mirrored[0]._mlgrade_class_endpoint
        body = {
            k: v
            for k, v in namespace.items()
            if k not in ("__classcell__", "__slots__", "__dict__", "__weakref__")
        }
        made = endpoint.request("subclass", name, list(bases), body)
        if not isinstance(made, RemoteMeta):
            raise TypeError("the subclass could not be made in the other process")
        cell = namespace.get("__classcell__")
        if cell is not None:  # zero-argument super() in the class's own methods
            cell.cell_contents = made
        return made

    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        endpoint = cls._mlgrade_class_endpoint
        with endpoint.lock:
            saved = endpoint._pending_arguments
            endpoint._pending_arguments = list(args)
            try:
                return endpoint.request("call", cls, list(args), kwargs)
            finally:
                endpoint._pending_arguments = saved

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_mlgrade_") or name in ("__signature__", "__wrapped__"):
            raise AttributeError(name)
        return cls._mlgrade_class_endpoint.request("getattr", cls, name)

    def __setattr__(cls, name: str, value: Any) -> None:
        if name.startswith("_mlgrade_"):
            type.__setattr__(cls, name, value)
        else:
            cls._mlgrade_class_endpoint.request("setattr", cls, name, value)

    def __repr__(cls) -> str:
        return f"<class '{cls.__module__}.{cls.__qualname__}'>"


# Where an instance of a library's class (a fitted scikit-learn model the candidate
# returned) answers isinstance checks against the judge's own copy of that class.
LIBRARIES = frozenset({"numpy", "scipy", "sklearn", "pandas", "joblib"})


def _library_class(module: str, qualname: str, *, standard: bool = False) -> type | None:
    """This process's own copy of a library's class, if that library is loaded here
    (never imported on a peer's word); `standard` admits the standard library too."""
    top = module.partition(".")[0]
    known = top in LIBRARIES or (standard and top.lstrip("_") in sys.stdlib_module_names)
    if not known or module not in sys.modules:
        return None
    found: Any = sys.modules[module]
    for part in qualname.split("."):
        found = getattr(found, part, None)
        if found is None:
            return None
    return found if isinstance(found, type) else None


def _remote_init(self: Proxy, *args: Any, **kwargs: Any) -> None:
    """`super().__init__(...)` in a subclass's method: the class's own __init__, there."""
    endpoint = self._mlgrade_endpoint
    for cls in type(self).__mro__[1:]:
        if isinstance(cls, RemoteMeta) and cls._mlgrade_class_endpoint is endpoint:
            init = endpoint.request("getattr", cls, "__init__")
            init(self, *args, **kwargs)
            return


class _ForwardedDoc:
    """`__doc__` of a mirrored class and of its instances, read from the other process."""

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return owner._mlgrade_class_endpoint.request("getattr", owner, "__doc__")
        return instance._mlgrade_endpoint.request("getattr", instance, "__doc__")


def _own_iterator(self: Proxy) -> Proxy:
    """iter() of a peer's generator (or a built-in iterator): itself, as it is there."""
    return self


def _remote_get(self: Proxy, instance: Any, owner: Any = None) -> Any:
    """A candidate's object that is a descriptor binds as it would there."""
    if instance is None:
        return self
    return self._mlgrade_endpoint.request("op", "get", self, instance, owner)


def make_mirror(
    endpoint: Endpoint,
    ref: Ref,
    name: str,
    module: str,
    bases: list[type],
    features: tuple[str, ...] = (),
    methods: dict[str, str] | None = None,
) -> type:
    namespace: dict[str, Any] = {
        "_mlgrade_class_ref": ref,
        "_mlgrade_class_endpoint": endpoint,
        "__module__": module,
        "__qualname__": ref.label,
    }
    errors = [b for b in bases if issubclass(b, BaseException)]
    if errors:
        from grader.link.wire import NOT_RERAISED, RemoteBaseError, RemoteError

        # A library's own exception (pickle.PicklingError, NotFittedError) is this
        # side's class, so that `pytest.raises(pickle.PicklingError)` catches it.
        own = _library_class(module, ref.label, standard=True)
        if (
            own is not None
            and issubclass(own, BaseException)
            and not (endpoint.side == "j" and issubclass(own, NOT_RERAISED))
        ):
            return own

        if endpoint.side == "j":
            # The candidate's exit or interrupt must not end the judge.
            errors = [b for b in errors if not issubclass(b, NOT_RERAISED)] or [Exception]
        marker = RemoteError if any(issubclass(b, Exception) for b in errors) else RemoteBaseError
        # Bases the marker already derives from would make the order inconsistent.
        kept = [b for b in errors if not issubclass(marker, b)]
        if not any(issubclass(b, RemoteBaseError) for b in kept):
            kept.append(marker)
        try:
            return type(name, tuple(kept), namespace)
        except TypeError:  # bases whose layouts conflict: keep the first
            return type(name, (kept[0], marker) if kept[0] is not marker else (marker,), namespace)
    proxies = tuple(b for b in bases if isinstance(b, RemoteMeta)) or (Proxy,)
    namespace["__slots__"] = ()
    namespace["_mlgrade_methods"] = dict(methods or {})
    namespace["__init__"] = _remote_init
    # An instance's own docstring (functools.update_wrapper sets one), the class's for
    # the class: both asked of the other process.
    namespace["__doc__"] = _ForwardedDoc()
    if "__get__" in features:
        namespace["__get__"] = _remote_get
    if SELF_ITERATOR in features:
        namespace["__iter__"] = _own_iterator
    if endpoint.side == "j":
        library = _library_class(module, ref.label)
        if library is not None:
            namespace["__class__"] = property(lambda self, _c=library: _c)
    try:
        return RemoteMeta(name, proxies, namespace)
    except TypeError:
        return RemoteMeta(name, (Proxy,), namespace)


# Read through the proxy, not from the Proxy class: `wrapper.__doc__`, `f.__module__`.
for _attribute in ("__doc__", "__module__"):
    for _cls in (Proxy, CallableProxy, PendingMethod):
        setattr(
            _cls,
            _attribute,
            property(lambda self, _n=_attribute: self._mlgrade_endpoint.attribute(self, _n)),
        )
