"""The candidate's private root: a small read-only tmpfs holding only the allowed paths (bound
read-only at their own paths), the run folder (the one writable place), /proc and a few devices."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from collections.abc import Iterable
from pathlib import Path

from grader.candidate import syscalls

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
ST_KEPT = 8 | 1024 | 2048 | 4096  # noexec and the atime flags: locked in a user namespace
MNT_DETACH = 2
MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV = 1, 2, 4
AT_FDCWD, AT_RECURSIVE = -100, 0x8000
DEVICES = ("null", "zero", "random", "urandom", "full")
# Where the new root is put together. Any empty-enough directory does: the tmpfs on it
# exists only in our mount namespace, and it must not hide a path we still have to bind.
SCRATCH = ("/mnt", "/media", "/srv", "/opt", "/run", "/tmp", "/var", "/home")


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def _related(a: str, b: str) -> bool:
    """True when one path is the other or inside it."""
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


def _mount_points() -> list[str]:
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    # Octal escapes (a space is \040) never match a scratch folder's plain name anyway.
    return [line.split()[4] for line in lines]


def _scratch(sources: list[str]) -> str | None:
    """A folder to build the root on: unrelated to every source, with no mount under it
    (covering one would be harmless, in our own namespace, but a quiet folder is tidier)."""
    points = _mount_points()
    for candidate in SCRATCH:
        if os.path.isdir(candidate) and not os.path.islink(candidate):
            inside = candidate + "/"
            if any(_related(candidate, s) for s in sources):
                continue
            if not any(p == candidate or p.startswith(inside) for p in points):
                return candidate
    return None


def _mount_setattr(target: str, attributes: int, *, recursive: bool) -> bool:
    attr = _MountAttr(attributes)
    flags = AT_RECURSIVE if recursive else 0
    call = syscalls.SYS_MOUNT_SETATTR
    size = ctypes.sizeof(attr)
    return syscalls.syscall(call, AT_FDCWD, target.encode(), flags, ctypes.byref(attr), size) == 0


def _set_readonly(target: str, *, recursive: bool, devices: bool = False) -> bool:
    """Make a mount (and, recursively, those under it) read-only and nosuid."""
    attributes = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | (0 if devices else MOUNT_ATTR_NODEV)
    if _mount_setattr(target, attributes, recursive=recursive):
        return True
    if ctypes.get_errno() != errno.ENOSYS or recursive:
        return False
    # Kernels before 5.12: a remount must repeat the flags a user namespace locked.
    kept = os.statvfs(target).f_flag & ST_KEPT
    extra = 0 if devices else MS_NODEV
    return syscalls.mount(
        None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | extra | kept
    )


def _bind(source: str, target: str, *, writable: bool = False, devices: bool = False) -> bool:
    """Bind source at target, read-only unless writable; False (and nothing left) on failure."""
    if writable:
        return syscalls.mount(source, target, None, MS_BIND)
    if syscalls.mount(source, target, None, MS_BIND | MS_REC):
        if _set_readonly(target, recursive=True, devices=devices):
            return True
        syscalls.umount2(target, MNT_DETACH)
    # Without a recursive read-only switch, bind only the top mount, so nothing under it
    # stays writable.
    if syscalls.mount(source, target, None, MS_BIND):
        if _set_readonly(target, recursive=False, devices=devices):
            return True
        syscalls.umount2(target, MNT_DETACH)
    return False


def _place(root: str, path: str, *, directory: bool) -> str | None:
    """Create the mount point for path inside the new root; None if it would leave the root
    (through a symlink of a bound folder) or cannot be made."""
    target = root + path
    try:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if directory:
            os.makedirs(target, mode=0o755, exist_ok=True)
        elif not os.path.lexists(target):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except OSError:
        return None
    real = os.path.realpath(target)
    return real if real.startswith(root + "/") else None


def _plan(readable: Iterable[Path]) -> list[str]:
    """The readable paths that exist, outermost first, without those a parent already binds."""
    kept: list[str] = []
    for path in sorted({os.path.abspath(p) for p in readable}):
        if path == "/" or not os.path.lexists(path):
            continue
        if any(path.startswith(k + "/") and not os.path.islink(k) for k in kept):
            continue
        kept.append(path)
    return kept


def build_private_root(
    run_dir: Path, readable: Iterable[Path], hidden: Iterable[Path], *, proc: bool
) -> list[str] | None:
    """Pivot into a new root; returns the paths visible there (None when it could not be
    built: then nothing changed but some mounts in our own namespace).

    Needs a private mount namespace and the power to mount in it.
    """
    run = os.path.abspath(run_dir)
    bound = _plan(readable)
    sources = [*bound, run, os.path.realpath(run), *(f"/dev/{d}" for d in DEVICES)]
    sources += [os.path.realpath(p) for p in bound]
    root = _scratch(sources)
    if root is None or not syscalls.mount(None, "/", None, MS_REC | MS_PRIVATE):
        return None
    if not syscalls.mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755"):
        return None
    old_umask = os.umask(0o022)
    try:
        visible = _fill(root, run, bound, hidden, proc=proc)
        if visible is None or not _pivot(root):
            return None
    finally:
        os.umask(old_umask)
    return visible


def _fill(
    root: str, run: str, bound: list[str], hidden: Iterable[Path], *, proc: bool
) -> list[str] | None:
    visible = []
    for path in bound:
        if os.path.islink(path):
            # /lib -> usr/lib and the like: the same link, pointing into what is bound.
            with contextlib.suppress(OSError):
                os.makedirs(os.path.dirname(root + path), mode=0o755, exist_ok=True)
                os.symlink(os.readlink(path), root + path)
                visible.append(path)
            continue
        target = _place(root, path, directory=os.path.isdir(path))
        if target is not None and _bind(path, target):
            visible.append(path)
    for path in sorted({os.path.abspath(p) for p in hidden}):
        _mask(root, path)
    target = _place(root, run, directory=True)
    if target is None or not _bind(run, target, writable=True):
        return None
    visible.append(run)
    # nosuid and nodev on the one writable place too (best effort: the binary could only
    # ever be set-uid to the candidate's own uid).
    _mount_setattr(target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, recursive=False)
    if proc:
        target = _place(root, "/proc", directory=True)
        if target and syscalls.mount(
            "proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY
        ):
            visible.append("/proc")
    _devices(root)
    return visible


def _mask(root: str, path: str) -> None:
    """Cover a path inside a bound folder: an empty read-only directory, or an empty file."""
    if not os.path.lexists(root + path):
        return
    real = os.path.realpath(root + path)
    if not real.startswith(root + "/"):
        return
    if os.path.isdir(real):
        syscalls.mount(
            "tmpfs",
            real,
            "tmpfs",
            MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "size=4k,mode=0555",
        )
    else:
        _bind("/dev/null", real)


def _devices(root: str) -> None:
    for name in DEVICES:
        target = _place(root, f"/dev/{name}", directory=False)
        if target is not None:
            _bind(f"/dev/{name}", target, devices=True)
    links = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1"}
    links["stderr"] = "/proc/self/fd/2"
    for name, link in links.items():
        with contextlib.suppress(OSError):
            os.symlink(link, f"{root}/dev/{name}")


def _pivot(root: str) -> bool:
    """Make root the new "/" and detach the old one, so no path leads back to it."""
    try:
        os.chdir(root)
    except OSError:
        return False
    # pivot_root(".", ".") stacks the old root on the new one; unmounting "." then drops it.
    if not syscalls.pivot_root(".", "."):
        return False
    if not syscalls.umount2(".", MNT_DETACH):
        return False
    os.chdir("/")
    # The skeleton itself (mount points, /dev entries) becomes read-only as well; if it
    # cannot, the root is not private in the sense promised (one writable place).
    return _set_readonly("/", recursive=False)
