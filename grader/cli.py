"""The `mlgrade` command line: parse, call the library, print, exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader import __version__
from grader.catalogue import Kit, find_kit
from grader.command_line import Group, language_option, speak
from grader.errors import UsageError, ValidationFailed
from grader.terminal_text import padded


def _ids(values: tuple[str, ...]) -> list[str]:
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


def _check_isolation(isolation: str) -> None:
    if isolation == "strict":
        from grader.grading import require_full_isolation

        require_full_isolation()


def jobs_option(help_text: str):
    """The --jobs option, shared by every command that grades."""
    return click.option(
        "--jobs", "-j", type=click.IntRange(1, 64), default=2, show_default=True, help=help_text
    )


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@language_option
@click.version_option(__version__, prog_name="mlgrade")
def cli() -> None:
    """Grade machine-learning-engineer interview answers with hidden test suites."""


@cli.command("list")
@language_option
@kit_option
def list_command(kit: Path | None) -> None:
    """List the exercises."""
    said = speak()
    found = find_kit(kit)
    name, seed, points, difficulty, *rest = said("cli.list_header").split(" / ")
    click.echo(
        f"{padded(name, 16)} {padded(seed, 5)} {padded(points, 6, right=True)}  "
        f"{padded(difficulty, 10)} {' / '.join(rest)}"
    )
    for ex in found.exercises:
        click.echo(
            f"{ex.id:<16} {ex.seed:<5} {ex.points:>6}  {ex.difficulty:<10} "
            f"{ex.title_in(said.language)}  [{', '.join(ex.topics)}]"
        )


@cli.command()
@language_option
@click.argument("ids", nargs=-1)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("workspace"),
    show_default=True,
    help="Where to write the workspace.",
)
@click.option("--notebook", is_flag=True, help="Write one Jupyter notebook handout instead.")
@exercises_option
@kit_option
def start(
    ids: tuple[str, ...],
    directory: Path,
    notebook: bool,
    exercise_ids: tuple[str, ...],
    kit: Path | None,
) -> None:
    """Write a candidate workspace: stubs, prompts, public tests (no hidden suite)."""
    said = speak()
    found = find_kit(kit)
    exercises = found.select(_ids(ids + exercise_ids))
    if notebook:
        from grader.notebook import write_handout

        path = write_handout(exercises, directory, said.language)
        click.echo(said("cli.wrote", path=path))
        return
    from grader.workspace import start_workspace

    started = start_workspace(exercises, directory, said.language)
    click.echo(said("cli.workspace_written", directory=directory, count=len(started.written)))
    for path in started.kept:
        click.echo(said("cli.kept", path=path))
    click.echo(said("cli.next_step", directory=directory))


def _grade(
    submission_path: Path,
    kit: Kit,
    ids: list[str] | None,
    suite: str,
    jobs: int,
    *,
    warm_engine: bool = True,
    require_answers: bool = False,
):
    from grader.grading import default_sandbox, grade
    from grader.workspace import load_submission, require_exercise_files

    submission = load_submission(submission_path, kit, ids)
    if require_answers:
        require_exercise_files(submission, kit.select(ids))
    sandbox = default_sandbox(warm_engine=warm_engine)
    return grade(submission, kit, ids, suite=suite, jobs=jobs, sandbox=sandbox), submission


@cli.command()
@language_option
@click.argument("ids", nargs=-1)
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="The workspace to grade: its exercise files, else its notebook handout; "
    "or a notebook (.ipynb).",
)
@jobs_option("Exercises graded at once.")
@click.option("--watch", is_flag=True, help="Regrade an exercise each time its file is saved.")
@click.option(
    "--no-server",
    is_flag=True,
    help="Grade in this process only: neither use nor leave behind a warm server "
    "(also: MLGRADE_SERVER=0; never on CI).",
)
@isolation_option
@exercises_option
@kit_option
def run(
    ids: tuple[str, ...],
    exercise_ids: tuple[str, ...],
    directory: Path,
    jobs: int,
    watch: bool,
    no_server: bool,
    kit: Path | None,
    isolation: str,
) -> None:
    """Grade your workspace or notebook handout with every suite here; write feedback.html.

    --dir is a workspace folder: its exercise files are graded or, when it has none, the
    notebook in it (the handout of `mlgrade start --notebook`). It may also name a notebook.
    """
    _check_isolation(isolation)
    from grader import server
    from grader.report import terminal_summary, write_html
    from grader.workspace import run_target

    found = find_kit(kit)
    target = run_target(directory, found, _ids(ids + exercise_ids) or None)
    directory, wanted = target.path, list(target.exercise_ids)
    exercises = found.select(wanted)
    suite = "hidden" if all(ex.has_hidden for ex in exercises) else "public"
    if watch:
        _watch(directory, found, exercises, suite, jobs)
        return
    warm = not no_server and server.enabled()
    request = server.Request(
        cwd=os.getcwd(),
        directory=str(directory),
        kit=str(found.root.resolve()),
        ids=tuple(wanted),
        suite=suite,
        jobs=jobs,
    )
    result = server.request_grade(request) if warm else None
    if result is None:
        # One exercise in this process: two children, too few to repay warming
        # hypothesis' engine in the fork server first.
        result, _ = _grade(directory, found, wanted, suite, jobs, warm_engine=len(wanted) > 1)
        if warm:
            server.start_in_background(found.root)
    said = speak()
    click.echo(terminal_summary(result, kit=found, language=said.language))
    if suite == "public":
        click.echo(said("cli.public_only"))
    html = write_html(result, target.feedback_dir / "feedback.html", found, language=said.language)
    click.echo(said("cli.feedback", path=html))


def _watch(directory: Path, kit: Kit, exercises: list, suite: str, jobs: int) -> None:
    import threading

    from grader.report import terminal_summary
    from grader.terminal_text import terminal_safe_lines
    from grader.watch import watch

    def regrade(exercise):
        result, _ = _grade(directory, kit, [exercise.id], suite, 1)
        return result.exercise(exercise.id)

    # The first grading is the table `run` prints; later ones print only what changed.
    said = speak()
    first, _ = _grade(directory, kit, [ex.id for ex in exercises], suite, jobs)
    click.echo(terminal_summary(first, kit=kit, language=said.language))
    click.echo(said("cli.watching", directory=directory, suite=suite))
    try:
        watch(
            directory,
            exercises,
            regrade,
            lambda c: click.echo("\n".join(terminal_safe_lines(c.describe(said)))),
            stop=threading.Event(),
            graded={ex.id: ex for ex in first.exercises},
        )
    except KeyboardInterrupt:
        click.echo(said("cli.stopped"))


@cli.command("grade")
@language_option
@click.argument("submission", type=click.Path(path_type=Path))
@click.option(
    "--exercises", "-e", multiple=True, help="Exercise ids (comma-separated or repeated)."
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the result as JSON here (see --format). Default: no file.",
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the HTML report here. Default: no file.",
)
@click.option(
    "--format",
    "json_format",
    type=click.Choice(["mlgrade", "gradescope", "exercism"]),
    default="mlgrade",
    show_default=True,
    help="Shape of the --json file (Gradescope or Exercism results.json).",
)
@click.option(
    "--junit",
    "junit_out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write JUnit XML here.",
)
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
    _check_isolation(isolation)
    from grader.errors import ScoreBelowMinimum
    from grader.formats import append_github_summary, json_text, to_junit_xml
    from grader.report import terminal_summary, terminal_totals, write_html

    said = speak()
    found = find_kit(kit, need_hidden=True)
    ids = _ids(exercises) or None
    # The interviewer's `grade`: a folder or archive with no answer at all is a mistake.
    result, _ = _grade(submission, found, ids, "hidden", jobs, require_answers=True)
    # Files only where asked: the terminal summary is the default output.
    written = []
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json_text(result, json_format), encoding="utf-8")
        written.append(said("cli.results_file", path=json_out))
    if junit_out is not None:
        junit_out.parent.mkdir(parents=True, exist_ok=True)
        junit_out.write_text(to_junit_xml(result), encoding="utf-8")
        written.append(said("cli.junit_file", path=junit_out))
    if html_out is not None:
        write_html(result, html_out, found, language=said.language)
        written.append(said("cli.report_file", path=html_out))
    append_github_summary(result)
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


@cli.command("grade-batch")
@language_option
@click.argument("submissions_dir", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for per-candidate reports, grades.csv and summary.html.",
)
@click.option(
    "--exercises", "-e", multiple=True, help="Exercise ids (comma-separated or repeated)."
)
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
    _check_isolation(isolation)
    from grader.batch import discover, grade_batch
    from grader.terminal_text import terminal_safe

    said = speak()
    found = find_kit(kit, need_hidden=True)
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
            exercise_ids=_ids(exercises) or None,
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


@cli.command()
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
    from grader.validate import table, validate_exercise

    found = find_kit(kit, need_hidden=True)
    if not solutions.is_dir():
        raise UsageError(key="errors.solutions_not_found", folder=solutions)
    results = []
    for exercise in found.select(_ids(ids)):
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


@cli.group()
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

    ids = _ids(exercise_ids)
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="mlgrade")


if __name__ == "__main__":
    main()
