"""The candidate's jail: each test forks, jails the child, tries what a hostile candidate would,
and checks it was refused; Protections must never claim what does not hold."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.candidate import jail, landlock, privileges, seccomp_filter, syscalls
from grader.candidate.jail import JailSpec, Protections, default_readable
from grader.sandbox import cgroups
from tests.candidate.jailed_child import (
    Jailed,
    jail_and_report,
    jailed,
    proc_status,
    reap,
    run_jailed,
)

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="the jail is Linux-only"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the jail's tests run as root (as CI does)"),
]

REPOSITORY = Path(__file__).resolve().parents[2]
NOBODY = 65534
LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.syscall.restype = ctypes.c_long
PTRACE_ATTACH, PTRACE_DETACH = 16, 17
SYS_CLONE = {"x86_64": 56, "aarch64": 220}.get(os.uname().machine)
SYS_CLONE3 = 435
BOOLEAN_FIELDS = [k for k in jail.PROTECTION_NAMES if k != "cgroup"]

jail.preload()  # as the fork server does: the jailed children need not find libseccomp


def _checked(result: int) -> int:
    """Raise OSError for a C call that failed, as Python's own wrappers do."""
    if result == -1:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))
    return result


# --- what the machine allows, found without the jail (so a broken jail fails, not skips) ---


def _become_nobody() -> None:
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)


def _in_a_child(probe: Callable[[], bool]) -> bool:
    """Run probe in a forked child (it may change the child for good); its answer."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if probe() else 1
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def _namespaces() -> bool:
    flags = syscalls.CLONE_NEWNS | syscalls.CLONE_NEWPID | syscalls.CLONE_NEWNET
    return LIBC.unshare(flags | syscalls.CLONE_NEWIPC) == 0


def _user_namespaces_for_nobody() -> bool:
    _become_nobody()
    return LIBC.unshare(syscalls.CLONE_NEWUSER) == 0


NAMESPACES = _in_a_child(_namespaces)
USER_NAMESPACES = _in_a_child(_user_namespaces_for_nobody)
SECCOMP = seccomp_filter.compiled() is not None
LANDLOCK = landlock.abi_version() > 0
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="this machine refuses namespaces")
needs_seccomp = pytest.mark.skipif(not SECCOMP, reason="pyseccomp or libseccomp is missing")


# --- what the test sees of a jailed process from outside ---


def observe(pid: int, spec: JailSpec, secrets: list[Path]) -> dict[str, bool | str]:
    """The protections as the kernel shows them from outside, field by field."""
    status = proc_status(pid)

    def new(kind: str) -> bool:
        return os.readlink(f"/proc/{pid}/ns/{kind}") != os.readlink(f"/proc/self/ns/{kind}")

    root = f"/proc/{pid}/root"
    ids = status["Uid"].split() + status["Gid"].split()
    capabilities = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
    cage = spec.cage
    return {
        "unprivileged": all(int(i) != 0 for i in ids),
        "capabilities_dropped": all(int(status[c], 16) == 0 for c in capabilities),
        "no_new_privs": status["NoNewPrivs"] == "1",
        "seccomp": status["Seccomp"] == "2",
        "pid_namespace": new("pid"),
        "mount_namespace": new("mnt"),
        "network_namespace": new("net"),
        "ipc_namespace": new("ipc"),
        "private_root": not any(os.path.lexists(f"{root}{s}") for s in secrets)
        and os.path.isdir(f"{root}{spec.run_dir}")
        and _only_writable_mount(pid, str(spec.run_dir)),
        "cgroup": cage.version if cage and pid in cage.members() else "",
    }


def _only_writable_mount(pid: int, run_dir: str) -> bool:
    """True when every mount the process sees is read-only but its run folder."""
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] != run_dir and "ro" not in fields[5].split(","):
            return False
    return True


def assert_honest(child: Jailed, spec: JailSpec, secrets: list[Path]) -> dict[str, bool | str]:
    """Every protection claimed holds, and missing() names exactly the ones off."""
    claimed = child.protections
    seen = observe(child.inner, spec, secrets)
    for field in BOOLEAN_FIELDS:
        if getattr(claimed, field) and field in seen:
            assert seen[field], f"{field} is claimed but does not hold"
    if claimed.cgroup:
        assert seen["cgroup"] == claimed.cgroup
    off = [name for key, name in jail.PROTECTION_NAMES.items() if not getattr(claimed, key)]
    assert claimed.missing() == off
    return seen


# --- fixtures ---


@pytest.fixture
def spec(tmp_path: Path) -> JailSpec:
    run = tmp_path / "run"
    run.mkdir()
    return JailSpec(run_dir=run, readable=default_readable())


@pytest.fixture
def cage() -> Iterator[cgroups.Cage]:
    made = cgroups.Cage.create(f"test-jail-{uuid.uuid4().hex[:12]}", memory_mb=512, max_tasks=64)
    if made is None:
        pytest.skip("this machine has no cgroup hierarchy we can use")
    yield made
    made.remove()
    cgroups.sweep()


@pytest.fixture(scope="module")
def decoy() -> Iterator[subprocess.Popen[bytes]]:
    """A root process in a session of its own: a stand-in for the grader's process group."""
    process = subprocess.Popen(["sleep", "600"], start_new_session=True)
    yield process
    process.kill()
    process.wait()


@pytest.fixture(scope="module")
def listeners() -> Iterator[dict[str, Any]]:
    """A TCP listener on loopback and one on an abstract unix socket, in the test's network."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    unix = socket.socket(socket.AF_UNIX)
    name = f"\0mlgrade-test-{uuid.uuid4().hex}"
    unix.bind(name)
    unix.listen()
    yield {"tcp": tcp.getsockname(), "unix": name}
    tcp.close()
    unix.close()


def _home_file() -> Path:
    home = Path.home()
    files = sorted(p for p in home.iterdir() if p.is_file()) if home.is_dir() else []
    if not files:
        pytest.skip(f"no file in {home} to try reading")
    return files[0]


def secrets_of(spec: JailSpec) -> list[Path]:
    return [Path(__file__), REPOSITORY / "pyproject.toml", Path("/etc/shadow"), _home_file()]


# --- the jail, as root, with everything the machine allows ---


@needs_namespaces
def test_as_root_every_protection_holds(spec: JailSpec, cage: cgroups.Cage):
    spec = JailSpec(run_dir=spec.run_dir, readable=spec.readable, cage=cage)
    with jailed(spec) as child:
        seen = assert_honest(child, spec, secrets_of(spec))
        claimed = child.protections
    expected_off = [] if LANDLOCK else ["Landlock"]
    expected_off += [] if SECCOMP else ["seccomp filter"]
    assert claimed.missing() == expected_off
    assert claimed.cgroup == cage.version
    assert all(seen[field] for field in BOOLEAN_FIELDS if field in seen), seen


def _identity() -> dict[str, Any]:
    status = dict(
        line.split(":\t", 1) for line in Path("/proc/self/status").read_text().splitlines()
    )
    return {
        "uid": os.getuid(),
        "euid": os.geteuid(),
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "status": {k: status[k].strip() for k in ("CapEff", "CapBnd", "NoNewPrivs", "Seccomp")},
        "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "init_is_self": os.readlink("/proc/self") == "1",
    }


@needs_namespaces
@needs_seccomp
def test_the_jailed_process_is_nobody_without_powers_and_alone(spec: JailSpec):
    seen = run_jailed(spec, _identity).outcome
    assert seen["uid"] != 0 and seen["euid"] != 0
    assert seen["status"] == {
        "CapEff": "0000000000000000",
        "CapBnd": "0000000000000000",
        "NoNewPrivs": "1",
        "Seccomp": "2",
    }
    # pid 1 of its own namespace: the machine's init and the grader are out of reach.
    assert seen["pid"] == 1 and seen["ppid"] == 0 and seen["init_is_self"]
    assert seen["processes"] == [1]


def test_the_run_folder_is_writable_and_the_environment_is_clean(spec: JailSpec):
    def act() -> dict[str, Any]:
        Path("answer.txt").write_text("42")
        return {
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "tmp": tempfile.gettempdir(),
            "path": sys.path,
        }

    def before() -> None:
        os.environ["MLGRADE_TEST_SECRET"] = "do not leak"

    seen = run_jailed(spec, act, before=before).outcome
    run = str(spec.run_dir)
    assert (spec.run_dir / "answer.txt").read_text() == "42"
    assert seen["cwd"] == run and seen["tmp"] == run
    assert seen["env"]["HOME"] == run and seen["env"]["TMPDIR"] == run
    assert "MLGRADE_TEST_SECRET" not in seen["env"]
    assert set(seen["env"]) <= {*jail.KEPT_ENVIRONMENT, "HOME", "TMPDIR"}
    if NAMESPACES:
        shown = [str(p) for p in spec.readable] + [run]
        assert all(p == "" or any(p.startswith(s) for s in shown) for p in seen["path"])


@needs_namespaces
def test_of_the_repository_only_a_python_prefix_inside_it_shows(spec: JailSpec):
    listing = run_jailed(spec, lambda: sorted(os.listdir(REPOSITORY))).outcome
    inside = {p.relative_to(REPOSITORY).parts[0] for p in spec.readable if REPOSITORY in p.parents}
    assert set(listing) <= inside


def _ordinary_things() -> dict[str, Any]:
    import threading

    import numpy

    done = []
    worker = threading.Thread(target=lambda: done.append(sum(range(10))))
    worker.start()
    worker.join()
    with open(os.devnull, "w") as sink:
        sink.write("discarded")
    fd, scratch = tempfile.mkstemp()
    os.close(fd)
    true = subprocess.run(["/bin/true"], check=False).returncode
    fresh = "colorsys" not in sys.modules
    import colorsys  # a standard module nothing imported yet: the library is visible

    return {
        "thread": done,
        "random": len(Path("/dev/urandom").open("rb").read(8)),
        "scratch": str(Path(scratch).parent),
        "true": true,
        "numpy": float(numpy.linalg.norm(numpy.ones(4))),
        "colorsys": [fresh, colorsys.rgb_to_hsv(1, 0, 0)[2]],
    }


@needs_namespaces
def test_ordinary_code_still_works_in_the_jail(spec: JailSpec):
    seen = run_jailed(spec, _ordinary_things).outcome
    assert seen == {
        "thread": [45],
        "random": 8,
        "scratch": str(spec.run_dir),
        "true": 0,
        "numpy": 2.0,
        "colorsys": [True, 1],
    }


def test_default_readable_shows_python_but_never_the_repository_or_home():
    readable = [str(p) for p in default_readable()]
    assert sys.base_prefix in readable
    assert "/" not in readable
    for secret in (str(REPOSITORY), str(Path.home())):
        assert not any(secret == p or secret.startswith(p + "/") for p in readable), secret


@needs_namespaces
def test_a_hidden_package_folder_is_empty(spec: JailSpec):
    numpy_dir = Path(__import__("numpy").__file__).parent
    spec = JailSpec(run_dir=spec.run_dir, readable=spec.readable, hidden=(numpy_dir,))

    def act() -> dict[str, Any]:
        try:
            Path(numpy_dir / "planted.py").write_text("")
            written = True
        except OSError:
            written = False
        return {"listing": os.listdir(numpy_dir), "written": written}

    seen = run_jailed(spec, act).outcome
    assert seen == {"listing": [], "written": False}


# --- hostile actions: each must raise OSError inside the jail ---


def _ptrace_own_child() -> None:
    child = os.fork()
    if child == 0:
        time.sleep(30)
        os._exit(0)
    try:
        _checked(LIBC.ptrace(PTRACE_ATTACH, child, None, None))
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


class _IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


def _read_own_childs_memory() -> None:
    secret = ctypes.create_string_buffer(b"secret", 64)
    child = os.fork()
    if child == 0:
        time.sleep(30)
        os._exit(0)
    try:
        into = ctypes.create_string_buffer(64)
        local = _IoVec(ctypes.cast(into, ctypes.c_void_p), 64)
        remote = _IoVec(ctypes.cast(secret, ctypes.c_void_p), 64)
        read = LIBC.process_vm_readv
        read.restype = ctypes.c_ssize_t
        _checked(read(child, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0))
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def _name_to_handle() -> None:
    handle = ctypes.create_string_buffer(8 + 128)
    ctypes.c_uint.from_buffer(handle).value = 128
    mount_id = ctypes.c_int()
    _checked(LIBC.name_to_handle_at(-100, b"/", handle, ctypes.byref(mount_id), 0))


def _open_by_forged_handle() -> None:
    # "Shocker": a handle forged for the root inode of the file system holding "/".
    handle = ctypes.create_string_buffer(8 + 8)
    ctypes.c_uint.from_buffer(handle, 0).value = 8
    ctypes.c_int.from_buffer(handle, 4).value = 1  # FILEID_INO32_GEN
    ctypes.c_uint.from_buffer(handle, 8).value = 2
    fd = os.open("/", os.O_RDONLY)
    try:
        os.close(_checked(LIBC.open_by_handle_at(fd, handle, os.O_RDONLY)))
    finally:
        os.close(fd)


def _clone_new_user() -> None:
    if SYS_CLONE is None:
        raise OSError(errno.ENOSYS, "no clone number for this architecture")
    flags = syscalls.CLONE_NEWUSER | signal.SIGCHLD
    pid = _checked(
        LIBC.syscall(ctypes.c_long(SYS_CLONE), ctypes.c_long(flags), None, None, None, None)
    )
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _clone3() -> None:
    args = (ctypes.c_uint64 * 11)()
    args[4] = signal.SIGCHLD  # exit_signal
    pid = _checked(LIBC.syscall(ctypes.c_long(SYS_CLONE3), args, ctypes.c_long(88)))
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _connect(address: Any, family: int = socket.AF_INET) -> None:
    with socket.socket(family) as s:
        s.settimeout(5)
        s.connect(address)


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def _write(path: str, text: str = "x") -> None:
    with open(path, "w") as f:
        f.write(text)


def _setns_to_init() -> None:
    fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        _checked(LIBC.setns(fd, 0))
    finally:
        os.close(fd)


def hostile_actions(ctx: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """What a clever candidate would try; ctx holds what the test knows of the outside."""
    site_packages = Path(__import__("numpy").__file__).parents[1]
    return {
        "signal the grader": lambda: os.kill(ctx["grader"], 0),
        "signal the grader's process group": lambda: os.killpg(ctx["grader_group"], 0),
        "SIGSTOP another process group of root": lambda: os.killpg(ctx["decoy"], signal.SIGSTOP),
        "SIGKILL another root process": lambda: os.kill(ctx["decoy"], signal.SIGKILL),
        "read this test file": lambda: Path(__file__).read_bytes(),
        "read the repository's pyproject.toml": lambda: (REPOSITORY / "pyproject.toml").read_text(),
        "read a file in $HOME": lambda: Path(ctx["home_file"]).read_bytes(),
        "read /etc/shadow": lambda: Path("/etc/shadow").read_bytes(),
        "read the grader's command line": lambda: _read(f"/proc/{ctx['grader']}/cmdline"),
        "read the parent's command line": lambda: _read(f"/proc/{ctx['parent']}/cmdline"),
        "write core_pattern": lambda: _write("/proc/sys/kernel/core_pattern", ctx["core_pattern"]),
        "write /dev/shm": lambda: _write("/dev/shm/planted"),
        "write /tmp": lambda: _write("/tmp/planted"),
        "write the root folder": lambda: _write("/planted"),
        "write /usr": lambda: _write("/usr/planted"),
        "write site-packages": lambda: _write(str(site_packages / "planted.py")),
        "leave the cage (pids)": lambda: _write("/sys/fs/cgroup/pids/cgroup.procs", "0"),
        "leave the cage (cgroup v2)": lambda: _write("/sys/fs/cgroup/cgroup.procs", "0"),
        "name_to_handle_at": _name_to_handle,
        "open_by_handle_at": _open_by_forged_handle,
        "ptrace the grader": lambda: _checked(LIBC.ptrace(PTRACE_ATTACH, ctx["decoy"], None, None)),
        "ptrace its own child": _ptrace_own_child,
        "process_vm_readv": _read_own_childs_memory,
        "unshare a user namespace": lambda: _checked(LIBC.unshare(syscalls.CLONE_NEWUSER)),
        "unshare a mount namespace": lambda: _checked(LIBC.unshare(syscalls.CLONE_NEWNS)),
        "clone into a user namespace": _clone_new_user,
        "clone3": _clone3,
        "setns": _setns_to_init,
        "mount a tmpfs": lambda: _checked(
            LIBC.mount(b"none", os.getcwd().encode(), b"tmpfs", ctypes.c_ulong(0), None)
        ),
        "connect to loopback": lambda: _connect(ctx["tcp"]),
        "connect to an abstract unix socket": lambda: _connect(ctx["unix"], socket.AF_UNIX),
    }


HOSTILE = list(hostile_actions({}))


@pytest.fixture
def context(decoy: subprocess.Popen[bytes], listeners: dict[str, Any]) -> dict[str, Any]:
    return {
        "grader": os.getpid(),
        "grader_group": os.getpgrp(),
        "parent": os.getppid(),
        "decoy": decoy.pid,
        "home_file": str(_home_file()),
        "core_pattern": Path("/proc/sys/kernel/core_pattern").read_text(),
        **listeners,
    }


@needs_namespaces
@needs_seccomp
@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_action_is_refused(name: str, spec: JailSpec, context: dict[str, Any], decoy):
    action = hostile_actions(context)[name]
    outcome = run_jailed(spec, lambda: action() and None).outcome
    assert isinstance(outcome, dict) and "refused" in outcome, f"{name}: {outcome}"
    # Whatever the error said, the decoy is still there and running.
    assert decoy.poll() is None
    assert proc_status(decoy.pid)["State"][0] in "SR"


# --- nothing survives ---


def _start_daemons(marker: str) -> list[str]:
    """A double-forked daemon in its own session and a posix_spawn'ed child, both named marker."""
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", [marker, "600"])
        os._exit(0)
    os.waitpid(first, 0)
    os.posix_spawn("/bin/sleep", [marker, "600"], {})
    return ["daemon", "spawned"]


def _marked(marker: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if cmdline.read_bytes().split(b"\0")[0] == marker.encode():
                found.append(int(cmdline.parent.name))
    return found


def _wait_for(predicate: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@needs_namespaces
def test_killing_the_cage_ends_every_process_of_the_candidate(spec: JailSpec, cage):
    spec = JailSpec(run_dir=spec.run_dir, readable=spec.readable, cage=cage)
    marker = f"mlgrade-marker-{uuid.uuid4().hex[:8]}"
    with jailed(spec, lambda: _start_daemons(marker)) as child:
        assert child.outcome == ["daemon", "spawned"]
        assert _wait_for(lambda: len(_marked(marker)) == 2)
        assert set(_marked(marker)) <= set(cage.members())
        cage.kill()
        assert _marked(marker) == []
        assert cage.members() == []
        assert os.waitstatus_to_exitcode(os.waitpid(child.outer, 0)[1]) == -signal.SIGKILL


@needs_namespaces
def test_killing_the_jails_process_ends_its_whole_namespace(spec: JailSpec):
    marker = f"mlgrade-marker-{uuid.uuid4().hex[:8]}"
    with jailed(spec, lambda: _start_daemons(marker)) as child:
        assert _wait_for(lambda: len(_marked(marker)) == 2)
        os.kill(child.outer, signal.SIGKILL)
        assert _wait_for(lambda: _marked(marker) == [])


@needs_namespaces
def test_when_the_candidate_ends_its_daemons_end_too(spec: JailSpec):
    marker = f"mlgrade-marker-{uuid.uuid4().hex[:8]}"

    def act() -> None:
        _start_daemons(marker)
        os._exit(7)

    report_r, report_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(report_r)
        jail_and_report(spec, act, None, report_w, None)
    os.close(report_w)
    os.close(report_r)
    assert reap(pid, 30) == 7  # the jail's outer process exits with the candidate's status
    assert _marked(marker) == []


@needs_namespaces
def test_a_candidate_killed_by_a_signal_exits_with_128_plus_it(spec: JailSpec):
    def crash() -> None:
        import faulthandler

        faulthandler.disable()
        ctypes.string_at(0)

    pid = os.fork()
    if pid == 0:
        jail_and_report(spec, crash, None, os.open(os.devnull, os.O_WRONLY), None)
    assert reap(pid, 30) == 128 + signal.SIGSEGV


# --- honesty: with a step taken away, Protections says so ---


def _nobody_run_dir() -> Iterator[Path]:
    # pytest's own temporary folders are root's alone; nobody must reach this one.
    folder = Path(tempfile.mkdtemp(prefix="mlgrade-jail-"))
    os.chmod(folder, 0o755)
    os.chown(folder, NOBODY, NOBODY)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


nobody_run_dir = pytest.fixture(_nobody_run_dir)


def test_as_an_ordinary_user_the_jail_uses_a_user_namespace(nobody_run_dir: Path, cage):
    spec = JailSpec(run_dir=nobody_run_dir, readable=default_readable(), cage=cage)
    with jailed(spec, before=_become_nobody) as child:
        assert_honest(child, spec, secrets_of(spec))
        claimed = child.protections
    assert claimed.unprivileged
    assert claimed.cgroup == ""  # an ordinary user may not move itself into root's cgroup
    assert "cgroup" in claimed.missing()
    if USER_NAMESPACES:
        assert claimed.pid_namespace and claimed.network_namespace and claimed.private_root
        assert claimed.capabilities_dropped


def _refuse_unshare() -> None:
    syscalls.unshare = lambda flags: False


def _no_pyseccomp() -> None:
    seccomp_filter.load_module.cache_clear()
    seccomp_filter.compiled.cache_clear()
    sys.modules["pyseccomp"] = None  # type: ignore[assignment]


def _refuse_mounts() -> None:
    syscalls.mount = lambda *args, **kwargs: False


def _refuse_pivot_root() -> None:
    syscalls.pivot_root = lambda new_root, put_old: False


def _no_landlock() -> None:
    landlock.abi_version = lambda: 0


def _refuse_uid_change() -> None:
    def refuse(*ids: int) -> None:
        raise PermissionError(errno.EPERM, "refused by the test")

    os.setresuid = refuse
    os.setresgid = refuse


def _refuse_no_new_privs() -> None:
    real = syscalls.prctl

    def prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
        return -1 if option == privileges.PR_SET_NO_NEW_PRIVS else real(option, arg2, arg3)

    syscalls.prctl = prctl


def _keep_capabilities() -> None:
    # Root that cannot give anything up: no uid change, no capability dropped.
    os.setresuid = lambda *ids: None
    privileges.PR_CAPBSET_DROP = -1
    privileges._clear_capability_sets = lambda: None


def _nobody_without_user_namespaces() -> None:
    real = syscalls.unshare
    syscalls.unshare = lambda flags: False if flags & syscalls.CLONE_NEWUSER else real(flags)
    _become_nobody()


TAKEN_AWAY = {
    "namespaces": (
        _refuse_unshare,
        ["pid namespace", "mount namespace", "network namespace", "IPC namespace", "private root"],
    ),
    "pyseccomp": (_no_pyseccomp, ["seccomp filter"]),
    "mounts": (_refuse_mounts, ["private root"]),
    "pivot_root": (_refuse_pivot_root, ["private root"]),
    "landlock": (_no_landlock, ["Landlock"]),
    "uid change": (_refuse_uid_change, ["unprivileged user"]),
    "no_new_privs": (_refuse_no_new_privs, ["no_new_privs", "seccomp filter", "Landlock"]),
    "capability drop": (_keep_capabilities, ["capability drop", "unprivileged user"]),
    "user namespaces for nobody": (
        _nobody_without_user_namespaces,
        ["capability drop", "pid namespace", "mount namespace", "network namespace"],
    ),
}


@needs_namespaces
@pytest.mark.parametrize("taken", list(TAKEN_AWAY))
def test_protections_name_what_was_taken_away(taken: str, tmp_path: Path):
    before, expected_missing = TAKEN_AWAY[taken]
    folders = contextlib.ExitStack()
    run = tmp_path / "run"
    run.mkdir()
    if "nobody" in taken:
        run = folders.enter_context(contextlib.contextmanager(_nobody_run_dir)())
    with folders:
        spec = JailSpec(run_dir=run, readable=default_readable())
        with jailed(spec, before=before) as child:
            assert_honest(child, spec, secrets_of(spec))
            missing = child.protections.missing()
    for name in expected_missing:
        assert name in missing, f"{name} is not reported missing when {taken} is taken away"


def test_a_cage_that_cannot_be_joined_is_not_claimed(spec: JailSpec, tmp_path: Path):
    fake = cgroups.Cage("gone", "v1", {"pids": tmp_path / "no-such-cgroup"})
    spec = JailSpec(run_dir=spec.run_dir, readable=spec.readable, cage=fake)
    protections = run_jailed(spec, lambda: None).protections
    assert protections.cgroup == ""
    assert "cgroup" in protections.missing()


def test_protections_report_every_field():
    everything = Protections(*([True] * len(BOOLEAN_FIELDS)), cgroup="v1")
    assert everything.missing() == []
    assert set(everything.to_dict()) == set(jail.PROTECTION_NAMES)
    nothing = Protections(*([False] * len(BOOLEAN_FIELDS)), cgroup="")
    assert nothing.missing() == list(jail.PROTECTION_NAMES.values())
