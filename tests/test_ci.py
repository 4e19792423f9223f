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


def _workflow(tmp_path, **options) -> dict:
    import yaml  # a dependency of dask, in the test extra

    return yaml.safe_load(write_github_workflow(tmp_path, **options).read_text())


def _grade_step(workflow: dict) -> str:
    [step] = [s for s in workflow["jobs"]["grade"]["steps"] if s.get("name") == "Grade"]
    return step["run"]


def test_only_the_assigned_exercises_are_graded_and_gated(tmp_path):
    workflow = _workflow(tmp_path, min_score=60, exercises=("batching", "metrics"))
    command = _grade_step(workflow).split()
    assert command[command.index("--exercises") + 1] == "batching,metrics"
    assert command[command.index("--min-score") + 1] == "60"
    everything = _workflow(tmp_path / "all", min_score=60)
    assert "--exercises" not in _grade_step(everything)
    with pytest.raises(UsageError, match="not an exercise id"):
        write_github_workflow(tmp_path / "bad", exercises=("x; curl evil",))


def test_cli_ci_init_takes_exercises_as_every_command_does(tmp_path, real_kit):
    runner = CliRunner()
    kit = ["--kit", str(real_kit.root)]
    ok = runner.invoke(
        cli,
        ["ci", "init", "github", "--repo", str(tmp_path), "-e", "batching", "-e", "metrics", *kit],
    )
    assert ok.exit_code == 0, ok.output
    text = (tmp_path / ".github" / "workflows" / "mlgrade.yml").read_text()
    assert "--exercises batching,metrics" in text
    unknown = runner.invoke(
        cli, ["ci", "init", "github", "--repo", str(tmp_path / "x"), "-e", "nope", *kit]
    )
    assert unknown.exit_code == 2 and "nope" in unknown.output
    assert not (tmp_path / "x").exists()


def test_a_pull_request_cannot_change_the_grading_or_reach_the_secret(tmp_path):
    workflow = _workflow(tmp_path, min_score=50)
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads on: as True
    # The workflow as on the base branch runs, not the pull request's copy of it.
    assert "pull_request_target" in triggers and "pull_request" not in triggers
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["grade"]["steps"]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout")]
    assert len(checkouts) == 2
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)
    kit_step = next(s for s in checkouts if "MLGRADE_KIT_TOKEN" in str(s["with"]))
    submission_step = next(s for s in checkouts if s["with"]["path"] == "submission")
    assert "pull_request.head.sha" in submission_step["with"]["ref"]
    # The kit (with the token) is fetched before anything runs; no step that runs a
    # command sees a secret.
    first_run = next(i for i, s in enumerate(steps) if "run" in s)
    assert steps.index(kit_step) < first_run
    for step in steps:
        if "run" in step:
            assert "secrets." not in str(step) and "token" not in str(step).lower()
