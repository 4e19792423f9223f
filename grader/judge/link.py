"""The judge's end of the link: the candidate's module as a proxy, and what the
candidate may do with the test's own objects (call them, read their public data)."""

from __future__ import annotations

import inspect
import logging
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from grader.link.policy import OPERATIONS, Policy
from grader.link.proxies import Proxy
from grader.link.remote import Endpoint, WireError

# What functools.wraps and similar code read from a function it wraps.
READABLE_DUNDERS = frozenset(
    {
        "__name__",
        "__qualname__",
        "__doc__",
        "__module__",
        "__wrapped__",
        "__dict__",
        "__annotations__",
        "__type_params__",
        "__defaults__",
        "__kwdefaults__",
    }
)
# Operations that read or use an object without reaching what it holds inside.
ALLOWED_OPERATIONS = frozenset(
    {
        "repr", "str", "len", "iter", "next", "bool", "hash", "getitem", "contains",
        "eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "truediv", "floordiv",
        "mod", "pow", "radd", "rsub", "rmul", "rtruediv", "neg", "pos", "abs", "float",
        "int", "index", "dir", "isinstance", "issubclass", "enter", "exit", "typename",
    }
)  # fmt: skip
NEVER_CROSSES = (
    types.ModuleType,
    types.FrameType,
    types.CodeType,
    types.TracebackType,
    types.CellType,
)
PLAIN_SCALARS = (type(None), bool, int, float, complex, str, bytes)


def _plain(value: Any, depth: int = 0) -> bool:
    """Whether a value crosses entirely by value (nothing of the judge's by reference)."""
    if depth > 20:
        return False
    if type(value) in PLAIN_SCALARS:
        return True
    if type(value) in (list, tuple, set, frozenset):
        return all(_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype.kind != "O"
    return False


class JudgePolicy(Policy):
    """The candidate may call the test's functions and read their public data, no more.

    No module, frame, code object or function globals ever crosses, and no attribute
    the candidate reaches leads to one: a public attribute is handed over only when it
    is plain data or a method of the object itself.
    """

    def check_export(self, value: Any) -> None:
        if isinstance(value, NEVER_CROSSES):
            raise TypeError(f"a {type(value).__name__} of the test cannot be handed over")

    def getattr(self, obj: Any, name: str) -> Any:
        if name.startswith("_"):
            if name not in READABLE_DUNDERS:
                raise AttributeError(name)
            value = getattr(obj, name)
            if name == "__dict__":
                if not isinstance(obj, (types.FunctionType, types.MethodType)):
                    raise AttributeError(name)
                return {k: v for k, v in value.items() if not k.startswith("__")}
            return value
        value = getattr(obj, name)
        if _plain(value):
            return value
        if (inspect.ismethod(value) or inspect.isbuiltin(value)) and getattr(
            value, "__self__", None
        ) is obj:
            return value
        raise AttributeError(f"{name!r} of the test's object is not available to the candidate")

    def setattr(self, obj: Any, name: str, value: Any) -> None:
        raise AttributeError("the test's objects are read-only for the candidate")

    def delattr(self, obj: Any, name: str) -> None:
        raise AttributeError("the test's objects are read-only for the candidate")

    def subclass(self, name: str, bases: list[Any], namespace: dict[str, Any]) -> type:
        raise TypeError("the candidate cannot make classes in the judge's process")

    def define(self, source: str, names: list[str]) -> dict[str, Any]:
        raise TypeError("the candidate cannot run code in the judge's process")

    def operation(self, name: str) -> Any:
        if name not in ALLOWED_OPERATIONS:
            raise TypeError(f"unsupported operation {name[:40]!r}")
        return OPERATIONS[name]


class RemoteModule(types.ModuleType):
    """The candidate's module as the suite imports it: each attribute read is a request.

    A real module object, so that hypothesis finds the submission's source (the judge's
    own copy, parsed, never run) as it would for a module loaded here.
    """

    def __init__(self, name: str, source_file: Path, connect: Callable[[], Proxy]) -> None:
        """`connect` gives the candidate's module once its process is ready: called at the
        first use, so the judge's start-up overlaps the candidate's."""
        super().__init__(name)
        self.__file__ = str(source_file)
        object.__setattr__(self, "_mlgrade_connect", connect)
        object.__setattr__(self, "_mlgrade_proxy", None)
        object.__setattr__(self, "_mlgrade_cache", {})

    def _remote(self) -> Proxy:
        found = self.__dict__["_mlgrade_proxy"]
        if found is None:
            found = self.__dict__["_mlgrade_connect"]()
            self.__dict__["_mlgrade_proxy"] = found
        return found

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        cache = self.__dict__["_mlgrade_cache"]
        if name in cache:
            return cache[name]
        value = self._remote().__getattr__(name)
        # Functions and classes are looked up once: a module-level name rebound at run
        # time by the candidate's own code is the only thing this could miss. A class
        # arrives as its mirror (or as the judge's own copy of a library's class), not
        # as a proxy.
        if isinstance(value, type) or (
            isinstance(value, Proxy) and value._mlgrade_ref.kind in ("callable", "type")
        ):
            cache[name] = value
        return value

    def __dir__(self) -> list[str]:
        return list(self._remote().__dir__())


class CandidateLink:
    """Connects the judge to a candidate's process that has imported its module."""

    def __init__(self, conn: Any, source_file: Path) -> None:
        self.source_file = source_file
        self.import_error: str | None = None
        self.protections: dict[str, Any] = {}
        self._module: Proxy | None = None
        self._confined = False
        self.endpoint = Endpoint(conn, "j", policy=JudgePolicy(), on_event=self._on_event)

    def _on_event(self, name: str, args: list[Any]) -> None:
        if name == "log" and len(args) == 4:
            replay_log_record(*args)
        elif name == "confined" and len(args) == 1 and isinstance(args[0], dict):
            # Only the first report counts: it comes before any candidate code ran.
            if not self._confined:
                self._confined = True
                self.protections = args[0]
        elif name == "ready" and len(args) == 1 and isinstance(args[0], Proxy):
            self._module = args[0]
        elif name == "import_error" and args and isinstance(args[0], str):
            self.import_error = args[0]

    def wait_until_ready(self) -> Proxy | None:
        """The candidate's module, or None when importing it failed (see import_error)."""
        while self._module is None and self.import_error is None:
            if self.endpoint.handle_one() is not None:
                raise WireError("a reply before the candidate's process was ready")
        return self._module


def replay_log_record(name: Any, level: Any, message: Any, own_level: Any) -> None:
    """Log what the candidate's code logged, under the same logger name and level.

    The candidate's process passes every record on; the level that decides is the one
    the test set on that logger here, else the one the candidate's code set there,
    else the root logger's here, as when both shared one logging module.
    """
    if not (isinstance(name, str) and isinstance(level, int) and isinstance(message, str)):
        return
    logger = logging.getLogger(name or None)
    threshold = _own_level(logger) or (own_level if isinstance(own_level, int) else 0)
    if level < (threshold or logging.getLogger().getEffectiveLevel()):
        return
    record = logger.makeRecord(logger.name, level, "(candidate)", 0, message, None, None)
    logger.handle(record)


def _own_level(logger: logging.Logger) -> int:
    current: logging.Logger | None = logger
    while current is not None and current.parent is not None:
        if current.level:
            return current.level
        current = current.parent
    return 0
