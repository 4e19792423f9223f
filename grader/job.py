"""What the parent hands a grading child, and the child's entry point.

Kept free of heavy imports: the parent builds jobs without loading numpy, scipy or
scikit-learn, which only the warm fork server and its children need.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Set by the parent before its fork server starts: "0" skips warming hypothesis' engine
# there (a tenth of a second), for a process that will fork only a child or two.
WARM_ENGINE = "MLGRADE_WARM_ENGINE"


@dataclass(frozen=True)
class ChildJob:
    """Everything the child needs; built by the parent, trusted."""

    sub_dir: Path
    suite_dir: Path
    run_dir: Path
    artifact: str
    module: str | None
    forbidden_imports: tuple[str, ...]
    memory_mb: int
    cpu_seconds: int
    collect_only: bool
    only: tuple[str, ...] | None
    token: str
    fail_fast: bool = False
    # Modules the suite imports, loaded before the candidate's (and watched by the guard).
    trusted_imports: tuple[str, ...] = ()

    @property
    def candidate_file(self) -> Path:
        return self.sub_dir / self.artifact


def new_token() -> str:
    """A per-run secret each channel message must carry."""
    return secrets.token_hex(16)


def run(job: ChildJob, conn: Any) -> None:
    """Entry point of a forked child (grader.child is already loaded in the fork server)."""
    import os
    import sys

    # A spawned child inherits the parent's import path; the working directory on it
    # could hold a candidate's file named like a library.
    sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]
    from grader.child import child_main

    child_main(job, conn)
