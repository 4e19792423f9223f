"""`mlgrade ci init github`: a workflow that grades pull requests with a private kit."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.ci import write_github_workflow
from grader.cli import cli
from grader.errors import UsageError


def test_workflow_takes_the_kit_from_secrets_and_gates_on_the_score(tmp_path):
    path = write_github_workflow(tmp_path, min_score=70, submission_dir="answers/")
    text = path.read_text()
    assert path == tmp_path / ".github" / "workflows" / "mlgrade.yml"
    assert "${{ secrets.MLGRADE_KIT_REPO }}" in text and "${{ secrets.MLGRADE_KIT_TOKEN }}" in text
    assert "mlgrade grade submission/answers" in text and "--kit kit/exercises" in text
    assert "--min-score 70" in text
    assert "actions/upload-artifact" in text and "if: always()" in text
    assert "&gt;" not in text and "&#" not in text  # YAML, not HTML-escaped


def test_existing_workflow_is_kept_unless_forced(tmp_path):
    write_github_workflow(tmp_path)
    with pytest.raises(UsageError, match="already exists"):
        write_github_workflow(tmp_path)
    assert (
        write_github_workflow(tmp_path, min_score=50, force=True)
        .read_text()
        .count("--min-score 50")
        == 1
    )


def test_cli_writes_the_workflow(tmp_path):
    result = CliRunner().invoke(
        cli, ["ci", "init", "github", "--repo", str(tmp_path), "--min-score", "80"]
    )
    assert result.exit_code == 0, result.output
    assert "MLGRADE_KIT_REPO" in result.output
    assert (tmp_path / ".github" / "workflows" / "mlgrade.yml").is_file()
