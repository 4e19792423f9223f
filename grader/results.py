"""Grading results: frozen dataclasses and their JSON form.

Everything the reports show is derived from a `GradeResult`; nothing downstream
reads raw test output.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1


class TestStatus(StrEnum):
    """Outcome of one hidden test."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the test's own set-up failed
    TIMEOUT = "timeout"
    CRASHED = "crashed"  # the process died while the test ran
    NOT_RUN = "not_run"  # no trustworthy result reached the grader
    # A resource limit stopped the test:
    MEMORY_LIMIT = "memory_limit"
    CPU_LIMIT = "cpu_limit"
    RECURSION_LIMIT = "recursion_limit"
    OUTPUT_LIMIT = "output_limit"  # printed or wrote more than the file-size limit
    PROCESS_LIMIT = "process_limit"


class ExerciseStatus(StrEnum):
    """Outcome of one exercise."""

    GRADED = "graded"
    MISSING = "missing"
    NOT_ATTEMPTED = "not_attempted"
    IMPORT_ERROR = "import_error"
    TIMEOUT = "timeout"
    CRASHED = "crashed"


STATUS_LABELS = {
    ExerciseStatus.GRADED: "graded",
    ExerciseStatus.MISSING: "missing",
    ExerciseStatus.NOT_ATTEMPTED: "not attempted",
    ExerciseStatus.IMPORT_ERROR: "import error",
    ExerciseStatus.TIMEOUT: "timeout",
    ExerciseStatus.CRASHED: "crashed",
}


@dataclass(frozen=True)
class TestResult:
    """One hidden test as the candidate sees it."""

    __test__ = False  # not a pytest class

    name: str
    description: str
    status: TestStatus
    score: float
    max_score: float
    message: str = ""
    counterexample: str = ""
    traceback: str = ""
    output: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class Finding:
    """A suspicious construct found by the integrity scan."""

    exercise: str
    file: str
    line: int
    rule: str
    message: str


@dataclass(frozen=True)
class ReadingNote:
    """What mlgrade removed or ignored while reading a submission (a notebook's IPython
    magics and `!` shell lines, say), where the candidate can find it."""

    message: str
    cell: int = 0  # the notebook cell, 1-based; 0 when the note is not about one cell
    line: int = 0  # the line in that cell; 0 for the whole cell

    def __str__(self) -> str:
        if not self.cell:
            return self.message
        where = f"cell {self.cell}" + (f", line {self.line}" if self.line else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ExerciseResult:
    """Grade of one exercise."""

    id: str
    title: str
    area: str
    status: ExerciseStatus
    score: float
    max_score: float
    suite: str  # "hidden" or "public"
    message: str = ""
    tests: tuple[TestResult, ...] = ()
    submission_sha256: str = ""
    suite_sha256: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class AreaScore:
    """Score of one skill area of the seed article."""

    area: str
    title: str
    score: float
    max_score: float


@dataclass(frozen=True)
class GradeResult:
    """Grade of one submission."""

    submission: str
    score: float
    max_score: float
    exercises: tuple[ExerciseResult, ...]
    areas: tuple[AreaScore, ...] = ()
    integrity: tuple[Finding, ...] = ()
    notes: tuple[ReadingNote, ...] = ()
    sandbox: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    mlgrade_version: str = ""
    schema_version: int = SCHEMA_VERSION
    duration_s: float = 0.0

    @property
    def percent(self) -> float:
        """Score as a percentage of the maximum (0 when nothing was graded)."""
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def exercise(self, exercise_id: str) -> ExerciseResult:
        """The result of one exercise by id."""
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        raise KeyError(exercise_id)


def to_dict(result: GradeResult) -> dict[str, Any]:
    """The JSON-ready form of a result, keys in a fixed order."""
    data = asdict(result)
    data["percent"] = round(result.percent, 2)
    return data


# How every output writes text that no UTF-8 file can hold (a lone surrogate, from a
# candidate's file or folder name or notebook): as a backslash escape, in JSON the
# character's own escape, rather than failing to write the report at all.
UNWRITABLE = "backslashreplace"


def to_json(result: GradeResult) -> str:
    """Serialise a result; identical results give identical text."""
    return json.dumps(to_dict(result), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def from_json(text: str) -> GradeResult:
    """Read back what `to_json` wrote."""
    data = json.loads(text)
    data.pop("percent", None)
    exercises = []
    for ex in data.pop("exercises"):
        tests = tuple(
            TestResult(**{**t, "status": TestStatus(t["status"])}) for t in ex.pop("tests")
        )
        exercises.append(
            ExerciseResult(**{**ex, "status": ExerciseStatus(ex["status"]), "tests": tests})
        )
    areas = tuple(AreaScore(**a) for a in data.pop("areas"))
    integrity = tuple(Finding(**f) for f in data.pop("integrity"))
    notes = tuple(ReadingNote(**n) for n in data.pop("notes", ()))
    known = {f.name for f in fields(GradeResult)}
    extra = set(data) - known
    if extra:
        raise ValueError(f"unknown result fields: {', '.join(sorted(extra))}")
    return GradeResult(
        **data, exercises=tuple(exercises), areas=areas, integrity=integrity, notes=notes
    )


def without_durations(data: Any) -> Any:
    """A copy of a JSON-ready result with every duration zeroed (for determinism checks)."""
    if isinstance(data, dict):
        return {
            k: (0.0 if k in ("duration_s", "execution_time") else without_durations(v))
            for k, v in data.items()
        }
    if isinstance(data, (list, tuple)):
        return [without_durations(v) for v in data]
    return data
