"""Time a subprocess and its whole process tree: wall, CPU, peak memory (Linux).

The benchmark makes itself the subreaper of everything it starts, so the forkserver
and the grading children count too.
"""

from __future__ import annotations

import ctypes
import os
import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.1
REAP_SECONDS = 30.0
PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Measurement:
    """One timed subprocess: wall time, memory, exit code."""

    wall_s: float
    cpu_s: float  # user + system time of every process of the tree
    tree_mb: float  # peak of the summed PSS of the whole process tree, sampled
    process_mb: float  # largest single-process RSS (wait4's ru_maxrss)
    returncode: int
    phase_mb: float = 0.0  # peak of tree_mb until the caller's phase ended
    peak_processes: int = 0  # processes in the tree at the memory peak
    peak_largest_mb: float = 0.0  # the largest of them (PSS) at that moment


def _process_tree(root: int) -> list[int]:
    """The pid and every live descendant of `root`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop()
        tree.append(pid)
        queue.extend(children.get(pid, ()))
    return tree


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared copy-on-write pages counted once across the tree."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class _TreeSampler(threading.Thread):
    """Samples the memory of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int, phase_done: Callable[[], bool] | None = None) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.phase_done = phase_done
        self.phase_peak_kb = 0  # the peak until phase_done() first holds
        self.peak_kb = 0
        self.peak_processes = 0
        self.peak_largest_kb = 0
        self.stop = threading.Event()
        self.enabled = Path("/proc/self/smaps_rollup").is_file()

    def run(self) -> None:
        while self.enabled and not self.stop.is_set():
            sizes = [_pss_kb(pid) for pid in _process_tree(self.pid)]
            if self.phase_done is not None:
                if self.phase_done():
                    self.phase_done = None
                else:
                    self.phase_peak_kb = max(self.phase_peak_kb, sum(sizes))
            if sum(sizes) > self.peak_kb:
                self.peak_kb = sum(sizes)
                self.peak_processes = len(sizes)
                self.peak_largest_kb = max(sizes)
            self.stop.wait(SAMPLE_SECONDS)


def become_subreaper() -> bool:
    """Adopt orphaned descendants (the forkserver outlives the command by a moment), so
    that their CPU time reaches our RUSAGE_CHILDREN and none runs into the next figure."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _children() -> set[int]:
    found: set[int] = set()
    for listing in Path("/proc/self/task").glob("*/children"):
        try:
            found.update(int(pid) for pid in listing.read_text().split())
        except OSError:
            continue
    return found


def _reap_orphans(keep: frozenset[int] = frozenset()) -> None:
    """Wait for the descendants we adopted, except `keep` (a server left running)."""
    deadline = time.monotonic() + REAP_SECONDS
    while time.monotonic() < deadline:
        waiting = _children() - keep
        if not waiting:
            return
        for pid in waiting:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
        time.sleep(0.02)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    command: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    phase_done: Callable[[], bool] | None = None,
    keep: frozenset[int] = frozenset(),
    memory: bool = False,
) -> Measurement:
    """Run a command to completion; its wall time, CPU time and exit code.

    With `memory`, a thread samples the tree's peak memory meanwhile: reading every
    process's smaps costs CPU the command then lacks, so timing-only figures go
    without. With `phase_done`, the peak until it first returns True is kept apart.
    Processes in `keep` are our children that outlive the command (a warm server).
    """
    environment = {**os.environ, **(env or {})}
    output = log.open("wb") if log else subprocess.DEVNULL
    try:
        cpu_before = _cpu_of_children()
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        sampler = _TreeSampler(process.pid, phase_done)
        if memory:
            sampler.start()
        try:
            # wait4, not Popen.wait: it also returns the child's resource usage.
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()  # interrupted: leave nothing running behind us
            process.wait()
            raise
        wall = time.perf_counter() - started
        sampler.stop.set()
        if memory:
            sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        _reap_orphans(keep)
        cpu = _cpu_of_children() - cpu_before
    finally:
        if log:
            output.close()
    return Measurement(
        wall_s=wall,
        cpu_s=cpu,
        tree_mb=sampler.peak_kb / 1024,
        process_mb=usage.ru_maxrss / 1024,
        returncode=process.returncode,
        phase_mb=sampler.phase_peak_kb / 1024,
        peak_processes=sampler.peak_processes,
        peak_largest_mb=sampler.peak_largest_kb / 1024,
    )


def median_wall(runs: list[Measurement]) -> float:
    """The median wall time of repeated measurements."""
    return statistics.median(m.wall_s for m in runs)


def median_cpu(runs: list[Measurement]) -> float:
    """The median CPU time of repeated measurements."""
    return statistics.median(m.cpu_s for m in runs)


def median_run(runs: list[Measurement]) -> Measurement:
    """The measurement of median wall time among repeats (the lower middle one of an even count)."""
    return sorted(runs, key=lambda m: m.wall_s)[(len(runs) - 1) // 2]
