"""Write CI configuration that grades a candidate's repository with mlgrade."""

from __future__ import annotations

from pathlib import Path

from grader.errors import UsageError
from grader.report import environment

GITHUB_WORKFLOW = Path(".github") / "workflows" / "mlgrade.yml"


def write_github_workflow(
    repository: Path, *, min_score: float = 0.0, submission_dir: str = ".", force: bool = False
) -> Path:
    """Write .github/workflows/mlgrade.yml into a candidate's repository."""
    if not 0.0 <= min_score <= 100.0:
        raise UsageError(f"--min-score must be between 0 and 100, got {min_score:g}")
    target = repository / GITHUB_WORKFLOW
    if target.exists() and not force:
        raise UsageError(f"{target} already exists (use --force to replace it)")
    text = (
        environment()
        .get_template("github-workflow.yml.j2")
        .render(min_score=f"{min_score:g}", submission_dir=submission_dir.strip("/") or ".")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
