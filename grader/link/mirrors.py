"""Mirrors of the other process's classes: a mirrored class keeps that process's class
hierarchy, so exact type checks, isinstance, subclassing and `pytest.raises` work on
this side; its instances are proxies (grader.link.proxies)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from grader.link.proxies import Endpoint, Proxy, never_asked
from grader.link.wire import SELF_ITERATOR

if TYPE_CHECKING:
    from grader.link.wire import Ref


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
        return cls._mlgrade_class_endpoint.call(cls, list(args), kwargs)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_mlgrade_") or name in ("__signature__", "__wrapped__"):
            raise AttributeError(name)
        if never_asked(name):  # numpy looks its hooks up on the class
            raise AttributeError(name)
        endpoint = cls._mlgrade_class_endpoint
        # Its own list (each mirror has one), not a base's: a subclass may shadow a name.
        label = cls.__dict__.get("_mlgrade_class_methods", {}).get(name)
        if label is not None:  # `Model.from_config(...)`: looked up with the call
            return endpoint.defer(cls, name, label)
        return endpoint.request("getattr", cls, name)

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
    class_methods: dict[str, str] | None = None,
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
    namespace["_mlgrade_class_methods"] = dict(class_methods or {})
    namespace["__init__"] = _remote_init
    # An instance's own docstring (functools.update_wrapper sets one), the class's for
    # the class: both asked of the other process.
    namespace["__doc__"] = _ForwardedDoc()
    if "__get__" in features:
        namespace["__get__"] = _remote_get
    if SELF_ITERATOR in features:
        namespace["__iter__"] = _own_iterator
    elif any(base.__iter__ is _own_iterator for base in proxies):
        # A subclass of a built-in iterator may define its own __iter__: it is asked.
        namespace["__iter__"] = Proxy.__iter__
    if endpoint.side == "j":
        library = _library_class(module, ref.label)
        if library is not None:
            namespace["__class__"] = property(lambda self, _c=library: _c)
    try:
        return RemoteMeta(name, proxies, namespace)
    except TypeError:
        return RemoteMeta(name, (Proxy,), namespace)
