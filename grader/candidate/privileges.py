"""Give up root: supplementary groups, uid and gid, every capability (the bounding set too),
and the right to gain privileges again through execve."""

from __future__ import annotations

import ctypes
import functools
import os

from grader.candidate import syscalls

PR_CAPBSET_READ, PR_CAPBSET_DROP = 23, 24
PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS = 38, 39
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
PR_SET_PDEATHSIG = 1
LINUX_CAPABILITY_VERSION_3 = 0x20080522
MAX_CAPABILITIES = 64


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


@functools.cache
def valid_capabilities() -> range:
    """0 .. the last capability this kernel knows (PR_CAPBSET_READ refuses beyond it)."""
    last = 0
    while last < MAX_CAPABILITIES and syscalls.prctl(PR_CAPBSET_READ, last) >= 0:
        last += 1
    return range(last)


def _capability_sets() -> _CapData | None:
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if syscalls.libc().capget(ctypes.byref(header), data) != 0:
        return None
    merged = _CapData()
    for word in data:
        merged.effective |= word.effective
        merged.permitted |= word.permitted
        merged.inheritable |= word.inheritable
    return merged


def _clear_capability_sets() -> None:
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()  # all zero: nothing effective, permitted or inheritable
    syscalls.libc().capset(ctypes.byref(header), data)


def holds_no_capability() -> bool:
    """True when every capability set of this thread, the bounding set included, is empty."""
    sets = _capability_sets()
    if sets is None or sets.effective or sets.permitted or sets.inheritable:
        return False
    # Ambient capabilities are a subset of permitted ones: empty too.
    return all(syscalls.prctl(PR_CAPBSET_READ, cap) == 0 for cap in valid_capabilities())


def drop_privileges(uid: int, gid: int) -> tuple[bool, bool]:
    """Become uid/gid (when we may) and drop every capability.

    Returns (unprivileged, capabilities_dropped), both checked, not assumed.
    """
    # The bounding set first: dropping from it needs CAP_SETPCAP, which the uid change
    # below takes away. With it empty, no execve (set-uid root or file capabilities)
    # can give any capability back.
    for cap in valid_capabilities():
        syscalls.prctl(PR_CAPBSET_DROP, cap)
    syscalls.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    for change in (lambda: os.setgroups([]), lambda: os.setresgid(gid, gid, gid)):
        try:
            change()
        except OSError:
            pass  # in a user namespace of our own: its one mapped gid stays
    try:
        os.setresuid(uid, uid, uid)  # clears the permitted and effective sets as well
    except OSError:
        pass
    _clear_capability_sets()
    ids = (*os.getresuid(), *os.getresgid(), *os.getgroups())
    return all(i != 0 for i in ids), holds_no_capability()


def forbid_new_privileges() -> bool:
    """PR_SET_NO_NEW_PRIVS: execve never grants privileges; checked afterwards."""
    syscalls.prctl(PR_SET_NO_NEW_PRIVS, 1)
    return syscalls.prctl(PR_GET_NO_NEW_PRIVS) == 1


def die_with_parent(sig: int) -> None:
    """Receive sig when the process that forked us ends (reset by any uid change: set last)."""
    syscalls.prctl(PR_SET_PDEATHSIG, sig)
