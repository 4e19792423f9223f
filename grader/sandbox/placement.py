"""Which CPU a judge and its candidate's process share while they run.

Their calls are synchronous: one side waits while the other works. On one CPU a call's
round trip is a switch between two processes; across two CPUs every call wakes a
sleeping one, which costs several times as much (most of all in a virtual machine).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable


class CpuPlacement:
    """Hands each pair of processes the CPU with the fewest pairs on it."""

    def __init__(self, cpus: Iterable[int] | None = None) -> None:
        allowed = sorted(cpus) if cpus is not None else _allowed_cpus()
        self._pairs = dict.fromkeys(allowed, 0)
        self._lock = threading.Lock()

    def take(self) -> int | None:
        """A CPU for the next pair; None with a single CPU or no way to choose one."""
        with self._lock:
            if len(self._pairs) < 2:
                return None
            cpu = min(self._pairs, key=lambda c: (self._pairs[c], c))
            self._pairs[cpu] += 1
            return cpu

    def give_back(self, cpu: int | None) -> None:
        """The pair on `cpu` has ended."""
        if cpu is None:
            return
        with self._lock:
            self._pairs[cpu] = max(0, self._pairs[cpu] - 1)

    def load(self) -> dict[int, int]:
        """Pairs running on each CPU now."""
        with self._lock:
            return dict(self._pairs)


def pin_to(cpu: int | None) -> None:
    """Run this process (and what it starts) on `cpu` alone; a refusal only costs speed."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return
    with contextlib.suppress(OSError, ValueError):
        os.sched_setaffinity(0, {cpu})


def _allowed_cpus() -> list[int]:
    if not hasattr(os, "sched_getaffinity"):
        return []
    try:
        return sorted(os.sched_getaffinity(0))
    except OSError:
        return []
