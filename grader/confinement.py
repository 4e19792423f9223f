"""Confine the grading child: no network, read-only mounts, resource limits, fewer powers.

Each step degrades gracefully where the machine does not allow it, and says which
method it used so the report can tell the interviewer.
"""

from __future__ import annotations

import ctypes
import resource
import signal
import socket
from pathlib import Path
from typing import Any

CLONE_NEWNET = 0x40000000
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18
PR_SET_CHILD_SUBREAPER = 36
KERNEL_MOUNTS = ("/proc", "/sys", "/dev")
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
LINUX_CAPABILITY_VERSION_3 = 0x20080522
# CAP_SETPCAP 8 last: it is what allows dropping the others from the bounding set.
DROPPED_CAPABILITIES = (6, 7, 12, 13, 16, 17, 18, 19, 21, 22, 24, 25, 27, 8)
OUTPUT_FILE_LIMIT = 32 * 1024 * 1024
EXTRA_TASKS = 128  # processes and threads a submission may add (a fork bomb may not)


def isolate_network() -> str:
    """Cut the child off the network; returns the method used."""
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


def protect_filesystem(writable: Path) -> str:
    """Make every mount read-only for this child except its own run folder.

    Needs a private mount namespace (root or CAP_SYS_ADMIN); returns the method used.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNS) != 0:
            return "unprotected"
        if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            return "unprotected"
        target = str(writable).encode()
        if libc.mount(target, target, None, MS_BIND | MS_REC, None) != 0:
            return "unprotected"
        points = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
        for point in points:
            if point == str(writable) or point.startswith(KERNEL_MOUNTS):
                continue
            # Octal escapes in mountinfo (spaces in paths) are left as they are: such a
            # mount simply stays writable, which the report cannot hide from anyone.
            libc.mount(b"none", point.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY, None)
    except (OSError, AttributeError):
        return "unprotected"
    return "read-only"


def adopt_orphans() -> None:
    """Become the reaper of our descendants, so a double fork cannot escape the kill."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def apply_limits(*, memory_mb: int, cpu_seconds: int) -> None:
    """Resource limits that stop a runaway submission inside the child."""
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


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _system_tasks() -> int:
    """Threads on the system now: an upper bound of what RLIMIT_NPROC counts for us.

    The kernel's own count (/proc/loadavg) costs one read; listing every task in /proc
    costs milliseconds on a busy machine, in every child.
    """
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].partition("/")[2])
    except (OSError, IndexError, ValueError):
        return sum(1 for _ in Path("/proc").glob("[0-9]*/task/*"))


def drop_capabilities() -> str:
    """Give up the root powers that would undo the sandbox (limits, mounts, namespaces)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        for cap in DROPPED_CAPABILITIES:
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
        data = (_CapData * 2)()
        if libc.capget(ctypes.byref(header), data) != 0:
            return "unchanged"
        for cap in DROPPED_CAPABILITIES:
            bit = ~(1 << (cap % 32)) & 0xFFFFFFFF
            word = data[cap // 32]
            word.effective &= bit
            word.permitted &= bit
            word.inheritable &= bit
        if libc.capset(ctypes.byref(header), data) != 0:
            return "unchanged"
    except (OSError, AttributeError):
        return "unchanged"
    return "dropped"
