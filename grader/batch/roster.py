"""The candidates of a batch and what became of each: found, keyed, graded one by one.

Shared by the local batch (grader.batch.pool), the cluster (grader.batch.cluster) and the
gradebook (grader.batch.gradebook); it imports none of them.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.batch.similarity import REFERENCE, SimilarPair
from grader.catalogue import Exercise, Kit, load_kit
from grader.errors import UsageError
from grader.grading import default_sandbox, grade
from grader.results import STATUS_LABELS, ExerciseStatus, GradeResult, to_json
from grader.workspace import load_submission, read_artifacts, read_file, require_exercise_files

SUITE = "hidden"
SUBMISSION_SUFFIXES = (".zip", ".ipynb")
# Candidate names that would collide with the batch's own files or the reference.
RESERVED_NAMES = frozenset({"summary", "grades", REFERENCE})


@dataclass(frozen=True)
class Candidate:
    """One submission found in the batch folder."""

    name: str
    path: Path


@dataclass(frozen=True)
class BatchRow:
    """The outcome for one candidate: a grade, or the reason there is none."""

    candidate: str
    path: Path
    result: GradeResult | None
    error: str = ""
    reused: bool = False

    @property
    def status(self) -> str:
        """What the grade rests on: "graded" when any exercise was graded, else "import
        error", "not attempted" or "missing" (in that order); "error" when the
        submission could not be graded at all."""
        if self.result is None:
            return "error"
        found = {ex.status for ex in self.result.exercises}
        for status in (
            ExerciseStatus.GRADED,
            ExerciseStatus.IMPORT_ERROR,
            ExerciseStatus.NOT_ATTEMPTED,
            ExerciseStatus.MISSING,
        ):
            if status in found:
                return STATUS_LABELS[status]
        return "error"  # every exercise timed out or crashed


@dataclass(frozen=True)
class BatchResult:
    """Everything a batch run produced."""

    out_dir: Path
    exercises: tuple[Exercise, ...]
    rows: tuple[BatchRow, ...]
    pairs: tuple[SimilarPair, ...]
    threshold: float

    @property
    def regraded(self) -> int:
        return sum(1 for r in self.rows if r.result is not None and not r.reused)

    @property
    def reused(self) -> int:
        return sum(1 for r in self.rows if r.reused)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.result is None)

    @property
    def csv_path(self) -> Path:
        return self.out_dir / "grades.csv"

    @property
    def summary_path(self) -> Path:
        return self.out_dir / "summary.html"


def discover(submissions_dir: Path, out_dir: Path | None = None) -> tuple[Candidate, ...]:
    """Each subfolder, .zip and .ipynb directly inside the folder, sorted by name."""
    if not submissions_dir.is_dir():
        raise UsageError(key="errors.submissions_not_found", folder=submissions_dir)
    # Reports written inside the submissions folder must not be graded next time.
    skipped = out_dir.resolve() if out_dir is not None else None
    found: list[tuple[str, str, Path]] = []
    for path in submissions_dir.iterdir():
        if path.name.startswith((".", "__")):  # hidden files, __pycache__, __MACOSX
            continue
        if path.is_dir():
            if path.resolve() != skipped:
                found.append((path.name, "dir", path))
        elif path.is_file() and path.suffix in SUBMISSION_SUFFIXES:
            found.append((path.stem, path.suffix[1:], path))
    stems = Counter(stem for stem, _, _ in found)
    taken: set[str] = set()
    candidates = []
    for stem, kind, path in sorted(found, key=lambda f: (f[0], f[1])):
        # "alice/" next to "alice.zip" become "alice-dir" and "alice-zip".
        name = stem if stems[stem] == 1 and stem not in RESERVED_NAMES else f"{stem}-{kind}"
        unique, n = name, 2
        while unique in taken:
            unique, n = f"{name}-{n}", n + 1
        taken.add(unique)
        candidates.append(Candidate(unique, path))
    return tuple(sorted(candidates, key=lambda c: c.name))


def cache_key(candidate: Candidate, exercises: list[Exercise]) -> str:
    """Digest of everything a grade depends on: mlgrade, the suites, the submission's bytes."""
    digest = hashlib.sha256()

    def part(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + len(data).to_bytes(8, "big") + data)

    part("mlgrade", __version__.encode())
    for ex in exercises:
        part("exercise", ex.id.encode())
        part("suite", ex.suite_sha256(SUITE).encode())
        # Limits and forbidden imports live here and change a grade too.
        part("metadata", (ex.folder / "exercise.toml").read_bytes())
    # The bytes grading reads, read as grading reads them: a link is a SubmissionError.
    if candidate.path.is_dir():
        found = read_artifacts(candidate.path, exercises)
        for ex in exercises:
            if ex.id in found:
                part(f"file:{ex.artifact}", found[ex.id])
    else:
        part(f"file:{candidate.path.name}", read_file(candidate.path))
    return digest.hexdigest()


@functools.lru_cache(maxsize=4)
def _kit(root: str) -> Kit:
    return load_kit(Path(root))


def grade_submission(
    submission_path: str, kit_root: str, exercise_ids: tuple[str, ...] | None = None
) -> str:
    """Grade one submission and return its result as JSON text.

    Top-level, picklable and a function of its arguments only (paths as strings), so a
    process pool or a cluster scheduler can run it wherever the kit's folder exists.
    Raises SubmissionError for a submission that cannot be read.
    """
    kit = _kit(kit_root)
    ids = list(exercise_ids) if exercise_ids else None
    submission = require_exercise_files(
        load_submission(Path(submission_path), kit, ids), kit.select(ids)
    )
    return to_json(grade(submission, kit, ids, jobs=1, sandbox=default_sandbox()))
