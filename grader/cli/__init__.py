"""The `mlgrade` command line: parse, call the library, print, exit.

Thin commands over the library: the candidate's (`candidate`) and the interviewer's
(`interviewer`), their shared options (`options`), and the click classes that turn errors into
one line and an exit code and speak the user's language (`group`).
"""

from __future__ import annotations

import click

from grader import __version__
from grader.cli.candidate import list_command, run, start
from grader.cli.group import Group, language_option
from grader.cli.interviewer import ci, grade_batch_command, grade_command, validate


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@language_option
@click.version_option(__version__, prog_name="mlgrade")
def cli() -> None:
    """Grade machine-learning-engineer interview answers with hidden test suites."""


for command in (list_command, start, run, grade_command, grade_batch_command, validate, ci):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="mlgrade")


if __name__ == "__main__":
    main()
