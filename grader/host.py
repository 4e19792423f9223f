"""What this host offers the grader: the one probe every Linux-only call asks first.

The candidate's jail (namespaces, seccomp, landlock, cgroups), /proc, fork and process
sessions exist on Linux; on macOS and Windows the grader runs without them, isolation off.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Host:
    """The facilities of the machine the grader runs on. Picklable: the parent hands its
    own to every child it starts, so that one probe decides for all of them."""

    platform: str  # sys.platform
    linux: bool  # /proc, namespaces, cgroups, seccomp and landlock may be tried
    fork: bool  # os.fork, so warm fork servers
    sessions: bool  # os.setsid, os.killpg and the POSIX signals (SIGKILL, SIGSTOP, ...)
    resource_limits: bool  # the resource module's rlimits

    @property
    def sandbox(self) -> bool:
        """Whether the candidate's jail can be built here at all."""
        return self.linux

    @property
    def start_method(self) -> str:
        """How children start: from a warm fork server, else a fresh interpreter."""
        if self.fork and "forkserver" in multiprocessing.get_all_start_methods():
            return "forkserver"
        return "spawn"

    def no_sandbox_reason(self) -> str:
        """Why the candidate's code runs unconfined here (empty on Linux)."""
        if self.sandbox:
            return ""
        return (
            f"this platform ({self.platform}) has no Linux sandbox "
            "(namespaces, seccomp, cgroups), so the candidate's code runs as you, unconfined"
        )


@functools.cache
def _probed() -> Host:
    posix = os.name == "posix"
    try:
        import resource  # noqa: F401 - only whether it exists

        limits = True
    except ImportError:
        limits = False
    return Host(
        platform=sys.platform,
        linux=sys.platform.startswith("linux") and os.path.isdir("/proc/self"),
        fork=hasattr(os, "fork"),
        sessions=posix and hasattr(os, "setsid") and hasattr(os, "killpg"),
        resource_limits=limits,
    )


def current() -> Host:
    """What this host offers (probed once per process)."""
    return _probed()
