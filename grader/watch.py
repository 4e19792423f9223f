"""The candidate's loop: regrade an exercise whenever its file is saved, report what changed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.catalogue import Exercise
from grader.results import ExerciseResult, TestStatus


@dataclass(frozen=True)
class Change:
    """How one regrade differs from the previous one."""

    exercise: str
    score: float
    max_score: float
    previous_score: float | None
    newly_passing: tuple[str, ...]
    newly_failing: tuple[str, ...]

    def describe(self) -> str:
        """A few lines for the terminal."""
        was = "" if self.previous_score is None else f" (was {self.previous_score:g})"
        lines = [f"{self.exercise}: {self.score:g} / {self.max_score:g}{was}"]
        lines += [f"  + now passing: {name}" for name in self.newly_passing]
        lines += [f"  - now failing: {name}" for name in self.newly_failing]
        if self.previous_score is not None and not (self.newly_passing or self.newly_failing):
            lines.append("  no test changed")
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
    )


def _stamp(path: Path) -> tuple[int, int] | None:
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
) -> None:
    """Poll the exercise files; regrade and report each one that was saved, until `stop`."""
    stamps = {ex.id: _stamp(directory / ex.artifact) for ex in exercises}
    last: dict[str, ExerciseResult] = {}
    for ex in exercises:
        if stamps[ex.id] is not None:
            last[ex.id] = regrade(ex)
            report(compare(None, last[ex.id]))
    while not stop.wait(interval):
        for ex in exercises:
            stamp = _stamp(directory / ex.artifact)
            if stamp is None or stamp == stamps[ex.id]:
                continue
            stamps[ex.id] = stamp
            result = regrade(ex)
            report(compare(last.get(ex.id), result))
            last[ex.id] = result
