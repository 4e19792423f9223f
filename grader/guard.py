"""Detect candidate code that replaced the trusted functions the hidden tests rely on.

A snapshot of the trusted modules is taken in the warm parent, before any candidate
code exists; the child compares against it after importing the candidate's module
and after every test.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from operator import is_ as _identical
from types import ModuleType

# Modules whose functions the suites and oracles call to decide a grade.
TRUSTED_MODULES = (
    "builtins",
    "math",
    "operator",
    "functools",
    "itertools",
    "json",
    "time",
    "copy",
    "numpy",
    "numpy.testing",
    "numpy.linalg",
    "numpy.random",
    "pytest",
    "_pytest.python_api",
    "_pytest.outcomes",
    "_pytest.raises",
    "hypothesis",
    "hypothesis.strategies",
    "scipy.stats",
    "sklearn",
    "sklearn.base",
    "sklearn.metrics",
    "sklearn.model_selection",
    "sklearn.utils.validation",
    "grader.collector",
    "grader.guard",
)


@dataclass(frozen=True)
class Watched:
    """One trusted module as recorded: every value of its namespace, in order, and
    its callables and submodules by name (held, so identity is exact)."""

    module: ModuleType
    values: tuple[object, ...]
    attributes: dict[str, object]

    def unchanged(self) -> bool:
        """True when no name of the namespace was rebound, added or removed since.

        One pass in C over the values alone: reading the names too would copy, in a
        forked child, the memory pages they live on (~2 ms per child).
        """
        values = vars(self.module).values()
        # Identity, not equality: a planted object may claim to equal anything.
        return len(values) == len(self.values) and all(map(_identical, values, self.values))


@dataclass(frozen=True)
class Snapshot:
    """The trusted modules by name, as recorded."""

    modules: dict[str, Watched]


def _record(module: ModuleType) -> Watched:
    namespace = list(vars(module).items())
    return Watched(
        module=module,
        values=tuple(value for _, value in namespace),
        attributes={
            attr: value
            for attr, value in namespace
            if callable(value) or isinstance(value, ModuleType)
        },
    )


# A suite's own imports from these libraries are watched too. Not the standard library's:
# pytest and `warnings.catch_warnings` legitimately swap functions there during a test.
ORACLE_LIBRARIES = ("numpy", "scipy", "sklearn")


def _trusted(extra: tuple[str, ...]) -> dict[str, ModuleType]:
    oracles = (name for name in extra if name.partition(".")[0] in ORACLE_LIBRARIES)
    names = dict.fromkeys((*TRUSTED_MODULES, *oracles))
    return {name: sys.modules[name] for name in names if name in sys.modules}


def take_snapshot(extra: tuple[str, ...] = (), base: Snapshot | None = None) -> Snapshot:
    """Record the trusted modules, and a suite's `extra` oracle imports, as they are now.

    Modules that `base` (taken earlier, in the fork server) recorded and that have not
    changed since keep that record, rather than being read again in every child.
    """
    recorded = {}
    for name, module in _trusted(extra).items():
        earlier = base.modules.get(name) if base is not None else None
        fits = earlier is not None and earlier.module is module and earlier.unchanged()
        recorded[name] = earlier if fits else _record(module)
    return Snapshot(modules=recorded)


def changes(snapshot: Snapshot, limit: int = 3) -> list[str]:
    """Names of trusted functions or modules that are no longer the originals."""
    found: list[str] = []
    missing = object()
    for name, watched in snapshot.modules.items():
        if sys.modules.get(name) is not watched.module:
            found.append(f"sys.modules[{name!r}]")
            if len(found) >= limit:
                return found
    for name, watched in snapshot.modules.items():
        if watched.unchanged():
            continue
        namespace = vars(watched.module)
        for attr, original in watched.attributes.items():
            if namespace.get(attr, missing) is not original:
                found.append(f"{name}.{attr}")
                if len(found) >= limit:
                    return found
    return found


def restore(snapshot: Snapshot) -> None:
    """Put the originals back, so the grader can still report on a tampering child."""
    for name, watched in snapshot.modules.items():
        sys.modules[name] = watched.module
        namespace = vars(watched.module)
        for attr, original in watched.attributes.items():
            if namespace.get(attr) is not original:
                namespace[attr] = original
