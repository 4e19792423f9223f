"""The candidate's memory, read from outside its process: its cgroup, else /proc."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from grader import host
from grader.sandbox.processes import descendants


class CandidateMemory:
    """Peak memory of the candidate's processes, as the kernel counts it."""

    def __init__(self, pid: int, cage: Any = None) -> None:
        self.pid = pid
        self.cage = cage

    def _pids(self) -> list[int]:
        return [self.pid, *descendants(self.pid)]

    def reset(self) -> None:
        """Start a new peak from the memory in use now."""
        if self.cage is not None and self.cage.peak_memory_bytes() is not None:
            self.cage.reset_peak_memory()
            return
        if not host.current().linux:
            return
        for pid in self._pids():
            # "5" resets the peak resident set size (VmHWM) to the current one.
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")

    def current(self) -> int:
        """Bytes in use now."""
        if self.cage is not None and self.cage.peak_memory_bytes() is not None:
            return self.cage.memory_bytes() or 0
        return self._status("VmRSS")

    def peak(self) -> int:
        """Bytes in use at the peak since the last reset."""
        if self.cage is not None:
            found = self.cage.peak_memory_bytes()
            if found is not None:
                return found
        return self._status("VmHWM")

    def _status(self, field: str) -> int:
        if not host.current().linux:
            return 0  # no /proc: memory is not measured here
        total = 0
        for pid in self._pids():
            with contextlib.suppress(OSError, ValueError, IndexError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(field + ":"):
                        total += int(line.split()[1]) * 1024
        return total
