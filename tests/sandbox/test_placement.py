"""A judge and its candidate's process share one CPU, and pairs spread over the CPUs."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.grading import default_sandbox, grade
from grader.sandbox.forkservers import has_forkserver
from grader.sandbox.placement import CpuPlacement
from grader.workspace import load_submission


@given(st.integers(2, 8), st.lists(st.booleans(), max_size=40))
def test_each_pair_gets_a_least_busy_cpu(cpus, steps):
    """Any order of pairs starting (True) and ending (False)."""
    placement = CpuPlacement(range(cpus))
    running: list[int] = []
    for starts in steps:
        if starts:
            before = placement.load()
            cpu = placement.take()
            assert before[cpu] == min(before.values())
            running.append(cpu)
        elif running:
            placement.give_back(running.pop(0))
        load = placement.load()
        assert sum(load.values()) == len(running)
        assert max(load.values()) - min(load.values()) <= max(1, len(running))
    for cpu in running:
        placement.give_back(cpu)
    assert set(placement.load().values()) == {0}


def test_one_cpu_is_not_pinned():
    assert CpuPlacement([3]).take() is None
    assert CpuPlacement([]).take() is None


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _allowed(pid: int) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return line.split(":", 1)[1].strip()
    return ""


def _working_descendants(root: int) -> list[int]:
    """The processes under `root` that have no children: the ones doing the work (the
    candidate's process that only waits for its pid namespace's first one is left out)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                children.setdefault(_parent(int(entry.name)), []).append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    found, queue = [], list(children.get(root, ()))
    while queue:
        pid = queue.pop()
        if pid not in children:
            found.append(pid)
        queue.extend(children.get(pid, ()))
    return found


@pytest.mark.skipif(
    not has_forkserver() or len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs, fork servers"
)
def test_a_judge_and_its_candidate_s_process_run_on_the_same_cpu(engine_kit, tmp_path):
    # A slow call keeps both processes busy at their turns while they are looked at
    # from outside (mean([]) is called once, by the last test).
    (tmp_path / "adder.py").write_text(
        "import time\n\n\ndef add(a, b):\n    return a + b\n\n\n"
        "def mean(values):\n    if not values:\n        time.sleep(1.5)\n"
        "        raise ValueError('empty')\n    return sum(values) / len(values)\n"
    )
    sandbox = default_sandbox()
    # CPU lists of the judges and of the candidates' processes seen at one moment.
    seen: list[tuple[frozenset[str], frozenset[str]]] = []
    done = threading.Event()

    def allowed_under(server: int | None) -> frozenset[str]:
        found = set()
        for pid in _working_descendants(server) if server else []:
            try:
                found.add(_allowed(pid))
            except OSError:
                continue
        return frozenset(found)

    def look() -> None:
        while not done.is_set():
            servers = sandbox.server_pids()
            judges = allowed_under(servers.get("judges"))
            candidates = frozenset().union(
                *(allowed_under(pid) for role, pid in servers.items() if role.startswith("cand"))
            )
            if judges and candidates:  # a pair at work, not a suite being collected
                seen.append((judges, candidates))
            time.sleep(0.05)

    watcher = threading.Thread(target=look, daemon=True)
    watcher.start()
    try:
        result = grade(load_submission(tmp_path, engine_kit), engine_kit)
    finally:
        done.set()
        watcher.join(5)
    assert result.score == result.max_score
    # The last look came during the slow call, long after both started (each pins itself
    # once the candidate's module is imported: their start-ups run side by side).
    judges, candidates = seen[-1]
    assert len(judges) == 1 and judges == candidates
    [cpu] = judges
    assert cpu.isdigit()  # one CPU, not a list or a range
    pinned = [pair for pair in seen if all(len(s) == 1 and min(s).isdigit() for s in pair)]
    assert all(judge == candidate for judge, candidate in pinned)
