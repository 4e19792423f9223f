"""The modules a Python file imports at module level, parsed once per content.

Every command needs its suites' imports before anything runs (the judges' server
preloads them), and parsing a hidden suite costs about 10 ms: the answer is kept by the
file's digest, in memory and in the user's cache, trusted as the kept collections are.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

from grader.parsing import parse
from grader.userdirs import cache_root

# Entries kept on disk: a kit author's every edit of a suite adds one.
KEPT_ENTRIES = 256
STORE_NAME = "imports.json"

_lock = threading.Lock()
_known: dict[str, tuple[str, ...]] | None = None


def module_imports(paths: list[Path]) -> tuple[str, ...]:
    """Modules these files import at module level, in first-seen order; a file that
    does not parse or read adds nothing (collection reports a broken suite itself)."""
    found: dict[str, None] = {}
    parsed = False
    for path in paths:
        try:
            source = path.read_bytes()
        except OSError:
            continue
        names, new = _imports(source, str(path))
        found.update(dict.fromkeys(names))
        parsed |= new
    if parsed:  # written once for all the files parsed
        with _lock:
            _store(_load())
    return tuple(found)


def file_imports(source: bytes, filename: str = "<unknown>") -> tuple[str, ...]:
    """The modules one file's source imports at module level (see module_imports)."""
    names, new = _imports(source, filename)
    if new:
        with _lock:
            _store(_load())
    return names


def _imports(source: bytes, filename: str) -> tuple[tuple[str, ...], bool]:
    """The file's imports, and whether they were parsed now (not known yet)."""
    key = _digest(source)
    with _lock:
        known = _load()
        if key in known:
            return known[key], False
    names = _parse_imports(source, filename)
    with _lock:
        known[key] = names
    return names, True


def _parse_imports(source: bytes, filename: str) -> tuple[str, ...]:
    try:
        tree = parse(source, filename=filename)
    except (SyntaxError, ValueError):
        return ()
    found: dict[str, None] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found[node.module] = None
    return tuple(found)


def _digest(source: bytes) -> str:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}\0".encode()
    return hashlib.sha256(version + source).hexdigest()


def _store_path() -> Path:
    return cache_root() / STORE_NAME


def _load() -> dict[str, tuple[str, ...]]:
    """What the user's cache holds, read once per process; nothing where it is unreadable."""
    global _known
    if _known is None:
        _known = {}
        with contextlib.suppress(OSError, ValueError, AttributeError):
            data = json.loads(_store_path().read_text(encoding="utf-8"))
            for key, names in data.items():
                if _valid(key, names):
                    _known[key] = tuple(names)
    return _known


def _valid(key: object, names: object) -> bool:
    return (
        isinstance(key, str)
        and isinstance(names, list)
        and all(
            isinstance(name, str) and all(part.isidentifier() for part in name.split("."))
            for name in names
        )
    )


def _store(known: dict[str, tuple[str, ...]]) -> None:
    """Write the entries, the newest last and at most KEPT_ENTRIES; silently nothing where
    the cache cannot be written. Renamed into place: a reader never sees half a file."""
    while len(known) > KEPT_ENTRIES:
        del known[next(iter(known))]
    target = _store_path()
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".imports-", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({key: list(names) for key, names in known.items()}, out)
            os.replace(name, target)
        except OSError:
            os.unlink(name)
            raise
