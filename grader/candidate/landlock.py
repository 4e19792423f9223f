"""Landlock, where the kernel has it. The candidate's process writes only inside its run
folder and (from ABI 4 and 6) has no TCP, no signals and no abstract unix sockets outside
its own processes; the judge's process writes only inside its own folders."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence

from grader.candidate import syscalls

CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
WRITES = sum(1 << bit for bit in range(4, 13))  # remove, make char/dir/reg/sock/fifo/block/sym
REFER, TRUNCATE = 1 << 13, 1 << 14
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
# Devices a program writes to as if they were a sink (os.devnull, /dev/full in tests).
WRITABLE_DEVICES = ("/dev/null", "/dev/zero", "/dev/full")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """The Landlock ABI of this kernel, 0 where it is absent or disabled."""
    version = syscalls.syscall(syscalls.SYS_LANDLOCK_CREATE_RULESET, 0, 0, CREATE_RULESET_VERSION)
    return max(version, 0)


def restrict(run_dir: str) -> bool:
    """Confine the candidate's process and its future children: writes only inside its
    run folder, and no TCP, signals or abstract sockets outside; needs no_new_privs."""
    return _restrict([run_dir], (), isolate=True)


def restrict_writes(folders: Sequence[str], files: Sequence[str] = ()) -> bool:
    """Confine the judge's process: it reads anything, but writes only inside `folders`
    and to `files`, so that no path the candidate's process names (a link, a path handed
    back) takes the judge's writes anywhere else; needs no_new_privs or CAP_SYS_ADMIN."""
    return _restrict(folders, files, isolate=False)


def _restrict(folders: Sequence[str], files: Sequence[str], *, isolate: bool) -> bool:
    abi = abi_version()
    if abi < 1:
        return False
    everything = EXECUTE | WRITE_FILE | READ_FILE | READ_DIR | WRITES
    everything |= (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(everything, 0, 0)
    size = 8
    if isolate and abi >= 4:
        attr.handled_access_net, size = NET_BIND_TCP | NET_CONNECT_TCP, 16
    if isolate and abi >= 6:
        attr.scoped, size = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL, 24
    ruleset = syscalls.syscall(syscalls.SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return False
    try:
        allowed = [("/", EXECUTE | READ_FILE | READ_DIR)]
        allowed += [(folder, everything) for folder in folders]
        allowed += [(file, WRITE_FILE | READ_FILE | TRUNCATE) for file in files]
        allowed += [(device, WRITE_FILE) for device in WRITABLE_DEVICES]
        for path, access in allowed:
            _allow(ruleset, path, access & everything)
        return syscalls.syscall(syscalls.SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)


def _allow(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that does not exist here needs no rule
    try:
        if not os.path.isdir(path):
            access &= WRITE_FILE | READ_FILE | EXECUTE | TRUNCATE  # the rights a file can have
        beneath = _PathBeneath(access, fd)
        add = syscalls.SYS_LANDLOCK_ADD_RULE
        syscalls.syscall(add, ruleset, RULE_PATH_BENEATH, ctypes.byref(beneath), 0)
    finally:
        os.close(fd)
