"""What the commands share: their common options and the call that grades a submission."""

from __future__ import annotations

from pathlib import Path

import click

from grader.catalogue import Kit


def split_ids(values: tuple[str, ...]) -> list[str]:
    """Exercise ids from repeated or comma-separated options."""
    return [part for value in values for part in value.split(",") if part]


exercises_option = click.option(
    "--exercises",
    "-e",
    "exercise_ids",
    multiple=True,
    help="Exercise ids (comma-separated or repeated); default: all.",
)

kit_option = click.option(
    "--kit",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Exercise kit folder (default: $MLGRADE_KIT, ./exercises, then the installed copy).",
)


def isolation_option(command):
    """--isolation: "strict" refuses to grade without every protection of the sandbox."""
    return click.option(
        "--isolation",
        type=click.Choice(["auto", "strict"]),
        default="auto",
        show_default=True,
        help="strict: refuse to grade unless the candidate's process gets every protection.",
    )(command)


def check_isolation(isolation: str) -> None:
    """Refuse, in one line, to grade under --isolation strict without every protection."""
    if isolation == "strict":
        from grader.grading import require_full_isolation

        require_full_isolation()


def jobs_option(help_text: str):
    """The --jobs option, shared by every command that grades."""
    return click.option(
        "--jobs", "-j", type=click.IntRange(1, 64), default=2, show_default=True, help=help_text
    )


def grade_submission(
    submission_path: Path,
    kit: Kit,
    ids: list[str] | None,
    suite: str,
    jobs: int,
    *,
    warm_engine: bool = True,
    require_answers: bool = False,
):
    """Grade a submission path with the kit's suites; also return the submission read."""
    from grader.grading import default_sandbox, grade
    from grader.workspace import load_submission, require_exercise_files

    submission = load_submission(submission_path, kit, ids)
    if require_answers:
        require_exercise_files(submission, kit.select(ids))
    sandbox = default_sandbox(warm_engine=warm_engine)
    return grade(submission, kit, ids, suite=suite, jobs=jobs, sandbox=sandbox), submission
