"""Where a forked candidate's process starts: kept light, so the parent can name it
without loading what the candidate's fork server preloads."""

from __future__ import annotations

from typing import Any

from grader.job import CandidateJob


def run(job: CandidateJob, conn: Any) -> None:
    """Entry point of a forked candidate's process (its fork server loaded the module)."""
    from grader.candidate.process import candidate_main

    candidate_main(job, conn)
