"""What each planted bug costs: the hidden tests an answer with one known defect fails, so
`validate` can show a reviewer whether a defect is blamed on tests that name another property."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.catalogue import Exercise, Kit
from grader.errors import KitError
from grader.grading import grade
from grader.results import TestStatus
from grader.sandbox.runner import Sandbox
from grader.workspace import load_submission

# Reviewed wide bugs: `[<case>]` tables with `fails = [...]` and `why = "..."`.
REVIEW_FILE = "planted_bugs.toml"


@dataclass(frozen=True)
class FailedTest:
    """A hidden test a planted bug failed, with the property its docstring names."""

    name: str
    description: str
    points: float


@dataclass(frozen=True)
class Review:
    """Why a planted bug fairly fails more than its own tests: the tests, and the reason."""

    fails: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class PlantedBug:
    """One planted bug of an exercise and the tests it failed."""

    case: str
    failed: tuple[FailedTest, ...]
    points_lost: float
    max_score: float
    # The review of the bug's reach, when the exercise folder justifies it.
    review: Review | None = None

    @property
    def loses_points(self) -> bool:
        return self.points_lost > 0

    @property
    def review_stale(self) -> bool:
        """A review exists but the bug now fails another set of tests."""
        return self.review is not None and set(self.review.fails) != {t.name for t in self.failed}


def load_reviews(exercise: Exercise) -> dict[str, Review]:
    """The exercise folder's reviewed bugs: case name -> the tests it fails, and why."""
    path = exercise.folder / REVIEW_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise KitError(f"{path.name} of {exercise.id} is not valid TOML: {exc}") from None
    reviews = {}
    for case, table in data.items():
        fails = table.get("fails") if isinstance(table, dict) else None
        why = table.get("why") if isinstance(table, dict) else None
        if not isinstance(fails, list) or not all(isinstance(n, str) for n in fails):
            raise KitError(f"{path.name} of {exercise.id}: [{case}] needs fails = [test names]")
        if not isinstance(why, str) or not why.strip():
            raise KitError(f"{path.name} of {exercise.id}: [{case}] needs a why = reason")
        reviews[case] = Review(tuple(fails), " ".join(why.split()))
    return reviews


def planted_bugs(exercise: Exercise, kit: Kit, buggy: Path, sandbox: Sandbox) -> list[PlantedBug]:
    """Grade every planted bug of the exercise (folders `buggy/<id>/<case>/`)."""
    folder = buggy / exercise.id
    if not folder.is_dir():
        return []
    reviews = load_reviews(exercise)
    bugs = []
    for case in sorted(p for p in folder.iterdir() if p.is_dir()):
        graded = grade(
            load_submission(case, kit, [exercise.id]), kit, [exercise.id], sandbox=sandbox, jobs=1
        ).exercise(exercise.id)
        failed = tuple(
            FailedTest(t.name, t.description, t.max_score)
            for t in graded.tests
            if t.status is not TestStatus.PASSED
        )
        bugs.append(
            PlantedBug(
                case=case.name,
                failed=failed,
                points_lost=graded.max_score - graded.score,
                max_score=graded.max_score,
                review=reviews.get(case.name),
            )
        )
    return bugs


def report(exercise_id: str, bugs: list[PlantedBug]) -> str:
    """One block per planted bug: points lost, then each failed test and what it names."""
    lines = []
    for bug in bugs:
        mark = "" if bug.loses_points else "  UNNOTICED"
        if bug.review_stale:
            mark += f"  (changed since the review in {REVIEW_FILE})"
        elif bug.review is not None:
            mark += f"  (reviewed in {REVIEW_FILE})"
        lines.append(
            f"{exercise_id}/{bug.case}: fails {len(bug.failed)} test(s), "
            f"loses {bug.points_lost:g}/{bug.max_score:g}{mark}"
        )
        lines.extend(f"    {t.name} ({t.points:g}): {t.description}" for t in bug.failed)
        if bug.review is not None:
            lines.append(f"    why this reach is fair: {bug.review.why}")
    return "\n".join(lines)
