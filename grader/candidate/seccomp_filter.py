"""The candidate's seccomp filter: every system call allowed except those that reach other
processes, the kernel's configuration, mounts or namespaces."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
from typing import Any

from grader.candidate import syscalls

PR_GET_SECCOMP, PR_SET_SECCOMP = 21, 22
SECCOMP_MODE_FILTER = 2
SECCOMP_FILTER_FLAG_TSYNC = 1
BPF_INSTRUCTION = 8  # bytes of one struct sock_filter

REFUSED = (
    # Other processes' memory and file handles that bypass path checks.
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "open_by_handle_at",
    "name_to_handle_at",
    # Mounts and namespaces: the jail's walls.
    "mount",
    "umount2",
    "pivot_root",
    "unshare",
    "setns",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    # Large kernel attack surface a candidate never needs.
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
)
NAMESPACE_FLAGS = (
    syscalls.CLONE_NEWNS,
    syscalls.CLONE_NEWCGROUP,
    syscalls.CLONE_NEWUTS,
    syscalls.CLONE_NEWIPC,
    syscalls.CLONE_NEWUSER,
    syscalls.CLONE_NEWPID,
    syscalls.CLONE_NEWNET,
)
TIOCSTI, TIOCLINUX = 0x5412, 0x541C  # typing into, or reading, a terminal of the grader's


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


# pyseccomp finds the C library and libseccomp with ctypes.util.find_library, which runs
# `ldconfig -p` in a subprocess for each (~15 ms of CPU in every server that jails
# candidates). Their sonames are fixed by their ABIs: tried first, by loading them.
SONAMES = {"c": "libc.so.6", "seccomp": "libseccomp.so.2"}


def _by_soname(find_library: Any) -> Any:
    def find(name: str) -> str | None:
        soname = SONAMES.get(name)
        if soname is not None:
            try:
                ctypes.CDLL(soname)
                return soname
            except OSError:
                pass
        return find_library(name)

    return find


@functools.cache
def load_module() -> Any | None:
    """pyseccomp, or None where it (or libseccomp) is missing."""
    find_library = ctypes.util.find_library
    ctypes.util.find_library = _by_soname(find_library)
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError):
        return None
    finally:
        ctypes.util.find_library = find_library
    return pyseccomp


@functools.cache
def compiled() -> bytes | None:
    """The filter as a BPF program, built once: preload it before forking candidates, as
    building it costs ~2 ms and loading a ready program almost nothing."""
    seccomp = load_module()
    if seccomp is None:
        return None
    try:
        refuse = seccomp.ERRNO(errno.EPERM)
        flt = seccomp.SyscallFilter(seccomp.ALLOW)
        for name in REFUSED:
            _add(flt, refuse, name)
        masked = seccomp.MASKED_EQ
        for flag in NAMESPACE_FLAGS:  # a new namespace through clone's flags (argument 0)
            _add(flt, refuse, "clone", seccomp.Arg(0, masked, flag, flag))
        for request in (TIOCSTI, TIOCLINUX):
            _add(flt, refuse, "ioctl", seccomp.Arg(1, masked, 0xFFFFFFFF, request))
        # clone3 passes its flags in memory, out of a filter's reach: ENOSYS makes the C
        # library fall back to clone, whose flags the rules above check.
        _add(flt, seccomp.ERRNO(errno.ENOSYS), "clone3")
        with open(os.memfd_create("mlgrade-seccomp"), "w+b") as out:
            flt.export_bpf(out)
            out.seek(0)
            program = out.read()
    except (OSError, ValueError, RuntimeError):
        return None
    return program if program and len(program) % BPF_INSTRUCTION == 0 else None


def install() -> bool:
    """Load the filter into this process (all its threads); True only when the kernel
    reports it in force."""
    program = compiled()
    if program is None:
        return False
    code = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // BPF_INSTRUCTION, ctypes.addressof(code))
    if not syscalls.seccomp_filter(ctypes.addressof(fprog), SECCOMP_FILTER_FLAG_TSYNC):
        # An architecture without a known seccomp() number: prctl binds this thread only.
        syscalls.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
    return syscalls.prctl(PR_GET_SECCOMP) == SECCOMP_MODE_FILTER


def _add(flt: Any, action: int, name: str, *args: Any) -> None:
    try:
        flt.add_rule(action, name, *args)
    except (OSError, ValueError, RuntimeError):
        pass  # a call this architecture does not have: nothing to refuse
