"""The candidate's loop: regrade an exercise whenever its file is saved, report what changed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.catalogue import Exercise
from grader.locales import Messages, messages
from grader.results import ExerciseResult, ExerciseStatus, TestStatus

# Statuses where no test ran the candidate's code: their message says why, and listing
# every test as "now failing" would only hide it.
NOTHING_RAN = (ExerciseStatus.IMPORT_ERROR, ExerciseStatus.MISSING, ExerciseStatus.NOT_ATTEMPTED)


@dataclass(frozen=True)
class Change:
    """How one regrade differs from the previous one."""

    exercise: str
    score: float
    max_score: float
    previous_score: float | None
    newly_passing: tuple[str, ...]
    newly_failing: tuple[str, ...]
    status: ExerciseStatus = ExerciseStatus.GRADED
    message: str = ""

    def describe(self, speak: Messages | None = None) -> str:
        """A few lines for the terminal: the score, then why nothing ran (with the file and
        line of a syntax error) or which tests flipped since the previous grading."""
        speak = speak or messages()
        was = (
            ""
            if self.previous_score is None
            else speak("watch.was", score=f"{self.previous_score:g}")
        )
        lines = [f"{self.exercise}: {self.score:g} / {self.max_score:g}{was}"]
        if self.status in NOTHING_RAN:
            lines[0] += f"  {speak(f'exercise_status.{self.status.value}')}"
            lines += [f"  {line}" for line in self.message.splitlines()[:1]]
            return "\n".join(lines)
        if self.previous_score is None:
            return lines[0]  # a first grading: its table is printed whole, not as changes
        lines += [speak("watch.now_passing", name=name) for name in self.newly_passing]
        lines += [speak("watch.now_failing", name=name) for name in self.newly_failing]
        if self.previous_score is not None and not (self.newly_passing or self.newly_failing):
            lines.append(speak("watch.no_change"))
        return "\n".join(lines)


def compare(previous: ExerciseResult | None, current: ExerciseResult) -> Change:
    """What changed between two gradings of the same exercise."""
    now = {t.name: t.status is TestStatus.PASSED for t in current.tests}
    before = {t.name: t.status is TestStatus.PASSED for t in previous.tests} if previous else {}
    return Change(
        exercise=current.id,
        score=current.score,
        max_score=current.max_score,
        previous_score=previous.score if previous else None,
        newly_passing=tuple(n for n, ok in now.items() if ok and not before.get(n, False)),
        newly_failing=tuple(n for n, ok in now.items() if not ok and before.get(n, False)),
        status=current.status,
        message=current.message,
    )


Stamp = tuple[int, int]


def _watched(directory: Path, exercise: Exercise) -> Path:
    return directory if directory.is_file() else directory / exercise.artifact


def file_stamps(directory: Path, exercises: list[Exercise]) -> dict[str, Stamp | None]:
    """Each exercise file's modification stamp now; take it before a first grading."""
    return {ex.id: _stamp(_watched(directory, ex)) for ex in exercises}


def _stamp(path: Path) -> Stamp | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def watch(
    directory: Path,
    exercises: list[Exercise],
    regrade: Callable[[Exercise], ExerciseResult],
    report: Callable[[Change], None],
    *,
    stop: threading.Event,
    interval: float = 0.5,
    graded: Mapping[str, ExerciseResult] | None = None,
    stamps: Mapping[str, Stamp | None] | None = None,
) -> None:
    """Poll the exercise files; regrade and report each one that was saved, until `stop`.

    `directory` is a workspace folder, or a notebook holding every exercise. `graded`
    holds a first grading already shown: only what changes from it is reported; `stamps`
    are the files' stamps from before it (`file_stamps`), so a save made while it ran is
    graded too.
    """
    stamps = dict(stamps) if stamps is not None else file_stamps(directory, exercises)
    last: dict[str, ExerciseResult] = dict(graded or {})
    for ex in exercises:
        if stamps[ex.id] is not None and ex.id not in last:
            last[ex.id] = regrade(ex)
            report(compare(None, last[ex.id]))
    while not stop.wait(interval):
        for ex in exercises:
            stamp = _stamp(_watched(directory, ex))
            if stamp is None or stamp == stamps[ex.id]:
                continue
            # An editor may still be writing the file: grade it once it has held still for
            # one interval, never half-written (an empty file reads as "not attempted").
            if stop.wait(interval) or _stamp(_watched(directory, ex)) != stamp:
                continue
            stamps[ex.id] = stamp
            result = regrade(ex)
            report(compare(last.get(ex.id), result))
            # A file that does not import is compared with nothing: once it imports again,
            # the changes shown are those since the last grading that ran tests.
            if result.status not in NOTHING_RAN or ex.id not in last:
                last[ex.id] = result
