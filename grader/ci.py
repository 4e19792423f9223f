"""Write CI configuration that grades a candidate's repository with mlgrade."""

from __future__ import annotations

import re
from pathlib import Path

from grader.errors import UsageError
from grader.report.render import environment

GITHUB_WORKFLOW = Path(".github") / "workflows" / "mlgrade.yml"
# Ids go into a shell command line: letters, digits and underscores only.
EXERCISE_ID = re.compile(r"[a-z][a-z0-9_]*")


def write_github_workflow(
    repository: Path,
    *,
    min_score: float = 0.0,
    submission_dir: str = ".",
    force: bool = False,
    exercises: tuple[str, ...] = (),
) -> Path:
    """Write .github/workflows/mlgrade.yml into a candidate's repository.

    With `exercises`, only those are graded, so --min-score counts the assigned ones.
    """
    for exercise_id in exercises:
        if not EXERCISE_ID.fullmatch(exercise_id):
            raise UsageError(f"not an exercise id: {exercise_id!r}")
    if not 0.0 <= min_score <= 100.0:
        raise UsageError(f"--min-score must be between 0 and 100, got {min_score:g}")
    target = repository / GITHUB_WORKFLOW
    if target.exists() and not force:
        raise UsageError(f"{target} already exists (use --force to replace it)")
    text = (
        environment()
        .get_template("github-workflow.yml.j2")
        .render(
            min_score=f"{min_score:g}",
            submission_dir=submission_dir.strip("/") or ".",
            exercises=",".join(exercises),
        )
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
