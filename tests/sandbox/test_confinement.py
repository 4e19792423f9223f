"""The child's confinement steps, where they can be checked without a grading run."""

from __future__ import annotations

import threading
from pathlib import Path

from grader.sandbox.confinement import _system_tasks


def test_the_task_count_is_the_kernels_own():
    listed = sum(1 for _ in Path("/proc").glob("[0-9]*/task/*"))
    counted = _system_tasks()
    assert counted >= threading.active_count()
    # Processes come and go between the two readings; a parse of the wrong field of
    # /proc/loadavg (the load, the running count, the last pid) would be far off.
    assert abs(counted - listed) <= max(20, listed // 5)
