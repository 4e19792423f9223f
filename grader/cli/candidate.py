"""The candidate's commands: list the exercises, start a workspace, grade it with `run`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from grader.catalogue import Kit, find_kit
from grader.cli.group import Command, language_option, speak
from grader.cli.options import (
    check_isolation,
    exercises_option,
    grade_submission,
    isolation_option,
    jobs_option,
    kit_option,
    split_ids,
)
from grader.report.terminal_text import padded


@click.command(cls=Command, name="list")
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


@click.command(cls=Command)
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
    exercises = found.select(split_ids(ids + exercise_ids))
    if notebook:
        from grader.handout import write_handout

        path = write_handout(exercises, directory, said.language)
        click.echo(said("cli.wrote", path=path))
        return
    from grader.workspace import start_workspace

    started = start_workspace(exercises, directory, said.language)
    click.echo(said("cli.workspace_written", directory=directory, count=len(started.written)))
    for path in started.kept:
        click.echo(said("cli.kept", path=path))
    click.echo(said("cli.next_step", directory=directory))


@click.command(cls=Command)
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
    check_isolation(isolation)
    from grader import server
    from grader.report.render import terminal_summary, write_html
    from grader.workspace import run_target

    found = find_kit(kit)
    target = run_target(directory, found, split_ids(ids + exercise_ids) or None)
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
        result, _ = grade_submission(
            directory, found, wanted, suite, jobs, warm_engine=len(wanted) > 1
        )
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

    from grader.report.render import terminal_summary
    from grader.report.terminal_text import terminal_safe_lines
    from grader.watch import file_stamps, watch

    def regrade(exercise):
        result, _ = grade_submission(directory, kit, [exercise.id], suite, 1)
        return result.exercise(exercise.id)

    # The first grading is the table `run` prints; later ones print only what changed.
    said = speak()
    before = file_stamps(directory, exercises)
    first, _ = grade_submission(directory, kit, [ex.id for ex in exercises], suite, jobs)
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
            stamps=before,
        )
    except KeyboardInterrupt:
        click.echo(said("cli.stopped"))
