"""The candidates' fork server makes each child the first process of a pid namespace of its
own; a child that landed anywhere else than there or its server's namespace runs nothing."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.candidate import pid_namespaces, syscalls
from grader.candidate.jail import JailSpec, default_readable
from grader.candidate.pid_namespaces import FRESH, REFUSE, SPLIT, placement
from grader.sandbox.forkservers import ForkServerContext, candidate_preload, has_forkserver
from tests.candidate.jailed_child import jailed, proc_status


def _may_offer() -> bool:
    """Whether a process here may make pid namespaces for its children (tried in a child)."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return False
    child = os.fork()
    if child == 0:
        os._exit(0 if pid_namespaces.offer() else 1)
    return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0


root_on_linux = pytest.mark.skipif(
    not _may_offer(), reason="making pid namespaces needs root on Linux (CI runs as root)"
)

names = st.sampled_from(["", "pid:[4026531836]", "pid:[4026532174]", "pid:[4026532175]"])


@given(st.integers(1, 2**22), names, names)
def test_only_pid_1_or_the_server_s_own_namespace_may_run_a_candidate(pid, here, server):
    placed = placement(pid, here, server)
    if pid == 1:
        assert placed == FRESH  # only the first process of a new namespace has pid 1
    elif not server or here == server:
        assert placed == SPLIT  # the jail makes one itself, as it always could
    else:
        assert placed == REFUSE  # another candidate's namespace


def _in_a_server(work: Callable[[], object]) -> object:
    """Run `work` in a forked process that offered namespaces to its forks (as the
    candidates' fork server does); what it returned, through JSON."""
    read, write = os.pipe()
    server = os.fork()
    if server == 0:
        os.close(read)
        answer: object = None
        try:
            answer = {"offered": pid_namespaces.offer(), "found": work()}
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            answer = {"error": repr(exc)}
        finally:
            os.write(write, json.dumps(answer).encode())
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(server, 0)
    answer = json.loads(data)
    assert "error" not in answer, answer
    assert answer["offered"]
    return answer["found"]


def _child_reports() -> dict[str, object]:
    """Fork one child: what it saw of itself, and where the server's next child would go."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        seen = {
            "pid": os.getpid(),
            "namespace": os.readlink("/proc/self/ns/pid"),
            "placed": pid_namespaces.where_am_i(),
        }
        os.write(write, json.dumps(seen).encode())
        os._exit(0)
    os.close(write)
    seen = json.loads(os.read(read, 65536))
    os.close(read)
    os.waitpid(child, 0)
    seen["server's next child goes to"] = os.readlink("/proc/self/ns/pid_for_children")
    seen["server's own"] = os.readlink("/proc/self/ns/pid")
    return seen


@root_on_linux
def test_each_child_of_the_server_is_pid_1_of_a_namespace_of_its_own():
    children = _in_a_server(lambda: [_child_reports() for _ in range(3)])
    assert isinstance(children, list)
    namespaces = {child["namespace"] for child in children}
    assert len(namespaces) == 3 and os.readlink("/proc/self/ns/pid") not in namespaces
    for child in children:
        assert child["pid"] == 1 and child["placed"] == FRESH
        # Back in its own namespace after each fork: the next child never joins this one.
        assert child["server's next child goes to"] == child["server's own"]


@root_on_linux
def test_where_the_server_cannot_make_one_its_child_makes_its_own():
    def refused() -> object:
        syscalls.unshare = lambda flags: False  # this server process only
        return _child_reports()

    child = _in_a_server(refused)
    assert isinstance(child, dict)
    assert child["pid"] != 1 and child["namespace"] == child["server's own"]
    assert child["placed"] == SPLIT


@root_on_linux
def test_a_child_that_landed_in_another_candidate_s_namespace_refuses():
    def landed_elsewhere() -> object:
        # Its own namespace made by hand (as a failed return to the server's would leave
        # it): its first process is pid 1, the second is someone else's guest.
        assert syscalls.unshare(syscalls.CLONE_NEWPID)
        first = os.fork()
        if first == 0:
            os._exit(0 if _child_reports()["placed"] == REFUSE else 1)
        return os.waitstatus_to_exitcode(os.waitpid(first, 0)[1])

    assert _in_a_server(landed_elsewhere) == 0


@root_on_linux
def test_a_server_that_cannot_return_to_its_own_namespace_stops():
    server = os.fork()
    if server == 0:
        code = 1
        try:
            if pid_namespaces.offer():
                syscalls.setns = lambda fd, nstype: False  # this server process only
                if os.fork() == 0:
                    os._exit(0)
                code = 2  # went on forking into the namespace it just made
        finally:
            os._exit(code)
    status = os.waitpid(server, 0)[1]
    assert os.waitstatus_to_exitcode(status) == pid_namespaces.LOST_EXIT


def _jailed_child(run_dir: str) -> dict[str, object]:
    """Fork one child that jails itself; what it saw, and what the server sees of the
    process it forked."""
    spec = JailSpec(run_dir=Path(run_dir), readable=default_readable())
    with jailed(spec, os.getpid) as child:
        status = proc_status(child.outer)
        return {
            "pid": child.outcome,
            "pid_namespace": child.protections.pid_namespace,
            "forked, as the server sees it": {
                key: status[key].split() for key in ("Uid", "Seccomp", "NSpid")
            },
        }


@root_on_linux
def test_a_child_made_pid_1_jails_itself_in_place(tmp_path: Path):
    (tmp_path / "run").mkdir()
    seen = _in_a_server(lambda: _jailed_child(str(tmp_path / "run")))
    assert isinstance(seen, dict)
    assert seen["pid"] == 1 and seen["pid_namespace"]
    # The process the server forked is the jailed one (no outer process stands between):
    # nobody, filtered, pid 1 of its own namespace.
    forked = seen["forked, as the server sees it"]
    assert forked["Uid"][0] == "65534" and forked["Seccomp"] == ["2"]
    assert forked["NSpid"][1:] == ["1"]


@root_on_linux
@pytest.mark.skipif(not has_forkserver(), reason="no fork servers on this platform")
def test_the_candidates_server_starts_a_child_with_no_process_between_them():
    context = ForkServerContext("test-pid-namespaces", candidate_preload(("sklearn",)))
    child = context.Process(target=time.sleep, args=(60,), daemon=True)
    try:
        child.start()
        status = proc_status(child.pid)
        # Its pid here, and 1 in its own namespace; its parent is the server itself.
        assert status["NSpid"].split() == [str(child.pid), "1"]
        assert int(status["PPid"]) == context.server_pid
    finally:
        if child.pid is not None:
            os.kill(child.pid, signal.SIGKILL)
            child.join(10)
        context.server._stop()
