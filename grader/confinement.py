"""Resource limits for the candidate's process, and the judge's own cut from the network.

(The candidate's jail, namespaces, uid and seccomp filter, is grader.candidate.jail.)
"""

from __future__ import annotations

import ctypes
import resource
import signal
import socket
from pathlib import Path
from typing import Any

CLONE_NEWNET = 0x40000000
OUTPUT_FILE_LIMIT = 32 * 1024 * 1024
EXTRA_TASKS = 128  # processes and threads a submission may add (a fork bomb may not)


def isolate_network() -> str:
    """Cut this process (a judge) off the network; returns the method used."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) == 0:
            return "namespace"
    except (OSError, AttributeError):
        pass

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("network access is disabled while grading")

    for name in ("connect", "connect_ex", "sendto", "bind"):
        setattr(socket.socket, name, refuse)
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    return "in-process"


def apply_limits(*, memory_mb: int, cpu_seconds: int) -> None:
    """Resource limits that stop a runaway submission inside its process."""
    vm_size = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                vm_size = int(line.split()[1]) * 1024
    except OSError:
        pass
    address_space = vm_size + memory_mb * 1024 * 1024
    tasks = _system_tasks()
    # Hard limits too, so candidate code cannot raise them back (it has no
    # CAP_SYS_RESOURCE after drop_capabilities). CPU: SIGXCPU first, SIGKILL a second later.
    limits = [
        (resource.RLIMIT_AS, address_space, address_space),
        (resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1),
        (resource.RLIMIT_FSIZE, OUTPUT_FILE_LIMIT, OUTPUT_FILE_LIMIT),
        (resource.RLIMIT_CORE, 0, 0),
        # Binds only users other than root; the pids cgroup (enter_cage) binds root too.
        (resource.RLIMIT_NPROC, tasks + EXTRA_TASKS, tasks + EXTRA_TASKS),
    ]
    for kind, soft, hard in limits:
        try:
            _, current_hard = resource.getrlimit(kind)
            if current_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, current_hard), min(hard, current_hard)
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):
            pass
    # Writes past the file-size limit fail with an error instead of killing us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _system_tasks() -> int:
    """Threads on the system now: an upper bound of what RLIMIT_NPROC counts for us.

    The kernel's own count (/proc/loadavg) costs one read; listing every task in /proc
    costs milliseconds on a busy machine, in every candidate's process.
    """
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].partition("/")[2])
    except (OSError, IndexError, ValueError):
        return sum(1 for _ in Path("/proc").glob("[0-9]*/task/*"))
