"""Grade a folder of submissions in parallel, reusing earlier grades whose inputs did not change.

Writes, per candidate, <name>.json and <name>.html, then grades.csv and summary.html
(see grader.batch.gradebook) for the whole batch, with the code similarity pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from grader.batch.roster import (
    SUITE,
    BatchResult,
    BatchRow,
    Candidate,
    cache_key,
    discover,
    grade_submission,
)
from grader.batch.similarity import THRESHOLD, Source, find_similar
from grader.catalogue import Exercise, Kit
from grader.errors import MlgradeError, UsageError
from grader.grading import default_sandbox
from grader.locales import SOURCE_LANGUAGE
from grader.report.render import write_html
from grader.results import UNWRITABLE, GradeResult, from_json
from grader.workspace import load_submission

__all__ = [
    "BatchResult",
    "BatchRow",
    "Candidate",
    "cache_key",
    "discover",
    "grade_batch",
    "grade_submission",
]

CACHE_DIR = ".cache"
Progress = Callable[[BatchRow], None]


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


def _store(
    out_dir: Path, name: str, text: str, result: GradeResult, kit: Kit, key: str, language: str
) -> None:
    (out_dir / f"{name}.json").write_text(text, encoding="utf-8", errors=UNWRITABLE)
    write_html(result, out_dir / f"{name}.html", kit, language=language)
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
    language: str = SOURCE_LANGUAGE,
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
            # Written again: the report may be asked for in another language this time.
            write_html(cached, out_dir / f"{candidate.name}.html", kit, language=language)
            row = BatchRow(candidate.name, candidate.path, cached, reused=True)
        if progress is not None:
            progress(row)
        yield row
    keys = dict(pending)
    if scheduler is None:
        outcomes = _grade_locally(list(keys), str(kit.root), ids, jobs)
    else:
        from grader.batch.cluster import grade_on_cluster

        outcomes = grade_on_cluster(scheduler, list(keys), kit, ids)
    for candidate, text, error in outcomes:
        if text is None:
            row = BatchRow(candidate.name, candidate.path, None, error)
        else:
            result = from_json(text)
            _store(out_dir, candidate.name, text, result, kit, keys[candidate], language)
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
    language: str = SOURCE_LANGUAGE,
) -> BatchResult:
    """Grade every submission in a folder; write per-candidate reports, grades.csv, summary.html.

    With `scheduler` (a Dask scheduler address) the grading runs on that cluster and
    `jobs` is unused; see grader.batch.cluster. The pages are written in `language`.
    """
    from grader.batch.gradebook import write_gradebook, write_summary

    exercises = kit.select(exercise_ids)
    missing = [ex.id for ex in exercises if not ex.has_hidden]
    if missing:
        raise UsageError(f"no hidden suite for: {', '.join(missing)} (pass the full kit)")
    if solutions is not None and not solutions.is_dir():
        raise UsageError(key="errors.solutions_not_found", folder=solutions)
    candidates = discover(submissions_dir, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Collect every suite up front so a broken kit stops the batch before any grading.
    default_sandbox().collect_all(exercises, SUITE, jobs)
    rows = tuple(
        sorted(
            _grade_all(candidates, out_dir, kit, exercises, jobs, progress, scheduler, language),
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
    write_summary(batch, batch.summary_path, language=language)
    return batch
