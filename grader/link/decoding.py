"""Decoding what the peer sent: values rebuilt from data only (JSON trees and raw
buffers), references turned into proxies; nothing is imported, unpickled or run."""

from __future__ import annotations

import datetime
import math
import pathlib
from typing import Any

import numpy as np

from grader.link.wire import (
    BIT_GENERATORS,
    BUILTIN_TYPES,
    DEPTH_LIMIT,
    DTYPE_PATTERN,
    IDENTITY_ATTRIBUTES,
    METHOD_NAME_LIMIT,
    METHODS_LIMIT,
    NOT_RERAISED,
    NUMPY_TYPES,
    PROTOCOLS,
    SELF_ITERATOR,
    TIME_TYPES_BY_NAME,
    Ref,
    RemoteError,
    WireError,
)

# The tags of the collections that cross by value, and how each is rebuilt from its items.
COLLECTIONS: dict[str, Any] = {"L": list, "T": tuple, "S": set, "F": frozenset, "D": dict}
# numpy's own limit on an array's dimensions.
SHAPE_DIMENSIONS_LIMIT = 64
# What JSON gives for a scalar, which decodes to itself.
PLAIN_TREES = frozenset({int, float, str, bool, type(None)})


class Decoder:
    """Turns a peer's trees and buffers back into values, for one side."""

    def __init__(self, side: str, endpoint: Any) -> None:
        self.side = side
        self.endpoint = endpoint
        self._exception_types: dict[tuple[str, str], type] = {}

    def decode(self, tree: Any, buffers: list[memoryview], depth: int = 0) -> Any:
        """The value for a tree a peer sent; WireError when it is malformed."""
        try:
            return self._decode(tree, buffers, depth)
        except WireError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a tree makes fail, it is malformed
            raise WireError(f"malformed value: {type(exc).__name__}: {exc}") from None

    def _decode(self, tree: Any, buffers: list[memoryview], depth: int) -> Any:
        if depth > DEPTH_LIMIT:
            raise WireError("value nested too deeply")
        if tree is None or isinstance(tree, (bool, int, float, str)):
            return tree
        if not isinstance(tree, list) or not tree or not isinstance(tree[0], str):
            raise WireError("malformed value")
        tag, rest = tree[0], tree[1:]
        if tag in COLLECTIONS:
            if set(map(type, rest)) <= PLAIN_TREES:
                items = rest  # scalars decode to themselves
            else:
                items = [self._decode(item, buffers, depth + 1) for item in rest]
            if tag == "D":
                return dict(zip(items[0::2], items[1::2], strict=True))
            return items if tag == "L" else COLLECTIONS[tag](items)
        if tag == "O":
            return self._decode_ref(rest, buffers, depth)
        if tag == "f":
            return float(_text_of(rest[0]))
        if tag in ("B", "BA"):
            data = bytes(buffers[rest[0]])
            return data if tag == "B" else bytearray(data)
        if tag == "C":
            return complex(float(rest[0]), float(rest[1]))
        if tag == "SL":
            if len(rest) != 3:
                raise WireError("malformed slice")
            return slice(*(self._decode(item, buffers, depth + 1) for item in rest))
        if tag == "R":
            return range(int(rest[0]), int(rest[1]), int(rest[2]))
        if tag == "E":
            return Ellipsis
        if tag == "A":
            dtype = _dtype(rest[0])
            shape = _shape(rest[1])
            data = buffers[rest[2]]
            count = math.prod(shape)
            # The buffer must be exactly the array: an empty one standing for a large
            # shape would hand the judge uninitialised memory of its own, or an
            # allocation of any size, for a few bytes sent.
            if data.nbytes != count * dtype.itemsize or (count and not dtype.itemsize):
                raise WireError("an array whose buffer is not the size of its shape")
            if not count:
                return np.empty(shape, dtype)
            return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
        if tag == "AO":
            shape = _shape(rest[0])
            flat = [self._decode(item, buffers, depth + 1) for item in rest[1:]]
            array = np.empty(len(flat), dtype=object)
            array[:] = flat if flat else []
            return array.reshape(shape)
        if tag == "MM":
            if self.side != "c":
                # Never a file the candidate names: its arrays come by value.
                raise WireError("a memory-mapped file from the candidate's process")
            filename, dtype, shape, offset = rest
            return np.memmap(
                _text_of(filename),
                dtype=_dtype(dtype),
                mode="r",
                shape=tuple(int(n) for n in shape),
                offset=int(offset),
            )
        if tag == "N":
            dtype = _dtype(rest[0])
            return np.frombuffer(buffers[rest[1]], dtype=dtype)[0]
        if tag == "DT":
            return _dtype(rest[0])
        if tag == "G":
            bit_generator = BIT_GENERATORS.get(_text_of(rest[0]))
            if bit_generator is None:
                raise WireError("unknown random generator")
            made = bit_generator()
            made.state = self._decode(rest[1], buffers, depth + 1)
            return np.random.Generator(made)
        if tag == "BT":
            found = BUILTIN_TYPES.get(_text_of(rest[0]))
            if found is None:
                raise WireError("unknown builtin type")
            return found
        if tag == "NT":
            found = NUMPY_TYPES.get(_text_of(rest[0]))
            if found is None:
                raise WireError("unknown numpy type")
            return found
        if tag == "X":
            return self._decode_exception(rest, buffers, depth)
        if tag == "K":
            side, ident, name, qualname, module, bases, protocols, methods, on_class = rest
            if not isinstance(ident, int) or not isinstance(bases, list):
                raise WireError("malformed class")
            if side == self.side:
                return self.endpoint.resolve(ident)
            # A class is described in full each time one of its instances crosses; its
            # mirror is made from the first description, so later ones need no decoding.
            known = self.endpoint.known_mirror(ident)
            if known is not None:
                return known
            decoded = [self._decode(b, buffers, depth + 1) for b in bases]
            return self.endpoint.mirror(
                Ref(str(side), ident, "type", _text_of(qualname)[:200]),
                _text_of(name)[:200],
                _text_of(module)[:200],
                [b for b in decoded if isinstance(b, type)],
                [PROTOCOLS[p] for p in protocols if isinstance(p, str) and p in PROTOCOLS],
                # The candidate's descriptors bind in the judge's classes (not the other way).
                ("__get__",) * (self.side == "j" and "__get__" in protocols)
                + (SELF_ITERATOR,) * (SELF_ITERATOR in protocols),
                method_labels(methods),
                method_labels(on_class),
            )
        if tag == "TD":
            return datetime.timedelta(int(rest[0]), int(rest[1]), int(rest[2]))
        if tag == "TZ":
            offset = datetime.timedelta(seconds=int(rest[0]))
            name = rest[1]
            return (
                datetime.timezone(offset, name)
                if isinstance(name, str)
                else datetime.timezone(offset)
            )
        if tag == "TM":
            kind_name, text, zone = rest
            cls = TIME_TYPES_BY_NAME.get(kind_name)
            if cls is None:
                raise WireError("unknown time type")
            value = cls.fromisoformat(_text_of(text))
            if zone is not None:
                value = value.replace(tzinfo=self._decode(zone, buffers, depth + 1))
            return value
        if tag == "P":
            return pathlib.Path(_text_of(rest[0]))
        raise WireError(f"unknown tag {tag[:20]!r}")

    def _decode_ref(self, rest: list[Any], buffers: list[memoryview], depth: int) -> Any:
        if len(rest) not in (5, 6):
            raise WireError("malformed reference")
        side, ident, kind, label, cls = rest[:5]
        if not isinstance(ident, int) or not isinstance(kind, str) or not isinstance(label, str):
            raise WireError("malformed reference")
        if side == self.side:
            return self.endpoint.resolve(ident)
        mirror = self._decode(cls, buffers, depth + 1) if cls is not None else None
        proxy = self.endpoint.proxy(Ref(str(side), ident, kind, label[:200]), mirror)
        # Only the candidate's side uses what the judge says of its own functions: the
        # judge reads every attribute of the candidate's objects from the object itself.
        if len(rest) == 6 and self.side == "c" and side == "j":
            self.endpoint.learn(ident, _identity(rest[5]))
        return proxy

    def _decode_exception(self, rest: list[Any], buffers: list[memoryview], depth: int) -> Any:
        name, cls_tree, args_tree, message, frames, chained, ident = rest
        name = _text_of(name)[:100]
        args = self._decode(args_tree, buffers, depth + 1)
        if not isinstance(args, list):
            raise WireError("malformed exception arguments")
        cls = self._decode(cls_tree, buffers, depth + 1)
        exc: BaseException
        if not isinstance(cls, type) or not issubclass(cls, BaseException):
            cls = self._exception_type(name, Exception)
        elif self.side == "j" and (issubclass(cls, NOT_RERAISED) or not issubclass(cls, Exception)):
            # The candidate's exit or interrupt must not end the judge.
            cls = self._exception_type(name, Exception)
        if issubclass(cls, RemoteError):
            try:
                exc = cls(*args)
            except Exception:  # noqa: BLE001 - an __init__ of the mirrored class's own
                exc = cls()
            exc.remote_message = _text_of(message)  # type: ignore[attr-defined]
        else:
            exc = _instance(cls, args, _text_of(message))
        exc.remote_traceback = _text_of(frames)  # type: ignore[attr-defined]
        if not (isinstance(chained, list) and len(chained) == 3):
            raise WireError("malformed exception chain")
        cause, context, suppress = chained
        if cause is not None:
            exc.__cause__ = self._decode(cause, buffers, depth + 1)
        if context is not None:
            exc.__context__ = self._decode(context, buffers, depth + 1)
        exc.__suppress_context__ = bool(suppress)
        if isinstance(ident, int):
            self.endpoint.remember_origin(
                exc, Ref("c" if self.side == "j" else "j", ident, "exception", name)
            )
        return exc

    def _exception_type(self, name: str, base: type) -> type:
        key = (name, base.__name__)
        if key not in self._exception_types:
            if not name.isidentifier():
                name = "RemoteError"
            self._exception_types[key] = type(
                name, (RemoteError, base), {"__module__": "candidate"}
            )
        return self._exception_types[key]


def _instance(cls: type[BaseException], args: list[Any], message: str) -> BaseException:
    """An exception of a class of this side, with the peer's arguments."""
    for attempt in (args, [message]):
        try:
            return cls(*attempt)
        except Exception:  # noqa: BLE001, S112 - a class whose __init__ wants other arguments
            continue
    # Without running its __init__ (JSONDecodeError wants a document and a position).
    exc = cls.__new__(cls, *args)
    exc.args = tuple(args)
    return exc


def _shape(tree: Any) -> tuple[int, ...]:
    if not isinstance(tree, list) or len(tree) > SHAPE_DIMENSIONS_LIMIT:
        raise WireError("malformed shape")
    if not all(type(n) is int and n >= 0 for n in tree):
        raise WireError("malformed shape")
    return tuple(tree)


def _dtype(text: Any) -> np.dtype:
    if not isinstance(text, str) or not DTYPE_PATTERN.match(text):
        raise WireError("unsupported dtype")
    return np.dtype(text)


def _identity(tree: Any) -> dict[str, Any]:
    """The identity attributes a judge's function came with: text, None or {}."""
    if not isinstance(tree, list) or len(tree) % 2:
        raise WireError("malformed identity")
    found: dict[str, Any] = {}
    for name, value in zip(tree[0::2], tree[1::2], strict=True):
        if name not in IDENTITY_ATTRIBUTES:
            raise WireError("malformed identity")
        if value is None or isinstance(value, str):
            found[name] = value
        elif value == ["D"]:
            found[name] = {}
        else:
            raise WireError("malformed identity")
    return found


def method_labels(tree: Any) -> dict[str, str]:
    """[name, label, ...] a peer listed: a class's plain methods, the class's own (see
    codec.class_methods) or the functions a function holds; names that are not public
    identifiers are dropped, a malformed list is a WireError."""
    if not isinstance(tree, list) or len(tree) % 2 or len(tree) > 2 * METHODS_LIMIT:
        raise WireError("malformed methods")
    found: dict[str, str] = {}
    for name, qualname in zip(tree[0::2], tree[1::2], strict=True):
        if not (isinstance(name, str) and isinstance(qualname, str)):
            raise WireError("malformed methods")
        if name.isidentifier() and not name.startswith("_"):
            found[name[:METHOD_NAME_LIMIT]] = qualname[:METHOD_NAME_LIMIT]
    return found


def _text_of(value: Any) -> str:
    if not isinstance(value, str):
        raise WireError("expected text")
    return value
