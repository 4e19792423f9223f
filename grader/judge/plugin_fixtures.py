"""What pytest's fixture manager finds in each session-wide plugin, learned once in the
judges' fork server, so that a judge's session does not scan every name of every plugin.

At each session start pytest reads every attribute of every plugin (its own ~30 modules
and objects) for fixtures and for fixtures hidden behind a decorator: about 9 ms and 500
copied memory pages per judge. What it finds there never changes, so a session reads a
plugin module through a view holding only what pytest acts on, and skips a plugin object
whose class holds nothing it acts on. Tests and test classes are scanned by pytest as ever.
"""

from __future__ import annotations

import inspect
import types
from typing import Any

import _pytest.fixtures

# id(module) -> (module, view): the module is kept so that a reused id never matches.
_MODULE_VIEWS: dict[int, tuple[types.ModuleType, types.ModuleType]] = {}
# Classes of plugin objects: those holding nothing the fixture manager acts on, and not.
_BARREN_CLASSES: set[type] = set()
_ACTING_CLASSES: set[type] = set()
_original_parsefactories: Any = None


def supported() -> bool:
    """Whether this pytest's fixture manager is one the views are known to fit."""
    manager = getattr(_pytest.fixtures, "FixtureManager", None)
    if manager is None or not hasattr(_pytest.fixtures, "FixtureFunctionDefinition"):
        return False
    try:
        parameters = inspect.signature(manager.parsefactories).parameters
    except (TypeError, ValueError):
        return False
    return "holder" in parameters and "node" in parameters


def acts_on(value: Any) -> bool:
    """Whether the fixture manager acts on this attribute: it registers it as a fixture,
    or warns that a decorator hides one in it."""
    definition = _pytest.fixtures.FixtureFunctionDefinition
    for layer in (value, getattr(value, "__func__", None)):
        if layer is None:
            continue
        try:
            unwrapped = inspect.unwrap(layer, stop=lambda found: type(found) is definition)
        except Exception:  # noqa: BLE001 - a loop or a raising attribute: pytest decides
            return True
        if type(unwrapped) is definition:
            return True
    return False


def _acting_names(holder: Any) -> list[str] | None:
    """The names of `holder` the fixture manager acts on; None if one cannot be read."""
    names = []
    for name in dir(holder):
        try:
            value = inspect.getattr_static(holder, name)
        except AttributeError:
            continue
        except Exception:  # noqa: BLE001 - a holder that fights being read: pytest scans it
            return None
        if acts_on(value):
            names.append(name)
    return names


def module_view(module: types.ModuleType) -> types.ModuleType | None:
    """A module holding only the attributes of `module` the fixture manager acts on, or
    None where pytest must read the module itself."""
    if "__getattr__" in vars(module) or "__dir__" in vars(module):
        return None  # a module that answers for its own names
    names = _acting_names(module)
    if names is None:
        return None
    view = types.ModuleType(module.__name__, module.__doc__)
    for name in names:
        setattr(view, name, inspect.getattr_static(module, name))
    return view


def barren(cls: type) -> bool:
    """Whether instances of `cls` hold nothing the fixture manager acts on (it reads a
    plugin object's attributes from its class)."""
    if cls in _BARREN_CLASSES:
        return True
    if cls in _ACTING_CLASSES:
        return False
    names = _acting_names(cls)
    (_BARREN_CLASSES if names == [] else _ACTING_CLASSES).add(cls)
    return names == []


def _reduced(holder: Any) -> tuple[bool, Any]:
    """(skip, what to scan instead) for a plugin the whole session sees."""
    if isinstance(holder, types.ModuleType):
        known = _MODULE_VIEWS.get(id(holder))
        if known is None or known[0] is not holder:
            view = module_view(holder)
            if view is None:
                return False, holder
            known = _MODULE_VIEWS[id(holder)] = (holder, view)
        return False, known[1]
    if not isinstance(holder, type) and barren(type(holder)):
        return True, holder
    return False, holder


def install() -> bool:
    """Route the fixture manager's scans of session-wide plugins through what was learned;
    False, changing nothing, where this pytest is not one the views fit."""
    global _original_parsefactories
    if _original_parsefactories is not None:
        return True
    if not supported():
        return False
    original = _pytest.fixtures.FixtureManager.parsefactories
    _original_parsefactories = original

    def parsefactories(self: Any, *args: Any, **kwargs: Any) -> Any:
        holder = kwargs.get("holder")
        if not args and holder is not None and kwargs.get("node") is self.session:
            skip, kwargs["holder"] = _reduced(holder)
            if skip:
                return None
        return original(self, *args, **kwargs)

    _pytest.fixtures.FixtureManager.parsefactories = parsefactories
    return True


def uninstall() -> None:
    """Give the fixture manager back its own scan, and forget what was learned."""
    global _original_parsefactories
    if _original_parsefactories is not None:
        _pytest.fixtures.FixtureManager.parsefactories = _original_parsefactories
        _original_parsefactories = None
    _MODULE_VIEWS.clear()
    _BARREN_CLASSES.clear()
    _ACTING_CLASSES.clear()
