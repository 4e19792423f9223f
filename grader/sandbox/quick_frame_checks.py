"""scikit-learn asks narwhals whether each input is a dataframe: answered at once for numpy
arrays and built-in values, which never are. Set up by each fork server once its
libraries are loaded, so that every process forked from it has it."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

# Each check_array asks twice (a dataframe? a series?), and narwhals answers by looking
# for its protocol with inspect.getattr_static and asking every installed plugin: 70 µs
# for a plain array, a tenth of a small model's fit. These exact types are never a
# dataframe or a series: no backend's classes are theirs, and they define no narwhals
# protocol. (A subclass may define it, so only the exact types are answered here.)
CHECKS = ("is_into_dataframe", "is_into_series")
MODULE = "narwhals.stable.v2.dependencies"


def never_frames() -> frozenset[type]:
    """The exact types answered at once: built-in values, and numpy's arrays if loaded."""
    plain = {list, tuple, dict, set, frozenset, str, bytes, int, float, complex, bool, range}
    plain.add(type(None))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        plain |= {numpy.ndarray, numpy.memmap}
    return frozenset(plain)


def _plain_first(check: Callable[[Any], bool], never: frozenset[type]) -> Callable[[Any], bool]:
    @functools.wraps(check)
    def plain_first(value: Any) -> bool:
        if type(value) in never:
            return False
        return check(value)

    plain_first.plain_first = True  # type: ignore[attr-defined]
    return plain_first


def _has_plugins() -> bool:
    from importlib.metadata import entry_points

    return any(True for _ in entry_points(group="narwhals.plugins"))


def answer_plain_values_at_once() -> bool:
    """Make narwhals' dataframe and series checks answer plain values without looking;
    False (nothing changed) where narwhals is not loaded or a plugin of it is installed
    (a plugin may claim any type)."""
    dependencies = sys.modules.get(MODULE)
    if dependencies is None:
        return False
    checks = [getattr(dependencies, name, None) for name in CHECKS]
    if not all(callable(check) for check in checks):
        return False
    if all(getattr(check, "plain_first", False) for check in checks):
        return True
    try:
        if _has_plugins():
            return False
    except Exception:  # noqa: BLE001 - unknown distributions: leave narwhals as it is
        return False
    never = never_frames()
    for name, check in zip(CHECKS, checks, strict=True):
        setattr(dependencies, name, _plain_first(check, never))
    return True
