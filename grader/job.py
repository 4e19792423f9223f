"""What the parent hands the judge's process and the candidate's: their jobs.

Kept free of heavy imports: the parent builds jobs without loading numpy, scipy or
scikit-learn, which only the warm fork servers and their children need.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.host import Host

# Set by the parent before its fork server starts: "0" skips warming hypothesis' engine
# there (a tenth of a second), for a process that will fork only a child or two.
WARM_ENGINE = "MLGRADE_WARM_ENGINE"


@dataclass(frozen=True)
class JudgeJob:
    """Everything the judge's process needs; built by the parent, trusted."""

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
    # Modules the suite imports (most are preloaded by the judge's fork server).
    trusted_imports: tuple[str, ...] = ()
    # The candidate's run folder: the tests' temporary folders live there.
    shared_dir: Path | None = None
    candidate_uid: int | None = None
    # Set by the parent once the candidate's process started: where to read its memory.
    candidate_pid: int | None = None
    cage: Any = None
    host: Host | None = None  # the parent's probe of the host, which the child obeys
    cpu: int | None = None  # the CPU it shares with its candidate's process, if pinned

    @property
    def candidate_file(self) -> Path:
        return self.sub_dir / self.artifact


@dataclass(frozen=True)
class CandidateJob:
    """What the candidate's process needs: built by the parent, trusted."""

    folder: Path  # the candidate's own run folder: the only place it may write
    submission_dir: Path
    artifact: str
    module: str
    forbidden_imports: tuple[str, ...]
    hidden_paths: tuple[Path, ...]
    memory_mb: int
    cpu_seconds: int
    max_tasks: int
    cage: Any = None  # grader.sandbox.cgroups.Cage, when the parent made one
    strict: bool = False
    host: Host | None = None  # the parent's probe of the host, which the child obeys
    cpu: int | None = None  # the CPU it shares with its judge, if pinned

    @property
    def candidate_file(self) -> Path:
        return self.submission_dir / self.artifact


def new_token() -> str:
    """A per-run secret each channel message must carry."""
    return secrets.token_hex(16)
