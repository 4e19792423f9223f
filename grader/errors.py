"""The few errors mlgrade reports to a user, and the exit code of each."""

from __future__ import annotations

from grader.locales import Messages, messages


class MlgradeError(Exception):
    """Base class: a problem the user can fix, shown as one line.

    Raised with a catalogue `key` and its values, the line is said in the user's language
    (`say`); `str()` is always the English one.
    """

    exit_code = 2

    def __init__(self, message: str = "", *, key: str | None = None, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(messages()(key, **values) if key else message)

    def say(self, speak: Messages) -> str:
        """The message in `speak`'s language."""
        return speak(self.key, **self.values) if self.key else str(self)


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
