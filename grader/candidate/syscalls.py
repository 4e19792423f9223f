"""The few Linux system calls the jail needs that Python does not wrap, through ctypes."""

from __future__ import annotations

import ctypes
import functools
import os
import platform

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

# Numbers from the unified table (identical on every architecture since Linux 5.1).
SYS_MOUNT_SETATTR = 442
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
# pivot_root predates the unified table.
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
_SECCOMP = {"x86_64": 317, "aarch64": 277, "riscv64": 277, "ppc64le": 358, "s390x": 348}
SECCOMP_SET_MODE_FILTER = 1


@functools.cache
def libc() -> ctypes.CDLL:
    """Our own handle on the C library, so argument types set here bind no one else."""
    lib = ctypes.CDLL(None, use_errno=True)
    lib.mount.argtypes = (
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    )
    lib.umount2.argtypes = (ctypes.c_char_p, ctypes.c_int)
    lib.unshare.argtypes = (ctypes.c_int,)
    lib.setns.argtypes = (ctypes.c_int, ctypes.c_int)
    lib.prctl.argtypes = (
        ctypes.c_int,
        ctypes.c_ulong,
        ctypes.c_ulong,
        ctypes.c_ulong,
        ctypes.c_ulong,
    )
    lib.syscall.restype = ctypes.c_long
    return lib


def errno_error(what: str) -> OSError:
    """The OSError for the errno the last failed call left."""
    number = ctypes.get_errno()
    return OSError(number, f"{what}: {os.strerror(number)}")


def unshare(flags: int) -> bool:
    """unshare(2); False when the kernel refuses."""
    try:
        return libc().unshare(flags) == 0
    except (OSError, AttributeError):
        return False


def setns(fd: int, nstype: int) -> bool:
    """setns(2); False when the kernel refuses."""
    try:
        return libc().setns(fd, nstype) == 0
    except (OSError, AttributeError):
        return False


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    """prctl(2), -1 on failure."""
    return libc().prctl(option, arg2, arg3, 0, 0)


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> bool:
    """mount(2); False when it fails."""
    encoded = [None if v is None else v.encode() for v in (source, target, fstype)]
    return libc().mount(*encoded, flags, data.encode() if data else None) == 0


def umount2(target: str, flags: int) -> bool:
    """umount2(2); False when it fails."""
    return libc().umount2(target.encode(), flags) == 0


def pivot_root(new_root: str, put_old: str) -> bool:
    """pivot_root(2); False when it fails or the architecture's number is unknown."""
    number = _PIVOT_ROOT.get(platform.machine())
    if number is None:
        return False
    call = libc().syscall
    return call(ctypes.c_long(number), new_root.encode(), put_old.encode()) == 0


def seccomp_filter(program: int, flags: int) -> bool:
    """seccomp(SECCOMP_SET_MODE_FILTER, flags, program); False when it fails or the
    architecture's number is unknown."""
    number = _SECCOMP.get(platform.machine())
    if number is None:
        return False
    return syscall(number, SECCOMP_SET_MODE_FILTER, flags, program) == 0


def syscall(number: int, *args: int | bytes | ctypes._SimpleCData | ctypes._Pointer) -> int:
    """A raw system call; integers are passed as C longs."""
    converted = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    return libc().syscall(ctypes.c_long(number), *converted)
