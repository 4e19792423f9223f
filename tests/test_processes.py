"""Finding and killing process trees through /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from grader.processes import _cage, descendants, kill_cage, kill_tree

# A child that starts a grandchild, reports its pid, then waits.
SPAWNER = (
    "import subprocess, sys, time\n"
    "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print(grandchild.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def descendants_of_us() -> list[int]:
    return descendants(os.getpid())


def test_a_process_without_children_has_no_descendants():
    lonely = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert descendants(lonely.pid) == []
    finally:
        lonely.kill()
        lonely.wait()


def test_children_and_grandchildren_are_found_and_killed():
    child = subprocess.Popen([sys.executable, "-c", SPAWNER], stdout=subprocess.PIPE, text=True)
    grandchild = int(child.stdout.readline())
    try:
        assert {child.pid, grandchild} <= set(descendants_of_us())
        assert descendants(child.pid) == [grandchild]
        kill_tree(child.pid)
        child.wait(10)
        deadline = time.monotonic() + 10
        while grandchild in descendants_of_us() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert grandchild not in descendants_of_us()
    finally:
        child.kill()
        child.wait()


# Enters a cage on a helper thread, then reports the outcome, its pids cgroup and how
# many threads are left.
CAGED = (
    "import threading\n"
    "from pathlib import Path\n"
    "from grader.processes import start_entering_cage\n"
    "finish = start_entering_cage(32)\n"
    "outcome = finish()\n"
    "pids = [line for line in Path('/proc/self/cgroup').read_text().splitlines()\n"
    "        if ':pids:' in line or line.startswith('0::')]\n"
    "print(outcome, pids[0] if pids else '-', threading.active_count(), flush=True)\n"
    "input()\n"
)


def test_a_cage_entered_on_a_helper_thread_holds_the_whole_process():
    child = subprocess.Popen(
        [sys.executable, "-c", CAGED], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        outcome, cgroup, threads = child.stdout.readline().split()
        assert threads == "1"  # the helper is gone before candidate code could run
        assert outcome in ("cgroup", "none")
        if outcome == "cgroup":
            assert cgroup.endswith(f"/mlgrade-{child.pid}")
            assert (_cage(child.pid) / "pids.max").read_text().strip() == "32"
        else:  # no cgroup to be had here (none, or not writable): the report says so
            assert not cgroup.endswith(f"/mlgrade-{child.pid}")
    finally:
        child.kill()
        child.wait()
        kill_cage(child.pid)
    assert _cage(child.pid) is None or not _cage(child.pid).exists()
