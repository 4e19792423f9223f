"""The few errors mlgrade reports to a user, and the exit code of each."""

from __future__ import annotations


class MlgradeError(Exception):
    """Base class: a problem the user can fix, shown as one line."""

    exit_code = 2


class KitError(MlgradeError):
    """The exercise kit is missing or malformed."""


class SubmissionError(MlgradeError):
    """A submission cannot be read (missing path, malformed notebook or archive)."""


class UsageError(MlgradeError):
    """Arguments that do not fit together."""


class IsolationUnavailable(MlgradeError):
    """`--isolation strict` was asked for on a machine that cannot confine candidates fully."""


class ScoreBelowMinimum(MlgradeError):
    """Grading completed but the score is under --min-score."""

    exit_code = 1


class ValidationFailed(MlgradeError):
    """`mlgrade validate` found a check that does not hold."""

    exit_code = 1
