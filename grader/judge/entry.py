"""Where a forked judge starts: kept light, so the parent can name it without loading
what the judge's fork server preloads (pytest, hypothesis, the oracles)."""

from __future__ import annotations

from typing import Any

from grader.job import JudgeJob


def run(job: JudgeJob, conn: Any, candidate_conn: Any = None) -> None:
    """Entry point of a forked judge (grader.judge.process is loaded in its fork server)."""
    import os
    import sys

    # A spawned judge inherits the parent's import path; the working directory on it
    # could hold a candidate's file named like a library.
    sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]
    from grader.judge.process import judge_main

    judge_main(job, conn, candidate_conn)
