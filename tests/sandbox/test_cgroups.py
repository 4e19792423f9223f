"""Cages (one cgroup per candidate process): limits, peak memory, a kill that reaches every
process, and cleaning up; on the machine's hierarchy and, where mounted, on a cgroup2 one."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grader.sandbox import cgroups
from grader.sandbox.cgroups import Cage

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="cgroups are Linux-only"),
    pytest.mark.skipif(os.geteuid() != 0, reason="creating cgroups needs root (as CI runs)"),
]

MEBIBYTE = 1024 * 1024
REPORTS, GO_AHEADS = 100, 101  # where a caged child writes and reads (fixed numbers)
UNIFIED_MOUNT = Path("/sys/fs/cgroup/unified")  # cgroup2 beside v1 controllers (hybrid)


def _roots() -> list[pytest.param]:
    roots = [pytest.param(cgroups.CGROUP_ROOT, id="machine")]
    if (UNIFIED_MOUNT / "cgroup.controllers").exists():
        roots.append(pytest.param(UNIFIED_MOUNT, id="hybrid-cgroup2"))
    return roots


@pytest.fixture(params=_roots())
def root(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(cgroups, "CGROUP_ROOT", request.param)
    if not cgroups.hierarchy():
        pytest.skip(f"no cgroup hierarchy at {request.param}")
    yield request.param
    cgroups.sweep()


@pytest.fixture
def make_cage(root: Path) -> Iterator[Callable[..., Cage]]:
    made: list[Cage] = []

    def make(memory_mb: int = 256, max_tasks: int = 64) -> Cage:
        name = f"test-{uuid.uuid4().hex[:12]}"
        cage = Cage.create(name, memory_mb=memory_mb, max_tasks=max_tasks)
        if cage is None:
            pytest.skip(f"cannot create a cgroup under {root}")
        made.append(cage)
        return cage

    yield make
    for cage in made:
        cage.remove()


def in_cage(cage: Cage, body: Callable[[], None]) -> tuple[int, int, int]:
    """Fork a child that joins the cage and runs body; returns its pid, the read end of its
    reports and the write end of its go-aheads."""
    report_r, report_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(report_w, REPORTS)
            os.dup2(go_r, GO_AHEADS)
            for procs in cage.procs_files():
                procs.write_text(str(os.getpid()))
            body()
        finally:
            os._exit(0)
    os.close(report_w)
    os.close(go_r)
    return pid, report_r, go_w


def read_line(fd: int, timeout: float = 10) -> str:
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n") and time.monotonic() < deadline:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


def report(text: str) -> None:
    os.write(REPORTS, text.encode() + b"\n")


def wait_go() -> None:
    read_line(GO_AHEADS)


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def reap(pid: int, timeout: float = 10) -> int | None:
    """A child's exit code or -signal; SIGKILL after timeout, so a failure cannot hang."""
    deadline = time.monotonic() + timeout
    with contextlib.suppress(ChildProcessError):
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.005)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None
    return None


def test_hierarchy_is_detected_from_the_mounts():
    found = cgroups.hierarchy()
    if (cgroups.CGROUP_ROOT / "cgroup.controllers").exists():
        assert found == "v2"
    elif (cgroups.CGROUP_ROOT / "pids" / "cgroup.procs").exists():
        assert found == "v1"
    else:
        assert found == ""


def test_a_cage_lives_in_an_mlgrade_folder_with_its_limits(make_cage):
    cage = make_cage(memory_mb=200, max_tasks=33)
    assert cage.version == cgroups.hierarchy()
    for directory in cage.dirs.values():
        assert directory.is_dir() and directory.parent.name == cgroups.FOLDER
    assert cage.procs_files() == tuple(d / "cgroup.procs" for d in cage.dirs.values())
    if cage.version == "v1":
        memory = cage.dirs["memory"] / "memory.limit_in_bytes"
        assert int(memory.read_text()) == 200 * MEBIBYTE
        assert (cage.dirs["pids"] / "pids.max").read_text().strip() == "33"
    else:
        unified = cage.dirs[cgroups.UNIFIED]
        if (unified / "memory.max").exists():
            assert int((unified / "memory.max").read_text()) == 200 * MEBIBYTE
        if (unified / "pids.max").exists():
            assert (unified / "pids.max").read_text().strip() == "33"


def test_bad_names_are_refused():
    for name in ("", "../escape", "a/b", ".hidden"):
        assert Cage.create(name, memory_mb=64, max_tasks=8) is None


def _tree() -> None:
    """A child, a stopped child, a double-forked daemon in its own session, a posix_spawn."""
    pids = []
    for stop in (False, True):
        child = os.fork()
        if child == 0:
            if stop:
                os.kill(os.getpid(), signal.SIGSTOP)
            time.sleep(600)
            os._exit(0)
        pids.append(child)
    daemon_r, daemon_w = os.pipe()
    first = os.fork()
    if first == 0:
        os.setsid()
        daemon = os.fork()
        if daemon == 0:
            time.sleep(600)
            os._exit(0)
        os.write(daemon_w, f"{daemon}\n".encode())
        os._exit(0)
    os.waitpid(first, 0)
    pids.append(int(read_line(daemon_r)))
    pids.append(os.posix_spawn("/bin/sleep", ["sleep", "600"], {}))
    report(" ".join(map(str, pids)))
    time.sleep(600)


def test_kill_reaches_every_process_even_daemons_and_stopped_ones(make_cage):
    cage = make_cage()
    pid, pipe, go = in_cage(cage, _tree)
    pids = [pid, *map(int, read_line(pipe).split())]
    assert len(pids) == 5
    assert set(pids) <= set(cage.members())
    cage.kill()
    assert cage.members() == []
    assert reap(pid) == -signal.SIGKILL
    for other in pids[1:]:
        assert not alive(other), other
    os.close(pipe)
    os.close(go)


def _fork_bomb() -> None:
    started = 0
    for _ in range(100):
        try:
            child = os.fork()
        except OSError:
            break
        if child == 0:
            time.sleep(600)
            os._exit(0)
        started += 1
    report(str(started))
    time.sleep(600)


def test_a_fork_bomb_stops_at_the_task_limit(make_cage):
    cage = make_cage(max_tasks=20)
    if not any((d / "pids.max").exists() for d in cage.dirs.values()):
        pytest.skip("no pids controller in this hierarchy")
    pid, pipe, go = in_cage(cage, _fork_bomb)
    started = int(read_line(pipe))
    assert started == 19  # 20 tasks, the bomb itself included
    cage.kill()
    reap(pid)
    os.close(pipe)
    os.close(go)


def _allocate(mebibytes: int) -> bytearray:
    block = bytearray(mebibytes * MEBIBYTE)
    for offset in range(0, len(block), 4096):  # touch every page, so it is really used
        block[offset] = 1
    return block


def _memory_steps() -> None:
    block = _allocate(40)
    del block  # a block this large is its own mapping: freeing it gives it back
    report("freed")
    wait_go()  # the test resets the peak meanwhile
    _allocate(1)
    report("small")
    wait_go()
    _allocate(400)  # beyond the limit: the kernel kills us
    report("survived")


def test_peak_memory_is_measured_reset_and_limited(make_cage):
    cage = make_cage(memory_mb=128)
    if cage.peak_memory_bytes() is None:
        pytest.skip("no memory controller (or memory.peak) in this hierarchy")
    pid, pipe, go = in_cage(cage, _memory_steps)
    assert read_line(pipe) == "freed"
    assert cage.peak_memory_bytes() >= 40 * MEBIBYTE
    cage.reset_peak_memory()
    os.write(go, b"go\n")
    assert read_line(pipe) == "small"
    if cage.version == "v1" or _kernel_at_least(6, 12):  # v2 resets from Linux 6.12
        assert cage.peak_memory_bytes() < 40 * MEBIBYTE
    os.write(go, b"go\n")
    assert read_line(pipe) == ""  # killed before it could report
    assert reap(pid) == -signal.SIGKILL
    assert cage.peak_memory_bytes() <= 128 * MEBIBYTE
    os.close(go)
    os.close(pipe)


def _kernel_at_least(major: int, minor: int) -> bool:
    numbers = os.uname().release.split("-")[0].split(".")
    return (int(numbers[0]), int(numbers[1])) >= (major, minor)


def test_remove_deletes_the_cgroup_and_its_processes(make_cage):
    cage = make_cage()
    pid, pipe, go = in_cage(cage, lambda: time.sleep(600))
    assert _wait(lambda: pid in cage.members())
    cage.remove()
    assert reap(pid) == -signal.SIGKILL
    assert not any(d.exists() for d in cage.dirs.values())
    os.close(pipe)
    os.close(go)


def test_sweep_removes_empty_leftovers_only(make_cage):
    empty, busy = make_cage(), make_cage()
    pid, pipe, go = in_cage(busy, lambda: time.sleep(600))
    assert _wait(lambda: pid in busy.members())
    cgroups.sweep()
    assert not any(d.exists() for d in empty.dirs.values())
    assert all(d.exists() for d in busy.dirs.values())
    busy.kill()
    reap(pid)
    os.close(pipe)
    os.close(go)


def _wait(predicate: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.005)
    return predicate()
