"""The encoding of values that cross between the judge and the candidate's process.

Plain data (builtins, numpy arrays, scalars and random generators, exceptions as type
name + message) crosses by value as JSON plus raw buffers; anything else crosses as a
reference that the receiving side wraps in a proxy. Decoding (`decoding`) never imports,
unpickles or runs code.
"""

from __future__ import annotations

import datetime
import itertools
import math
import mmap
import pathlib
import types
from typing import Any

import numpy as np

from grader.link.decoding import Decoder
from grader.link.wire import (
    BIT_GENERATORS,
    BUILTIN_TYPES,
    DEPTH_LIMIT,
    DTYPE_PATTERN,
    IDENTITY_ATTRIBUTES,
    METHOD_NAME_LIMIT,
    METHODS_LIMIT,
    NUMPY_TYPES,
    PROTOCOLS,
    SELF_ITERATOR,
    TEXT_LIMIT,
    TIME_TYPES,
    Ref,
    exception_frames,
)

# Iterators whose iter() is always the iterator itself, running no code: the peer's
# iter() of one gives back its own proxy without a request.
SELF_ITERATING = (
    types.GeneratorType,
    *(type(iter(empty)) for empty in ([], (), range(0), range(2**64), "", b"", {}, set())),
    type(iter({}.values())),
    type(iter({}.items())),
    type(reversed([])),
    type(iter(int, 1)),
    map,
    filter,
    zip,
    enumerate,
    reversed,
    # Every iterator of itertools (a subclass of one may define its own __iter__: the
    # check is by identity).
    itertools.accumulate,
    itertools.chain,
    itertools.combinations,
    itertools.combinations_with_replacement,
    itertools.compress,
    itertools.count,
    itertools.cycle,
    itertools.dropwhile,
    itertools.filterfalse,
    itertools.groupby,
    itertools.islice,
    itertools.pairwise,
    itertools.permutations,
    itertools.product,
    itertools.repeat,
    itertools.starmap,
    itertools.takewhile,
    type(itertools.tee([])[0]),
    itertools.zip_longest,
)
SEQUENCE_TAGS: dict[type, str] = {list: "L", tuple: "T", set: "S", frozenset: "F"}
JSON_SCALARS = frozenset({int, str, bool, type(None)})
JSON_SCALARS_AND_FLOAT = JSON_SCALARS | {float}


def _own_trees(items: Any) -> bool:
    """Whether every item is its own tree: ints, text, booleans, None and finite floats
    (NaN and the infinities have no JSON). Checked by C loops (map, set): a Python-level
    test per item was most of the cost of sending a list."""
    kinds = set(map(type, items))
    if kinds <= JSON_SCALARS:
        return True
    if not kinds <= JSON_SCALARS_AND_FLOAT:
        return False
    floats = items if len(kinds) == 1 else [item for item in items if type(item) is float]
    return all(map(math.isfinite, floats))


def _implements(cls: type, abc: type) -> bool:
    try:
        return issubclass(cls, abc)
    except TypeError:
        return False


class Codec:
    """Turns values into JSON-able trees plus buffers and back, for one side.

    `export` names an object of this side for the peer (a reference id); `resolve`
    finds an object of this side again by id; `proxy` wraps a peer's reference.
    """

    def __init__(self, side: str, endpoint: Any, source_file: str = "") -> None:
        self.side = side
        self.endpoint = endpoint
        self.source_file = source_file
        self._decoder = Decoder(side, endpoint)
        # A class's tree, once built: the peer mirrors a class once, from the first tree
        # it receives, so a later one could not change anything there.
        self._classes: dict[int, tuple[type, Ref, Any]] = {}

    def encode(self, value: Any, buffers: list[Any], depth: int = 0) -> Any:
        """The tree for a value; buffers collects the raw bytes it refers to."""
        if depth > DEPTH_LIMIT:
            raise ValueError("a value nested too deeply to send")
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return (
                value
                if value == value and value not in (float("inf"), -float("inf"))
                else ["f", repr(value)]
            )
        if kind in SEQUENCE_TAGS:
            if _own_trees(value):
                return [SEQUENCE_TAGS[kind], *value]
            return [SEQUENCE_TAGS[kind], *(self.encode(item, buffers, depth + 1) for item in value)]
        if kind is dict:
            flat: list[Any] = ["D"]
            for key, item in value.items():
                flat.append(self.encode(key, buffers, depth + 1))
                flat.append(self.encode(item, buffers, depth + 1))
            return flat
        if kind is bytes or kind is bytearray:
            buffers.append(bytes(value))
            return ["B" if kind is bytes else "BA", len(buffers) - 1]
        if kind is complex:
            return ["C", repr(value.real), repr(value.imag)]
        if kind is slice:
            return [
                "SL",
                *(
                    self.encode(v, buffers, depth + 1)
                    for v in (value.start, value.stop, value.step)
                ),
            ]
        if kind is range:
            return ["R", value.start, value.stop, value.step]
        if value is Ellipsis:
            return ["E"]
        if isinstance(value, np.ndarray) and kind in (np.ndarray, np.memmap):
            return self._encode_array(value, buffers, depth)
        if isinstance(value, np.generic) and DTYPE_PATTERN.match(value.dtype.str):
            buffers.append(value.tobytes())
            return ["N", value.dtype.str, len(buffers) - 1]
        if isinstance(value, np.dtype) and DTYPE_PATTERN.match(value.str):
            return ["DT", value.str]
        if kind is np.random.Generator and type(value.bit_generator) in BIT_GENERATORS.values():
            state = value.bit_generator.state
            return ["G", state["bit_generator"], self.encode(state, buffers, depth + 1)]
        if isinstance(value, BaseException):
            return self._encode_exception(value, buffers, depth)
        if kind is types.TracebackType:
            return None  # an __exit__'s traceback: nothing the other side may walk
        if kind in TIME_TYPES:
            return self._encode_time(value)
        if isinstance(value, pathlib.PurePath) and kind in (
            pathlib.PosixPath,
            pathlib.PurePosixPath,
            pathlib.WindowsPath,
            pathlib.PureWindowsPath,
        ):
            return ["P", str(value)]
        if isinstance(value, type):
            return self.encode_class(value)
        return self._encode_ref(value)

    def _encode_time(self, value: Any) -> Any:
        if type(value) is datetime.timedelta:
            return ["TD", value.days, value.seconds, value.microseconds]
        if type(value) is datetime.timezone:
            offset = value.utcoffset(None)
            return ["TZ", offset.days * 86400 + offset.seconds, value.tzname(None)]
        tz = getattr(value, "tzinfo", None)
        if tz is not None and type(tz) is not datetime.timezone:
            return self._encode_ref(value)
        zone = self._encode_time(tz) if tz is not None else None
        plain = value.replace(tzinfo=None) if tz is not None else value
        return ["TM", type(value).__name__, plain.isoformat(), zone]

    def encode_class(self, cls: type) -> Any:
        """A class of this side, with its bases, so the peer can mirror its hierarchy."""
        if BUILTIN_TYPES.get(cls.__name__) is cls:
            return ["BT", cls.__name__]
        if NUMPY_TYPES.get(cls.__name__) is cls:
            return ["NT", cls.__name__]
        # By id: a class's own __eq__ or __hash__ (a mirror's would cross) is not asked.
        cached = self._classes.get(id(cls))
        if cached is not None and cached[0] is cls and self.endpoint.still_exported(cached[1], cls):
            return cached[2]
        ref, tree = self._class_tree(cls)
        self._classes[id(cls)] = (cls, ref, tree)
        return tree

    def _class_tree(self, cls: type) -> tuple[Ref, Any]:
        ref = self.endpoint.export(cls)
        if ref.side != self.side:  # a mirror going home: the peer knows its own class
            return ref, ["K", ref.side, ref.id, "", "", "", [], [], [], []]
        bases = [self.encode_class(b) for b in cls.__bases__ if b is not object]
        return ref, [
            "K",
            ref.side,
            ref.id,
            _text(str(getattr(cls, "__name__", "type")))[:200],
            _text(str(getattr(cls, "__qualname__", "type")))[:200],
            _text(str(getattr(cls, "__module__", "") or ""))[:200],
            bases,
            [name for name, abc in PROTOCOLS.items() if _implements(cls, abc)]
            + (["__get__"] if hasattr(cls, "__get__") else [])
            # By identity: a class may have no hash of its own.
            + ([SELF_ITERATOR] if any(cls is kind for kind in SELF_ITERATING) else []),
            plain_methods(cls),
            class_methods(cls),
        ]

    def _encode_array(self, value: np.ndarray, buffers: list[Any], depth: int) -> Any:
        mapped = self._memmap_of(value)
        if mapped is not None:
            return mapped
        if value.dtype.kind == "O":
            flat = [
                self.encode(item, buffers, depth + 1) for item in value.ravel(order="C").tolist()
            ]
            return ["AO", list(value.shape), *flat]
        if not DTYPE_PATTERN.match(value.dtype.str):
            return self._encode_ref(value)
        buffers.append(np.ascontiguousarray(value).data.cast("B") if value.size else b"")
        return ["A", value.dtype.str, list(value.shape), len(buffers) - 1]

    def _memmap_of(self, value: np.ndarray) -> Any:
        """A memmap the judge hands over, as its file (in the shared run folder) and the
        place of the view in it: the candidate maps the same bytes. Only the judge sends
        memmaps so; the candidate's arrays, memmaps or not, cross by value."""
        if self.side != "j" or not isinstance(value, np.memmap) or not value.filename:
            return None
        if not value.flags.c_contiguous:
            return None
        mapping = value
        while isinstance(mapping.base, np.memmap):
            mapping = mapping.base
        if not isinstance(mapping.base, mmap.mmap):
            return None
        start = np.frombuffer(mapping.base, dtype=np.uint8).ctypes.data
        where = value.ctypes.data - start
        # mmap maps from a page boundary: add back where the file offset fell in it.
        offset = mapping.offset - mapping.offset % mmap.ALLOCATIONGRANULARITY + where
        return ["MM", str(value.filename), value.dtype.str, list(value.shape), offset]

    def _encode_exception(self, exc: BaseException, buffers: list[Any], depth: int) -> Any:
        back = self.endpoint.foreign_origin(exc)
        if back is not None:
            return ["O", back.side, back.id, back.kind, back.label, None]
        try:
            args = self.encode(list(exc.args), buffers, depth + 1) if exc.args else ["L"]
        except (TypeError, ValueError):
            args = ["L", _text(str(exc))]
        message = getattr(exc, "remote_message", None) or _safe_str(exc)
        chained = [
            self._encode_exception(linked, buffers, depth + 1)
            if linked is not None and depth < 4 and linked is not exc
            else None
            for linked in (exc.__cause__, exc.__context__)
        ]
        chained.append(bool(exc.__suppress_context__))
        frames = getattr(exc, "remote_traceback", "") or exception_frames(exc, self.source_file)
        ref = self.endpoint.export(exc)
        return [
            "X",
            type(exc).__name__,
            self.encode_class(type(exc)),
            args,
            _text(message),
            frames,
            chained,
            ref.id,
        ]

    def _encode_ref(self, value: Any) -> Any:
        ref = self.endpoint.export(value)
        if ref.side != self.side:  # a proxy going home: the peer knows its class
            return ["O", ref.side, ref.id, ref.kind, ref.label, None]
        if self.side == "j" and type(value) is types.FunctionType:
            return ["O", ref.side, ref.id, ref.kind, ref.label, None, self._identity(value)]
        cls = self.encode_class(type(value)) if ref.kind == "object" else None
        return ["O", ref.side, ref.id, ref.kind, ref.label, cls]

    def _identity(self, function: types.FunctionType) -> list[Any]:
        """[name, value, ...]: what the policy would answer for each identity attribute,
        where that is text, None or an empty dict."""
        found: list[Any] = []
        for name in IDENTITY_ATTRIBUTES:
            try:
                value = self.endpoint.policy.getattr(function, name)
            except Exception:  # noqa: BLE001 - not readable: asked for (and refused) as usual
                continue
            if value is None or type(value) is str and len(value) <= TEXT_LIMIT:
                found += [name, value]
            elif type(value) is dict and not value:
                found += [name, ["D"]]
        return found

    def decode(self, tree: Any, buffers: list[memoryview], depth: int = 0) -> Any:
        """The value for a tree a peer sent; WireError when it is malformed."""
        return self._decoder.decode(tree, buffers, depth)


def plain_methods(cls: type) -> list[str]:
    """[name, qualname, ...] of the public names that an instance's attribute lookup
    finds as a plain function of its class (the peer reads such a method without a
    request, see Endpoint.attribute); none for a class that overrides the lookup."""
    found: dict[str, Any] = {}
    try:
        for klass in reversed(cls.__mro__):
            own = vars(klass)
            if klass is not object and "__getattribute__" in own:
                return []
            found.update(own)
    except (AttributeError, TypeError):
        return []
    names: list[str] = []
    for name, value in found.items():
        if type(value) is types.FunctionType and not name.startswith("_"):
            qualname = getattr(value, "__qualname__", name)
            names += [name[:METHOD_NAME_LIMIT], _text(str(qualname))[:METHOD_NAME_LIMIT]]
    return names[: 2 * METHODS_LIMIT]


def class_methods(cls: type) -> list[str]:
    """[name, qualname, ...] of the public names that the class's own attribute lookup
    finds as a function, a staticmethod or a classmethod of it (`Model.from_config`):
    the peer defers such a lookup to the call, as for an instance's plain methods; none
    for a class whose metaclass could answer the lookup itself."""
    if type(cls) is not type:
        return []
    found: dict[str, Any] = {}
    try:
        for klass in reversed(cls.__mro__):
            if klass is not object:
                found.update(vars(klass))
    except (AttributeError, TypeError):
        return []
    names: list[str] = []
    for name, value in found.items():
        function = value.__func__ if type(value) in (staticmethod, classmethod) else value
        if type(function) is types.FunctionType and not name.startswith("_"):
            qualname = getattr(function, "__qualname__", name)
            names += [name[:METHOD_NAME_LIMIT], _text(str(qualname))[:METHOD_NAME_LIMIT]]
    return names[: 2 * METHODS_LIMIT]


def _text(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + " …"


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails
        return f"<{type(exc).__name__} without a readable message>"
