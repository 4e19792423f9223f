"""Detect candidate code that replaced the trusted functions the hidden tests rely on.

A snapshot of the trusted modules is taken in the warm parent, before any candidate
code exists; the child compares against it after importing the candidate's module
and after every test.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
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
class Snapshot:
    """Every callable attribute of the trusted modules (held, so identity is exact)."""

    modules: dict[str, ModuleType]
    attributes: dict[tuple[str, str], object]


# A suite's own imports from these libraries are watched too. Not the standard library's:
# pytest and `warnings.catch_warnings` legitimately swap functions there during a test.
ORACLE_LIBRARIES = ("numpy", "scipy", "sklearn")


def _trusted(extra: tuple[str, ...]) -> dict[str, ModuleType]:
    oracles = (name for name in extra if name.partition(".")[0] in ORACLE_LIBRARIES)
    names = dict.fromkeys((*TRUSTED_MODULES, *oracles))
    return {name: sys.modules[name] for name in names if name in sys.modules}


def take_snapshot(extra: tuple[str, ...] = ()) -> Snapshot:
    """Record the trusted modules, and a suite's `extra` oracle imports, as they are now."""
    modules = _trusted(extra)
    attributes = {
        (name, attr): value
        for name, module in modules.items()
        for attr, value in list(vars(module).items())
        if callable(value) or isinstance(value, ModuleType)
    }
    return Snapshot(modules=modules, attributes=attributes)


def changes(snapshot: Snapshot, limit: int = 3) -> list[str]:
    """Names of trusted functions or modules that are no longer the originals."""
    found: list[str] = []
    missing = object()
    for name, module in snapshot.modules.items():
        if sys.modules.get(name) is not module:
            found.append(f"sys.modules[{name!r}]")
            if len(found) >= limit:
                return found
    for (name, attr), original in snapshot.attributes.items():
        if vars(snapshot.modules[name]).get(attr, missing) is not original:
            found.append(f"{name}.{attr}")
            if len(found) >= limit:
                break
    return found


def restore(snapshot: Snapshot) -> None:
    """Put the originals back, so the grader can still report on a tampering child."""
    for name, module in snapshot.modules.items():
        sys.modules[name] = module
    for (name, attr), original in snapshot.attributes.items():
        namespace = vars(snapshot.modules[name])
        if namespace.get(attr) is not original:
            namespace[attr] = original
