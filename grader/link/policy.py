"""What a peer may ask of this side's objects: the operations, and who may do what.

The candidate's side lets the judge do anything with the candidate's objects; the
judge's side (grader.judge.link.JudgePolicy) lets the candidate do very little.
"""

from __future__ import annotations

import operator
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.link.comparisons import JUDGED, value_of
from grader.link.proxies import Proxy, calling_back

REPR_LIMIT = 2000
# One "take" stops early once its items hold this much array data: a reply stays small
# next to the link's message cap, and so does what the judge holds at once.
TAKE_BYTES = 8 * 1024 * 1024


def _capped(text: str) -> str:
    return text if len(text) <= REPR_LIMIT else text[:REPR_LIMIT] + " …"


def _array_bytes(item: Any) -> int:
    if isinstance(item, np.ndarray):
        return int(item.nbytes)
    if isinstance(item, (tuple, list)):
        return sum(int(v.nbytes) for v in item if isinstance(v, np.ndarray))
    return 0


def take(iterator: Any, count: int) -> list[Any]:
    """Up to `count` items of an iterator in one crossing, drawn exactly as that many
    next() calls would: [items, end], where end is None (more may come), True (it is
    exhausted) or the exception next() raised after those items."""
    if not isinstance(count, int) or count < 1:
        raise TypeError("take needs a positive count")
    items: list[Any] = []
    held = 0
    while len(items) < count and held <= TAKE_BYTES:
        try:
            item = next(iterator)
        except StopIteration:
            return [items, True]
        except BaseException as exc:  # noqa: BLE001 - raised on the judge's side, in its turn
            return [items, exc]
        items.append(item)
        held += _array_bytes(item)
    return [items, None]


# What a peer may ask of an object: executed by the side that owns the object.
OPERATIONS: dict[str, Callable[..., Any]] = {
    "repr": lambda o: _capped(repr(o)),
    "str": lambda o: _capped(str(o)),
    "len": len,
    "iter": iter,
    "next": next,
    "take": take,
    "bool": bool,
    "hash": hash,
    "getitem": operator.getitem,
    "setitem": operator.setitem,
    "delitem": operator.delitem,
    "contains": operator.contains,
    # Comparisons and arithmetic, as the owner of the object works them out.
    **JUDGED,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "matmul": operator.matmul,
    "neg": operator.neg,
    "pos": operator.pos,
    "abs": abs,
    "float": float,
    "int": int,
    "index": operator.index,
    "dir": lambda o: sorted(dir(o)),
    "isinstance": isinstance,
    "issubclass": issubclass,
    "enter": lambda o: o.__enter__(),
    "exit": lambda o, *args: o.__exit__(*args),
    "typename": lambda o: type(o).__qualname__,
    "get": lambda o, instance, owner: o.__get__(instance, owner),
    "value": value_of,
}


class Policy:
    """What the peer may do with this side's objects: everything (the candidate's side)."""

    def check_export(self, value: Any) -> None:
        """Raise TypeError for an object that must not cross."""

    def getattr(self, obj: Any, name: str) -> Any:
        return getattr(obj, name)

    def setattr(self, obj: Any, name: str, value: Any) -> None:
        setattr(obj, name, value)

    def delattr(self, obj: Any, name: str) -> None:
        delattr(obj, name)

    def operation(self, name: str) -> Callable[..., Any]:
        found = OPERATIONS.get(name)
        if found is None:
            raise TypeError(f"unsupported operation {name[:40]!r}")
        return found

    def subclass(self, name: str, bases: list[Any], namespace: dict[str, Any]) -> type:
        """A subclass the peer declared of classes of ours; its functions call back."""
        body: dict[str, Any] = {}
        for key, value in namespace.items():
            if isinstance(value, Proxy) and value._mlgrade_ref.kind == "callable":
                body[key] = calling_back(value)
            else:
                body[key] = value
        real_bases = tuple(b for b in bases if isinstance(b, type))
        if not real_bases or len(real_bases) != len(bases):
            raise TypeError("a subclass needs classes of this process as its bases")
        return type(real_bases[0])(str(name), real_bases, body)

    def define(self, source: str, names: list[str]) -> dict[str, Any]:
        """Run a test's helper code in this process, as a module of its own (so that
        pickle finds its classes by name); the names it defines."""
        self._helpers = getattr(self, "_helpers", 0) + 1
        module = types.ModuleType(f"mlgrade_test_helpers_{self._helpers}")
        sys.modules[module.__name__] = module
        exec(compile(str(source), f"<test helper {self._helpers}>", "exec"), module.__dict__)  # noqa: S102
        return {name: module.__dict__[name] for name in names}
