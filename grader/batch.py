"""Grade a folder of submissions in parallel, reusing earlier grades whose inputs did not change.

Writes, per candidate, <name>.json and <name>.html, then grades.csv and summary.html
(see grader.gradebook) for the whole batch, with the code similarity pairs.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.catalogue import Exercise, Kit, load_kit
from grader.errors import MlgradeError, UsageError
from grader.grading import default_sandbox, grade
from grader.report import write_html
from grader.results import GradeResult, from_json, to_json
from grader.similarity import REFERENCE, THRESHOLD, SimilarPair, Source, find_similar
from grader.workspace import load_submission, read_artifacts, read_file

SUITE = "hidden"
CACHE_DIR = ".cache"
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
        """ "ok" when graded, "error" when the submission could not be graded."""
        return "ok" if self.result is not None else "error"


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


Progress = Callable[[BatchRow], None]


def discover(submissions_dir: Path, out_dir: Path | None = None) -> tuple[Candidate, ...]:
    """Each subfolder, .zip and .ipynb directly inside the folder, sorted by name."""
    if not submissions_dir.is_dir():
        raise UsageError(f"submissions folder not found: {submissions_dir}")
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
    submission = load_submission(Path(submission_path), kit, ids)
    return to_json(grade(submission, kit, ids, jobs=1, sandbox=default_sandbox()))


def _grade_candidate(
    candidate: Candidate, kit_root: str, ids: tuple[str, ...] | None
) -> tuple[str | None, str]:
    """JSON text or an error message; one bad submission never stops the batch."""
    try:
        return grade_submission(str(candidate.path), kit_root, ids), ""
    except MlgradeError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded as this candidate's error row
        return None, f"internal error: {type(exc).__name__}: {exc}"


def _cache_file(out_dir: Path, name: str) -> Path:
    return out_dir / CACHE_DIR / f"{name}.key"


def _cached(out_dir: Path, candidate: Candidate, key: str) -> GradeResult | None:
    """The stored grade when its key matches, else None."""
    try:
        if _cache_file(out_dir, candidate.name).read_text(encoding="utf-8").strip() != key:
            return None
        return from_json((out_dir / f"{candidate.name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or unreadable: grade again


def _store(out_dir: Path, name: str, text: str, result: GradeResult, kit: Kit, key: str) -> None:
    (out_dir / f"{name}.json").write_text(text, encoding="utf-8")
    write_html(result, out_dir / f"{name}.html", kit)
    # The key goes last: a run interrupted before it leaves nothing that looks reusable.
    key_path = _cache_file(out_dir, name)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_text(key + "\n", encoding="utf-8")


def _grade_locally(
    candidates: list[Candidate], kit_root: str, ids: tuple[str, ...], jobs: int
) -> Iterator[tuple[Candidate, str | None, str]]:
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            pool.submit(_grade_candidate, candidate, kit_root, ids): candidate
            for candidate in candidates
        }
        for future in as_completed(futures):
            yield futures[future], *future.result()


def _grade_all(
    candidates: tuple[Candidate, ...],
    out_dir: Path,
    kit: Kit,
    exercises: list[Exercise],
    jobs: int,
    progress: Progress | None,
    scheduler: str | None = None,
) -> Iterator[BatchRow]:
    ids = tuple(ex.id for ex in exercises)
    pending: list[tuple[Candidate, str]] = []
    for candidate in candidates:
        try:
            key = cache_key(candidate, exercises)
        except MlgradeError as exc:
            row = BatchRow(candidate.name, candidate.path, None, str(exc))
        except OSError as exc:
            row = BatchRow(candidate.name, candidate.path, None, f"{candidate.path}: {exc}")
        else:
            cached = _cached(out_dir, candidate, key)
            if cached is None:
                pending.append((candidate, key))
                continue
            if not (out_dir / f"{candidate.name}.html").is_file():
                write_html(cached, out_dir / f"{candidate.name}.html", kit)
            row = BatchRow(candidate.name, candidate.path, cached, reused=True)
        if progress is not None:
            progress(row)
        yield row
    keys = dict(pending)
    if scheduler is None:
        outcomes = _grade_locally(list(keys), str(kit.root), ids, jobs)
    else:
        from grader.cluster import grade_on_cluster

        outcomes = grade_on_cluster(scheduler, list(keys), kit, ids)
    for candidate, text, error in outcomes:
        if text is None:
            row = BatchRow(candidate.name, candidate.path, None, error)
        else:
            result = from_json(text)
            _store(out_dir, candidate.name, text, result, kit, keys[candidate])
            row = BatchRow(candidate.name, candidate.path, result)
        if progress is not None:
            progress(row)
        yield row


def _sources(rows: tuple[BatchRow, ...], kit: Kit, exercises: list[Exercise]) -> list[Source]:
    """The Python code of every graded candidate, per exercise, for the similarity check."""
    ids = [ex.id for ex in exercises]
    sources = []
    for row in rows:
        if row.result is None:
            continue
        try:
            submission = load_submission(row.path, kit, ids)
        except MlgradeError:
            continue
        for ex in exercises:
            path = submission.files.get(ex.id)
            if ex.module is None or path is None:
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            sources.append(Source(row.candidate, ex.id, text))
    return sources


def grade_batch(
    submissions_dir: Path,
    out_dir: Path,
    kit: Kit,
    *,
    jobs: int = 2,
    exercise_ids: list[str] | tuple[str, ...] | None = None,
    progress: Progress | None = None,
    similarity_threshold: float = THRESHOLD,
    solutions: Path | None = None,
    scheduler: str | None = None,
) -> BatchResult:
    """Grade every submission in a folder; write per-candidate reports, grades.csv, summary.html.

    With `scheduler` (a Dask scheduler address) the grading runs on that cluster and
    `jobs` is unused; see grader.cluster.
    """
    from grader.gradebook import write_gradebook, write_summary

    exercises = kit.select(exercise_ids)
    missing = [ex.id for ex in exercises if not ex.has_hidden]
    if missing:
        raise UsageError(f"no hidden suite for: {', '.join(missing)} (pass the full kit)")
    if solutions is not None and not solutions.is_dir():
        raise UsageError(f"solutions folder not found: {solutions}")
    candidates = discover(submissions_dir, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Collect every suite up front so a broken kit stops the batch before any grading.
    default_sandbox().collect_all(exercises, SUITE, jobs)
    rows = tuple(
        sorted(
            _grade_all(candidates, out_dir, kit, exercises, jobs, progress, scheduler),
            key=lambda r: r.candidate,
        )
    )
    pairs = find_similar(
        _sources(rows, kit, exercises),
        exercises,
        solutions=solutions,
        threshold=similarity_threshold,
    )
    batch = BatchResult(
        out_dir=out_dir,
        exercises=tuple(exercises),
        rows=rows,
        pairs=pairs,
        threshold=similarity_threshold,
    )
    write_gradebook(batch, batch.csv_path)
    write_summary(batch, batch.summary_path)
    return batch
