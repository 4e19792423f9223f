"""Jail the candidate's process before any of its code runs: its cgroup, namespaces, a private
root, no privileges, a seccomp filter. Each step degrades gracefully and says if it held."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import select
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.candidate import landlock, mounts, pid_namespaces, privileges, seccomp_filter, syscalls

if TYPE_CHECKING:
    from grader.sandbox.cgroups import Cage

NOBODY = 65534
NAMESPACES = (
    syscalls.CLONE_NEWNS,
    syscalls.CLONE_NEWPID,
    syscalls.CLONE_NEWNET,
    syscalls.CLONE_NEWIPC,
    syscalls.CLONE_NEWUTS,
)
KEPT_ENVIRONMENT = (
    "PATH",
    "LANG",
    "LC_ALL",
    "PYTHONHASHSEED",
    "PYTHONDONTWRITEBYTECODE",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)
SYSTEM_READABLE = (
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/libx32",
    "/bin",
    "/sbin",
    "/etc/ld.so.cache",
    "/etc/localtime",
)
OUTER_EXIT_ON_ERROR = 70
PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4
PROTECTION_NAMES = {
    "unprivileged": "unprivileged user",
    "capabilities_dropped": "capability drop",
    "no_new_privs": "no_new_privs",
    "seccomp": "seccomp filter",
    "landlock": "Landlock",
    "pid_namespace": "pid namespace",
    "mount_namespace": "mount namespace",
    "network_namespace": "network namespace",
    "ipc_namespace": "IPC namespace",
    "private_root": "private root",
    "cgroup": "cgroup",
}


@dataclass(frozen=True)
class JailSpec:
    """What the candidate's process may see and be."""

    run_dir: Path  # the only writable place, visible at the same absolute path
    readable: tuple[Path, ...]  # bound read-only at the same path
    hidden: tuple[Path, ...] = ()  # inside `readable`, masked by an empty read-only directory
    cage: Cage | None = None  # the cgroup to join
    memory_mb: int = 1024
    uid: int = NOBODY
    gid: int = NOBODY


@dataclass(frozen=True)
class Protections:
    """What enter_jail really enforced (each field checked, never assumed)."""

    unprivileged: bool
    capabilities_dropped: bool
    no_new_privs: bool
    seccomp: bool
    landlock: bool
    pid_namespace: bool
    mount_namespace: bool
    network_namespace: bool
    ipc_namespace: bool
    private_root: bool
    cgroup: str  # "v2", "v1" or ""

    def missing(self) -> list[str]:
        """Human names of the protections that are off, e.g. ["seccomp filter"]."""
        return [name for key, name in PROTECTION_NAMES.items() if not getattr(self, key)]

    def to_dict(self) -> dict[str, bool | str]:
        """The fields as a plain dict (for JSON reports)."""
        return dataclasses.asdict(self)


@functools.cache
def _project_root() -> str | None:
    """The source repository this grader runs from, if it runs from one (not a wheel)."""
    root = Path(__file__).resolve().parents[2]
    return str(root) if (root / "pyproject.toml").is_file() or (root / ".git").exists() else None


def _may_show(path: str) -> bool:
    """False for "/" and any folder holding the home directory or the repository."""
    path = os.path.abspath(path)
    secret = [os.path.expanduser("~"), _project_root()]
    return path != "/" and not any(s and (s == path or s.startswith(path + "/")) for s in secret)


def default_readable() -> tuple[Path, ...]:
    """The Python installation and the system's libraries: what the candidate may read."""
    python = {sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix}
    python |= {p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")}
    found: list[Path] = []
    for path in [*sorted(python), *SYSTEM_READABLE]:
        if path and os.path.lexists(path) and _may_show(path) and Path(path) not in found:
            found.append(Path(path))
    return tuple(found)


def enter_jail(spec: JailSpec) -> Protections:
    """Confine this process (root or not) and return what holds; call before candidate code.

    A process its fork server made the first of a pid namespace of its own keeps it.
    Otherwise this makes one and forks into it: the process that called it stays outside,
    waits for the jailed one and exits with its status, never returning.
    """
    placed = pid_namespaces.where_am_i()
    if placed == pid_namespaces.REFUSE:
        # In another candidate's namespace (see pid_namespaces): nothing may run here.
        os.write(2, b"mlgrade: the candidate's process started in a foreign pid namespace\n")
        os._exit(OUTER_EXIT_ON_ERROR)
    fresh = placed == pid_namespaces.FRESH
    run = os.path.abspath(spec.run_dir)
    cgroup = _join_cage(spec.cage)
    seccomp_filter.compiled()  # libseccomp is found and loaded before the pivot
    if os.geteuid() == 0:
        # The candidate's uid must be able to write its one writable place.
        with contextlib.suppress(OSError):
            if os.stat(run).st_uid != spec.uid:
                os.chown(run, spec.uid, spec.gid)
    wanted = sum(NAMESPACES) & ~syscalls.CLONE_NEWPID if fresh else sum(NAMESPACES)
    granted = _unshare_namespaces(wanted)
    parent_alive = _split() if granted & syscalls.CLONE_NEWPID else None
    own_pids = fresh or parent_alive is not None
    with contextlib.suppress(OSError):
        os.setsid()  # kill(0, ...) and killpg(0, ...) then reach only the candidate's own
    visible = None
    if granted & syscalls.CLONE_NEWNS:
        readable = [p for p in spec.readable if _may_show(str(p))]
        # A fresh /proc shows only our own pid namespace.
        visible = mounts.build_private_root(Path(run), readable, spec.hidden, proc=own_pids)
    with contextlib.suppress(OSError):
        os.chdir(run)
    unprivileged, capabilities = privileges.drop_privileges(spec.uid, spec.gid)
    no_new_privs = privileges.forbid_new_privileges()
    # Both need no_new_privs, as we no longer have CAP_SYS_ADMIN.
    ruled = no_new_privs and landlock.restrict(run)
    filtered = no_new_privs and seccomp_filter.install()
    if parent_alive is not None:
        _die_with_outer(parent_alive)
    _reset_environment(run)
    if visible is not None:
        _prune_sys_path(visible)
    return Protections(
        unprivileged=unprivileged,
        capabilities_dropped=capabilities,
        no_new_privs=no_new_privs,
        seccomp=filtered,
        landlock=ruled,
        pid_namespace=own_pids,
        mount_namespace=bool(granted & syscalls.CLONE_NEWNS),
        network_namespace=bool(granted & syscalls.CLONE_NEWNET),
        ipc_namespace=bool(granted & syscalls.CLONE_NEWIPC),
        private_root=visible is not None,
        cgroup=cgroup,
    )


def preload() -> None:
    """Load once, in the process that forks candidates, what enter_jail needs (pyseccomp finds
    its library by running ldconfig, and building the filter takes ~2 ms: each candidate
    would pay ~17 ms again)."""
    seccomp_filter.compiled()
    privileges.valid_capabilities()
    syscalls.libc()


def _join_cage(cage: Cage | None) -> str:
    """Move this process into every directory of its cgroup; the version only if all took."""
    if cage is None:
        return ""
    pid = str(os.getpid())
    try:
        single = len(os.listdir("/proc/self/task")) == 1
    except OSError:
        single = False
    for procs in cage.procs_files():
        try:
            if single:
                # v1 moves a lone thread writing "0" to "tasks" without the kernel's global
                # lock and the RCU grace period it waits for (~10 ms on every move).
                with contextlib.suppress(FileNotFoundError):
                    (procs.parent / "tasks").write_text("0")
                    continue
            procs.write_text(pid)
        except OSError:
            return ""
    return cage.version


def _unshare_namespaces(wanted: int) -> int:
    """Enter new namespaces of the `wanted` kinds; returns the CLONE_NEW* flags obtained."""
    granted = _unshare_each(wanted)
    if granted != wanted and (os.geteuid() != 0 or not granted):
        # Without the power to make namespaces, a user namespace of our own grants it.
        uid, gid = os.geteuid(), os.getegid()
        if syscalls.unshare(syscalls.CLONE_NEWUSER):
            _map_ids(uid, gid)
            granted |= _unshare_each(wanted & ~granted)
    return granted


def _unshare_each(flags: int) -> int:
    if syscalls.unshare(flags):
        return flags
    return sum(flag for flag in NAMESPACES if flags & flag and syscalls.unshare(flag))


def _map_ids(uid: int, gid: int) -> None:
    """Map our own uid and gid to themselves, so files keep their owners."""
    # A process that changed its uid is not "dumpable": its /proc files belong to root,
    # and it could not write its own maps.
    dumpable = syscalls.prctl(PR_GET_DUMPABLE)
    syscalls.prctl(PR_SET_DUMPABLE, 1)
    for name, line in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1")):
        with contextlib.suppress(OSError):
            Path(f"/proc/self/{name}").write_text(line)
    with contextlib.suppress(OSError):
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    if dumpable >= 0:
        syscalls.prctl(PR_SET_DUMPABLE, dumpable)


def _split() -> int | None:
    """Fork into the new pid namespace. The inner process (its pid 1) returns the read end of
    a pipe whose other end the outer one holds; the outer never returns."""
    read_end, write_end = os.pipe()
    try:
        inner = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if inner:
        os.close(read_end)
        _outer(inner, write_end)
    os.close(write_end)
    return read_end


def _outer(inner: int, keep: int) -> None:
    """Wait for the jailed process and exit with its status (128 + signal when killed)."""
    code = OUTER_EXIT_ON_ERROR
    try:

        def end_inner(signum: int, frame: object) -> None:
            with contextlib.suppress(OSError):
                os.kill(inner, signal.SIGKILL)

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(sig, end_inner)
        # Copies of the candidate's links would keep them open after it dies.
        os.closerange(3, keep)
        os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
        while True:
            try:
                _, status = os.waitpid(inner, 0)
                break
            except InterruptedError:
                continue
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code
    finally:
        os._exit(code)


def _die_with_outer(pipe: int) -> None:
    """SIGKILL when the outer process dies; its pid namespace (all the candidate's processes)
    dies with it. If the outer is already gone, end now."""
    privileges.die_with_parent(signal.SIGKILL)
    gone, _, _ = select.select([pipe], [], [], 0)  # EOF: the write end was closed
    os.close(pipe)
    if gone:
        os._exit(128 + signal.SIGKILL)


def _reset_environment(run: str) -> None:
    """Only a short allow-list of variables; HOME and TMPDIR in the run folder."""
    kept = {name: os.environ[name] for name in KEPT_ENVIRONMENT if name in os.environ}
    os.environ.clear()
    os.environ.update(kept, HOME=run, TMPDIR=run)
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None  # computed again, from TMPDIR


def _prune_sys_path(visible: list[str]) -> None:
    """Drop import paths that the private root no longer shows."""

    def shown(entry: str) -> bool:
        if entry in ("", "."):
            return True
        path = os.path.abspath(entry)
        inside = any(path == v or path.startswith(v.rstrip("/") + "/") for v in visible)
        return inside and os.path.exists(path)

    kept = [entry for entry in sys.path if shown(entry)]
    for entry in sys.path:
        if entry not in kept:
            sys.path_importer_cache.pop(entry, None)
    sys.path[:] = kept
