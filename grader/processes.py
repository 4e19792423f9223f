"""Find and kill process trees through /proc, so no candidate process outlives grading."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path


def _has_no_children(pid: int) -> bool:
    """True only when the kernel lists no child of any of the process's threads."""
    listings = list(Path(f"/proc/{pid}/task").glob("*/children"))
    try:
        return bool(listings) and not any(p.read_text().strip() for p in listings)
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """Every live descendant of a process (empty where /proc is unavailable)."""
    if _has_no_children(pid):
        return []  # the common case, without reading every process's stat
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def kill_tree(pid: int, *, include_root: bool = True) -> None:
    """SIGKILL a process and all its descendants; stopping them first keeps a fork
    bomb from outrunning the scan."""
    root = [pid] if include_root else []
    for _ in range(5):
        tree = descendants(pid)
        _signal_all(root + tree, signal.SIGSTOP)
        if len(descendants(pid)) == len(tree):
            break
    _signal_all(root + descendants(pid), signal.SIGKILL)


PIDS_CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


def _cage(pid: int) -> Path | None:
    """Where a child's pids cgroup lives (cgroup v1 pids hierarchy, or v2 with pids)."""
    v1, v2 = PIDS_CGROUP_ROOTS
    if (v1 / "cgroup.procs").exists():
        return v1 / f"mlgrade-{pid}"
    controllers = v2 / "cgroup.subtree_control"
    if controllers.exists() and "pids" in controllers.read_text().split():
        return v2 / f"mlgrade-{pid}"
    return None


def enter_cage(max_tasks: int) -> str:
    """Put this process in a pids cgroup of its own; returns "cgroup" or "none".

    Unlike RLIMIT_NPROC (which never binds root), the cgroup caps a fork bomb, and it
    lets the parent find every process the child started, even ones that escaped.
    """
    cage = _cage(os.getpid())
    if cage is None:
        return "none"
    try:
        cage.mkdir()
        (cage / "pids.max").write_text(str(max_tasks))
        (cage / "cgroup.procs").write_text(str(os.getpid()))
    except OSError:
        with contextlib.suppress(OSError):
            cage.rmdir()
        return "none"
    return "cgroup"


def start_entering_cage(max_tasks: int) -> Callable[[], str]:
    """Run enter_cage on a helper thread; the function returned waits for its result.

    Moving a process into a cgroup can sleep ~10 ms in the kernel (an RCU grace
    period), so the child's other set-up runs meanwhile. The helper ends before any
    candidate code runs; what the child sets up per thread meanwhile (namespaces,
    capabilities) binds the thread that stays.
    """
    outcome: list[str] = []
    helper = threading.Thread(target=lambda: outcome.append(enter_cage(max_tasks)))
    helper.start()

    def finish() -> str:
        helper.join()
        return outcome[0] if outcome else "none"

    return finish


def kill_cage(pid: int) -> None:
    """Kill every process left in a child's cgroup and remove the cgroup."""
    cage = _cage(pid)
    if cage is None or not cage.is_dir():
        return
    for _ in range(50):
        try:
            members = [int(p) for p in (cage / "cgroup.procs").read_text().split()]
        except OSError:
            return
        _signal_all(members, signal.SIGKILL)
        with contextlib.suppress(OSError):
            cage.rmdir()
            return
        time.sleep(0.02)
    # Killed but not yet reaped (zombies still count): a later sweep removes it.


def sweep_cages() -> None:
    """Remove the empty cgroups that earlier children left behind."""
    cage = _cage(0)
    if cage is None:
        return
    for leftover in cage.parent.glob("mlgrade-*"):
        with contextlib.suppress(OSError):
            if not (leftover / "cgroup.procs").read_text().strip():
                leftover.rmdir()
