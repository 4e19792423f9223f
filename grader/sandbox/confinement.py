"""Resource limits for the candidate's process; the judge's own memory cap and cut from
the network.

(The candidate's jail, namespaces, uid and seccomp filter, is grader.candidate.jail.)
"""

from __future__ import annotations

import ctypes
import signal
import socket
from pathlib import Path
from typing import Any

from grader import host as hosts
from grader.host import Host

CLONE_NEWNET = 0x40000000
OUTPUT_FILE_LIMIT = 32 * 1024 * 1024
EXTRA_TASKS = 128  # processes and threads a submission may add (a fork bomb may not)
# What a judge may map beyond what it was forked with. It holds what the candidate's
# process sends it, as Python objects (a list of small ints takes four times its JSON and
# twice the candidate's own list), and its suite's own work: its threads' stacks and
# arenas take about 140 MB of address space, the suites' data a few MB.
JUDGE_SPARE_MB = 256
JUDGE_PER_CANDIDATE_MB = 4


def isolate_network(host: Host | None = None) -> str:
    """Cut this process (a judge) off the network; returns the method used."""
    if (host or hosts.current()).linux:
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


def apply_limits(*, memory_mb: int, cpu_seconds: int, host: Host | None = None) -> None:
    """Resource limits that stop a runaway submission inside its process (where the
    host has rlimits; Linux's /proc sizes them to the process and the machine)."""
    offered = host or hosts.current()
    if not offered.resource_limits:
        return
    import resource

    vm_size = _address_space() if offered.linux else 0
    # Without /proc the address space of a fresh interpreter is not known: no cap on it.
    address_space = vm_size + memory_mb * 1024 * 1024 if vm_size else resource.RLIM_INFINITY
    tasks = _system_tasks() if offered.linux else 0
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
    if not offered.linux:
        limits = limits[1:-1]  # address space and task counts are Linux's to size
    for kind, soft, hard in limits:
        try:
            _, current_hard = resource.getrlimit(kind)
            if current_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, current_hard), min(hard, current_hard)
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):
            pass
    # Writes past the file-size limit fail with an error instead of killing us.
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def cap_judge_memory(candidate_mb: int, host: Host | None = None) -> int:
    """Cap this process's (a judge's) address space: what it has, JUDGE_SPARE_MB and
    JUDGE_PER_CANDIDATE_MB for each MB the candidate's process may use. A candidate that
    floods the judge with data (a generator of large lists the suite keeps) then fails
    its test with a MemoryError instead of taking the machine's memory. The cap in
    bytes, or 0 where the host has none."""
    offered = host or hosts.current()
    vm_size = _address_space() if offered.linux and offered.resource_limits else 0
    if not vm_size:
        return 0
    import resource

    cap = vm_size + (JUDGE_SPARE_MB + JUDGE_PER_CANDIDATE_MB * candidate_mb) * 1024 * 1024
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):
        return 0
    return cap


def _address_space() -> int:
    """This process's mapped bytes now (VmSize), or 0 when /proc does not say."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _system_tasks() -> int:
    """Threads on the system now: an upper bound of what RLIMIT_NPROC counts for us.

    The kernel's own count (/proc/loadavg) costs one read; listing every task in /proc
    costs milliseconds on a busy machine, in every candidate's process.
    """
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].partition("/")[2])
    except (OSError, IndexError, ValueError):
        return sum(1 for _ in Path("/proc").glob("[0-9]*/task/*"))
