"""One cgroup ("cage") per candidate process: memory and task limits, peak memory, and a kill
that reaches every process it started, even one that left its pid namespace."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import host

CGROUP_ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "pids", "freezer")
FOLDER = "mlgrade"
UNIFIED = "unified"  # the key of the single directory of a v2 cage
MEBIBYTE = 1024 * 1024
KILL_TIMEOUT = 5.0
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")


def hierarchy() -> str:
    """Which cgroup hierarchy holds the controllers here: "v2", "v1" or ""."""
    if not host.current().linux:
        return ""
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        return "v2"
    if any((CGROUP_ROOT / name / "cgroup.procs").exists() for name in V1_CONTROLLERS):
        return "v1"
    return ""


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under "" its v2 path."""
    found: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            found[controller] = path
    return found


def _bases(version: str) -> dict[str, Path]:
    """Where each controller's mlgrade folder lives: under our own cgroup, so that the
    limits the machine put on the grader still bind its candidates."""
    own = _own_cgroups()
    keys = {UNIFIED: ""} if version == "v2" else {c: c for c in V1_CONTROLLERS}
    bases = {}
    for key, controller in keys.items():
        mount = CGROUP_ROOT if version == "v2" else CGROUP_ROOT / controller
        if not (mount / "cgroup.procs").exists():
            continue
        nested = mount / own.get(controller, "/").lstrip("/")
        # A container may show host paths in /proc/self/cgroup while mounting only its own
        # subtree: then its mount point is where we are.
        bases[key] = (nested if nested.is_dir() else mount) / FOLDER
    return bases


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
    except OSError:
        return False
    return True


def _members(directory: Path) -> list[int]:
    try:
        return [int(pid) for pid in (directory / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _make(base: Path, name: str) -> Path | None:
    """mkdir base/name, tolerating a concurrent sweep() removing the shared folder."""
    target = base / name
    for _ in range(3):
        try:
            base.mkdir(exist_ok=True)
            if target.is_dir():
                target.rmdir()  # an empty leftover of the same name; busy ones stay
            target.mkdir()
            return target
        except FileNotFoundError:
            continue
        except OSError:
            return None
    return None


@dataclass
class Cage:
    """A cgroup of its own for one candidate process (one directory per v1 controller)."""

    name: str
    version: str  # "v1" or "v2"
    dirs: dict[str, Path]  # controller (or "unified" on v2) -> cgroup directory
    _peak_fd: int | None = field(default=None, repr=False, compare=False)

    @classmethod
    def create(cls, name: str, *, memory_mb: int, max_tasks: int) -> Cage | None:
        """Create the cgroup with its limits; None where the machine cannot."""
        version = hierarchy()
        if not version or not _NAME.match(name):
            return None
        dirs = {}
        for key, base in _bases(version).items():
            made = _make(base, name)
            if made is not None:
                dirs[key] = made
        if not dirs:
            return None
        cage = cls(name, version, dirs)
        cage._set_limits(memory_mb * MEBIBYTE, max_tasks)
        return cage

    def _set_limits(self, memory: int, max_tasks: int) -> None:
        if self.version == "v2":
            unified = self.dirs[UNIFIED]
            # Controllers reach a cgroup only if every ancestor hands them down; our own
            # cgroup refuses when it has member processes (v2's no-internal-process rule),
            # and then the cage still kills and counts, without limits.
            for parent in (unified.parent.parent, unified.parent):
                for controller in ("memory", "pids"):
                    _write(parent / "cgroup.subtree_control", f"+{controller}")
            _write(unified / "memory.max", str(memory))
            _write(unified / "memory.swap.max", "0")
            _write(unified / "pids.max", str(max_tasks))
            with contextlib.suppress(OSError):
                # Kernels from 6.12 reset the peak per open file: keep one open for that.
                self._peak_fd = os.open(unified / "memory.peak", os.O_RDWR)
            return
        if "memory" in self.dirs:
            _write(self.dirs["memory"] / "memory.limit_in_bytes", str(memory))
            # Memory plus swap, so that the limit cannot be dodged by swapping.
            _write(self.dirs["memory"] / "memory.memsw.limit_in_bytes", str(memory))
        if "pids" in self.dirs:
            _write(self.dirs["pids"] / "pids.max", str(max_tasks))

    def procs_files(self) -> tuple[Path, ...]:
        """The files a process writes its pid to, to enter the cage."""
        return tuple(directory / "cgroup.procs" for directory in self.dirs.values())

    def members(self) -> list[int]:
        """Every process in the cage now (zombies excluded)."""
        found: set[int] = set()
        for directory in self.dirs.values():
            found.update(_members(directory))
        return sorted(found)

    def __getstate__(self) -> dict[str, object]:
        # An open descriptor means nothing in the process this cage is handed to.
        return {**self.__dict__, "_peak_fd": None}

    def _open_peak(self) -> None:
        if self.version == "v2" and self._peak_fd is None:
            with contextlib.suppress(OSError):
                self._peak_fd = os.open(self.dirs[UNIFIED] / "memory.peak", os.O_RDWR)

    def memory_bytes(self) -> int | None:
        """The memory the cage's processes use now."""
        try:
            if self.version == "v2":
                return int((self.dirs[UNIFIED] / "memory.current").read_text())
            if "memory" not in self.dirs:
                return None
            return int((self.dirs["memory"] / "memory.usage_in_bytes").read_text())
        except (OSError, ValueError):
            return None

    def peak_memory_bytes(self) -> int | None:
        """The most memory the cage's processes used at once since creation or the last reset."""
        self._open_peak()
        try:
            if self.version == "v2":
                if self._peak_fd is None:
                    return None
                return int(os.pread(self._peak_fd, 64, 0).split()[0])
            if "memory" not in self.dirs:
                return None
            return int((self.dirs["memory"] / "memory.max_usage_in_bytes").read_text())
        except (OSError, ValueError, IndexError):
            return None

    def reset_peak_memory(self) -> None:
        """Start measuring the peak afresh (where the kernel allows it)."""
        self._open_peak()
        if self.version == "v2":
            if self._peak_fd is not None:
                with contextlib.suppress(OSError):
                    os.pwrite(self._peak_fd, b"reset\n", 0)
        elif "memory" in self.dirs:
            _write(self.dirs["memory"] / "memory.max_usage_in_bytes", "0")

    def kill(self) -> None:
        """SIGKILL every process in the cage and wait until it is empty."""
        deadline = time.monotonic() + KILL_TIMEOUT
        if self.version == "v2" and _write(self.dirs[UNIFIED] / "cgroup.kill", "1"):
            self._wait_empty(deadline, signal_them=False)
            return
        frozen = self._freeze(deadline)
        # Frozen tasks cannot fork, so one listing is complete; they die once thawed.
        _signal_all(self.members(), signal.SIGKILL)
        if frozen:
            self._thaw()
        self._wait_empty(deadline, signal_them=True)

    def _freeze(self, deadline: float) -> bool:
        if self.version == "v2":
            directory, request, done = self.dirs[UNIFIED], ("cgroup.freeze", "1"), "frozen 1"
            state = "cgroup.events"
        elif "freezer" in self.dirs:
            directory, request, done = self.dirs["freezer"], ("freezer.state", "FROZEN"), "FROZEN"
            state = "freezer.state"
        else:
            return False
        if not _write(directory / request[0], request[1]):
            return False
        # Freezing is asynchronous: a task in a long system call freezes when it returns.
        give_up = min(deadline, time.monotonic() + 1.0)
        while time.monotonic() < give_up:
            with contextlib.suppress(OSError):
                if done in (directory / state).read_text():
                    break
            time.sleep(0.001)
        return True

    def _thaw(self) -> None:
        if self.version == "v2":
            _write(self.dirs[UNIFIED] / "cgroup.freeze", "0")
        else:
            _write(self.dirs["freezer"] / "freezer.state", "THAWED")

    def _wait_empty(self, deadline: float, *, signal_them: bool) -> None:
        pause = 0.0005
        while (members := self.members()) and time.monotonic() < deadline:
            if signal_them:  # without a freezer, new children may still be appearing
                _signal_all(members, signal.SIGKILL)
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def remove(self) -> None:
        """Kill what is left and delete the cgroup directories."""
        self.kill()
        if self._peak_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._peak_fd)
            self._peak_fd = None
        for directory in self.dirs.values():
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.002)  # dying tasks leave the cgroup a moment after SIGKILL
            with contextlib.suppress(OSError):
                directory.parent.rmdir()  # the shared folder, once no cage is left in it


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _owner_alive(name: str) -> bool:
    """Whether the grading process that made a cage (its pid is in the name) still runs:
    its cage may be empty only because its candidate has not joined it yet."""
    parts = name.split("-")
    pid = next((int(p) for p in parts[1:2] if p.isdigit()), None)
    return pid is not None and Path(f"/proc/{pid}").exists()


def sweep() -> None:
    """Remove the empty cages (and mlgrade folders) that earlier runs left behind."""
    version = hierarchy()
    if not version:
        return
    for base in _bases(version).values():
        if not base.is_dir():
            continue
        for leftover in base.iterdir():
            if leftover.is_dir() and not _members(leftover) and not _owner_alive(leftover.name):
                with contextlib.suppress(OSError):
                    leftover.rmdir()
        with contextlib.suppress(OSError):
            base.rmdir()
