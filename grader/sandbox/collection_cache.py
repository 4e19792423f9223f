"""What a trusted collection run learnt about a suite, kept between gradings: its tests,
the modules it imports and pytest's rewritten bytecode, so an unchanged suite is not
collected again by every `mlgrade grade`, `run` or batch."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.catalogue import Exercise
from grader.sandbox.channel import CollectedTest
from grader.sandbox.staging import staged_name
from grader.userdirs import cache_root

# Bump when what an entry holds, or how a collection run turns a suite into tests, changes
# in a way the engine's own files would not show (they are part of every key anyway).
FORMAT = "1"
PACKAGE = Path(__file__).resolve().parents[1]
ENTRY_FILE = "collection.json"
# A kit author editing suites makes a new entry at every edit: the least recently used
# beyond this many go.
KEPT_ENTRIES = 128


@dataclass(frozen=True)
class Collection:
    """A suite's tests and imports, and the folder holding its files and bytecode."""

    tests: tuple[CollectedTest, ...]
    imports: tuple[str, ...]
    suite_dir: Path


def cache_folder() -> Path:
    """Where entries live: one folder per suite, named by its key."""
    return cache_root() / "collections"


@functools.lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """What else a collection depends on: this engine's files, Python, installed libraries.

    A file's size and modification time stand for its content, as they do for Python's
    own bytecode; an installed, upgraded or removed distribution renames a folder.
    """
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{sys.prefix}\0".encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(PACKAGE)}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".") if n.endswith(("-info", ".pth")))
        except OSError:  # a zip, or a folder that is gone
            continue
        # Only where distributions are installed: the working directory, which `python -m`
        # puts on the path, must not make a key of its own.
        if names:
            digest.update(entry.encode() + b"\0" + "\0".join(names).encode() + b"\0")
    return digest.hexdigest()


def cache_key(exercise: Exercise, suite: str) -> str:
    """The key of a suite's entry: its files, its exercise's own files, and the engine."""
    digest = hashlib.sha256(engine_fingerprint().encode())
    digest.update(f"\0{exercise.id}\0{suite}\0{exercise.suite_sha256(suite)}\0".encode())
    for path in (exercise.folder / "exercise.toml", exercise.stub_path):
        try:
            digest.update(path.read_bytes() + b"\0")
        except OSError:
            digest.update(b"-\0")
    return digest.hexdigest()


def load(exercise: Exercise, suite: str, key: str) -> Collection | None:
    """The entry for this key, copied into a folder of the caller's own (another grader may
    evict the entry at any time), if whole and its suite files are the kit's; else None."""
    folder = cache_folder() / key
    copy: Path | None = None
    try:
        data = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
        tests = tuple(_test(item) for item in data["tests"])
        imports = tuple(data["imports"])
        if not tests or not all(isinstance(name, str) for name in imports):
            return None
        copy = Path(tempfile.mkdtemp(prefix="mlgrade-suite-")).resolve()
        # copy2 keeps modification times, which pytest checks its bytecode against.
        shutil.copytree(folder / "suite", copy, symlinks=False, dirs_exist_ok=True)
        _check_copy(exercise, suite, copy)
    except (OSError, ValueError, TypeError, KeyError):
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):  # a read-only cache is still used
        os.utime(folder)  # used: the last to be evicted
    return Collection(tests, imports, copy)


def _check_copy(exercise: Exercise, suite: str, copy: Path) -> None:
    """ValueError unless the copy holds the kit's suite files byte for byte, and beside
    them nothing but their bytecode: every file there is something a judge may run."""
    files = {staged_name(exercise, suite, path): path for path in exercise.suite_files(suite)}
    for name, path in files.items():
        if (copy / name).read_bytes() != path.read_bytes():
            raise ValueError(f"{name} differs from the kit's")
    stems = tuple(f"{Path(name).stem}." for name in files)
    for entry in copy.iterdir():
        if entry.name in files:
            continue
        if entry.name != "__pycache__" or entry.is_symlink() or not entry.is_dir():
            raise ValueError(f"{entry.name} is no suite file")
        for compiled in entry.iterdir():
            if not (compiled.name.startswith(stems) and compiled.name.endswith(".pyc")):
                raise ValueError(f"{compiled.name} is no suite file's bytecode")


def store(key: str, collection: Collection) -> None:
    """Keep a collection run's outcome; silently nothing where the cache cannot be written.

    The entry is built aside and renamed into place, so a reader never sees half of one
    and two graders storing the same suite at once leave one whole entry.
    """
    root = cache_folder()
    building: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
        # copy2 keeps modification times, which pytest checks its bytecode against.
        shutil.copytree(collection.suite_dir, building / "suite", symlinks=False)
        entry = {"tests": [asdict(t) for t in collection.tests], "imports": collection.imports}
        (building / ENTRY_FILE).write_text(json.dumps(entry), encoding="utf-8")
        building.chmod(0o700)
        os.rename(building, root / key)
        building = None
        evict(root, KEPT_ENTRIES)
    except OSError:  # read-only home, full disk, or another grader stored it first
        pass
    finally:
        if building is not None:
            shutil.rmtree(building, ignore_errors=True)


def evict(root: Path, keep: int) -> None:
    """Remove all but the `keep` most recently used entries."""
    entries = []
    for folder in root.iterdir():
        if not folder.name.startswith("."):
            try:
                entries.append((folder.stat().st_mtime_ns, folder))
            except OSError:  # removed meanwhile by another grader
                continue
    for _, folder in sorted(entries, reverse=True)[keep:]:
        shutil.rmtree(folder, ignore_errors=True)


def forget(key: str) -> None:
    """Remove an entry that did not load, so the next collection can store a sound one."""
    shutil.rmtree(cache_folder() / key, ignore_errors=True)


def _test(item: object) -> CollectedTest:
    if not isinstance(item, dict):
        raise TypeError("a test is an object")
    nodeid, points = item["nodeid"], item["points"]
    description, gate = item["description"], item.get("gate", "")
    if not all(isinstance(v, str) for v in (nodeid, description, gate)):
        raise TypeError("a test's names are text")
    if isinstance(points, bool) or not isinstance(points, int | float):
        raise TypeError("a test's points are a number")
    return CollectedTest(nodeid=nodeid, points=float(points), description=description, gate=gate)
