"""Finding and killing process trees through /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from grader.sandbox.processes import descendants, kill_tree

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
