"""The interviewer's commands: grade one submission or a batch, prove the suites, set up CI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.catalogue import find_kit, kit_apart_from
from grader.cli.group import Command, Group, language_option, speak
from grader.cli.options import (
    check_isolation,
    grade_submission,
    isolation_option,
    jobs_option,
    kit_option,
    split_ids,
)
from grader.errors import UsageError, ValidationFailed
from grader.results import UNWRITABLE

# Which exercises of the submission to grade (the interviewer's: all unless named).
graded_exercises_option = click.option(
    "--exercises", "-e", multiple=True, help="Exercise ids (comma-separated or repeated)."
)


def output_file_option(flag: str, dest: str, help_text: str):
    """An option naming a file to write (none unless given)."""
    return click.option(
        flag,
        dest,
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help=help_text,
    )


@click.command(cls=Command, name="grade")
@language_option
@click.argument("submission", type=click.Path(path_type=Path))
@graded_exercises_option
@output_file_option(
    "--json", "json_out", "Write the result as JSON here (see --format). Default: no file."
)
@output_file_option("--html", "html_out", "Write the HTML report here. Default: no file.")
@click.option(
    "--format",
    "json_format",
    type=click.Choice(["mlgrade", "gradescope", "exercism"]),
    default="mlgrade",
    show_default=True,
    help="Shape of the --json file (Gradescope or Exercism results.json).",
)
@output_file_option("--junit", "junit_out", "Also write JUnit XML here.")
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when the score (percent) is below this, after writing every report.",
)
@jobs_option("Exercises graded at once.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the totals.")
@isolation_option
@kit_option
def grade_command(
    submission: Path,
    exercises: tuple[str, ...],
    json_out: Path | None,
    html_out: Path | None,
    json_format: str,
    junit_out: Path | None,
    min_score: float | None,
    jobs: int,
    quiet: bool,
    kit: Path | None,
    isolation: str,
) -> None:
    """Grade a submission (directory, .zip, .ipynb) with the hidden suites."""
    check_isolation(isolation)
    from grader.errors import ScoreBelowMinimum
    from grader.report.formats import append_github_summary, json_text, to_junit_xml
    from grader.report.render import terminal_summary, terminal_totals, write_html

    said = speak()
    found = find_kit(kit, need_hidden=True)
    kit_apart_from(found, submission, kit)
    ids = split_ids(exercises) or None
    # The interviewer's `grade`: a folder or archive with no answer at all is a mistake.
    # One exercise is too little work to repay the warm servers a catalogue shares.
    result, _ = grade_submission(
        submission,
        found,
        ids,
        "hidden",
        jobs,
        warm_engine=len(found.select(ids)) > 1,
        require_answers=True,
    )
    # Files only where asked: the terminal summary is the default output.
    written = []
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json_text(result, json_format), encoding="utf-8", errors=UNWRITABLE)
        written.append(said("cli.results_file", path=json_out))
    if junit_out is not None:
        junit_out.parent.mkdir(parents=True, exist_ok=True)
        junit_out.write_text(to_junit_xml(result), encoding="utf-8", errors=UNWRITABLE)
        written.append(said("cli.junit_file", path=junit_out))
    if html_out is not None:
        write_html(result, html_out, found, language=said.language)
        written.append(said("cli.report_file", path=html_out))
    append_github_summary(result, kit=found, language=said.language)
    click.echo(
        terminal_totals(result, language=said.language)
        if quiet
        else terminal_summary(result, kit=found, language=said.language)
    )
    if written and not quiet:
        click.echo("  ".join(written))
    if min_score is not None and result.percent < min_score:
        raise ScoreBelowMinimum(
            key="errors.score_below_minimum",
            score=f"{round(result.percent, 2):g}",
            minimum=f"{min_score:g}",
        )


@click.command(cls=Command, name="grade-batch")
@language_option
@click.argument("submissions_dir", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for per-candidate reports, grades.csv and summary.html.",
)
@graded_exercises_option
@jobs_option("Submissions graded at once.")
@click.option(
    "--similarity-threshold",
    type=click.FloatRange(0, 1),
    default=0.6,
    show_default=True,
    help="List code pairs at least this similar (0-1).",
)
@click.option(
    "--solutions",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help='Reference answers, compared with the candidates as "reference".',
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Grade on this Dask scheduler (tcp://host:8786) instead of locally; "
    "needs mlgrade[cluster]. --jobs is then unused.",
)
@isolation_option
@kit_option
def grade_batch_command(
    submissions_dir: Path,
    out_dir: Path,
    exercises: tuple[str, ...],
    jobs: int,
    similarity_threshold: float,
    solutions: Path | None,
    scheduler: str | None,
    kit: Path | None,
    isolation: str,
) -> None:
    """Grade every submission in a folder (subfolders, .zip, .ipynb) in parallel."""
    check_isolation(isolation)
    from grader.batch.pool import discover, grade_batch
    from grader.report.terminal_text import terminal_safe

    said = speak()
    found = find_kit(kit, need_hidden=True)
    kit_apart_from(found, submissions_dir, kit)
    total = len(discover(submissions_dir, out_dir))
    if not total:
        raise UsageError(key="errors.no_submissions", folder=submissions_dir)
    with click.progressbar(
        length=total,
        label=said("cli.batch_progress"),
        item_show_func=lambda name: name,
        file=sys.stderr,
    ) as bar:
        batch = grade_batch(
            submissions_dir,
            out_dir,
            found,
            jobs=jobs,
            exercise_ids=split_ids(exercises) or None,
            progress=lambda row: bar.update(1, terminal_safe(row.candidate)),
            similarity_threshold=similarity_threshold,
            solutions=solutions,
            scheduler=scheduler,
            language=said.language,
        )
    click.echo(
        said(
            "cli.batch_counts",
            count=len(batch.rows),
            graded=batch.regraded,
            reused=batch.reused,
            errors=batch.errors,
        )
    )
    for row in batch.rows:
        if row.result is None:
            click.echo(f"  {terminal_safe(row.candidate)}: {terminal_safe(row.error)}")
    threshold = f"{100 * similarity_threshold:.0f}"
    click.echo(said("cli.batch_pairs", count=len(batch.pairs), threshold=threshold))
    click.echo(said("cli.gradebook_file", path=batch.csv_path))
    click.echo(said("cli.summary_file", path=batch.summary_path))


@click.command(cls=Command)
@language_option
@click.argument("ids", nargs=-1)
@click.option(
    "--solutions",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("solutions"),
    show_default=True,
    help="Reference answers.",
)
@click.option(
    "--mutants",
    "mutant_limit",
    type=click.IntRange(1),
    default=None,
    help="Grade an evenly spread sample of at most N mutants per exercise (default: all).",
)
@click.option(
    "--buggy",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("tests/fixtures/submissions/buggy"),
    show_default=True,
    help="Planted bugs (<exercise>/<case>/): report the tests each one fails (skipped if absent).",
)
@jobs_option("Exercises graded at once.")
@kit_option
def validate(
    ids: tuple[str, ...],
    solutions: Path,
    mutant_limit: int | None,
    buggy: Path,
    jobs: int,
    kit: Path | None,
) -> None:
    """Prove hidden suites: reference 100 %, stub 0, determinism, time, mutants killed."""
    from grader.grading import default_sandbox
    from grader.quality.validate import table, validate_exercise

    found = find_kit(kit, need_hidden=True)
    if not solutions.is_dir():
        raise UsageError(key="errors.solutions_not_found", folder=solutions)
    results = []
    for exercise in found.select(split_ids(ids)):
        click.echo(speak()("cli.validating", id=exercise.id), err=True)
        results.append(
            validate_exercise(
                exercise,
                found,
                solutions,
                default_sandbox(),
                mutant_limit=mutant_limit,
                jobs=jobs,
                buggy=buggy if buggy.is_dir() else None,
            )
        )
    click.echo(table(results))
    if not all(v.ok for v in results):
        raise ValidationFailed(key="errors.validation_failed")


@click.group(cls=Group)
@language_option
def ci() -> None:
    """Set up continuous grading in a candidate's repository."""


@ci.command("init")
@language_option
@click.argument("provider", type=click.Choice(["github"]))
@click.option(
    "--repo",
    "repository",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="The candidate's repository.",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=0.0,
    show_default=True,
    help="Fail the job below this percentage.",
)
@click.option(
    "--submission-dir",
    default=".",
    show_default=True,
    help="Folder of the repository holding the exercise files.",
)
@click.option("--force", is_flag=True, help="Replace an existing workflow.")
@click.option(
    "--exercises",
    "-e",
    "exercise_ids",
    multiple=True,
    help="The exercises assigned (comma-separated or repeated); --min-score counts only "
    "these. Default: all.",
)
@kit_option
def ci_init(
    provider: str,
    repository: Path,
    min_score: float,
    submission_dir: str,
    force: bool,
    exercise_ids: tuple[str, ...],
    kit: Path | None,
) -> None:
    """Write a workflow that grades each pull request (hidden suites come from secrets)."""
    from grader.ci import write_github_workflow

    ids = split_ids(exercise_ids)
    if ids:
        ids = [ex.id for ex in find_kit(kit).select(ids)]  # unknown ids: a usage error
    path = write_github_workflow(
        repository,
        min_score=min_score,
        submission_dir=submission_dir,
        force=force,
        exercises=tuple(ids),
    )
    click.echo(speak()("cli.workflow_written", path=path))
