"""The interviewer's view of a batch: the grades.csv gradebook and the summary.html page."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grader.locales import SOURCE_LANGUAGE, messages
from grader.report.render import environment, format_points, page_words
from grader.report.terminal_text import controls_shown
from grader.results import UNWRITABLE, Finding, TestStatus

if TYPE_CHECKING:
    from grader.batch.roster import BatchResult, BatchRow

HISTOGRAM_BINS = 10
HARDEST_TESTS = 10
# Code lines the similar-code section shows in all: keeps summary.html under about
# 1 MB however long the candidates' files; pairs past it are listed without their code.
SIMILAR_CODE_MAX_LINES = 9000


@dataclass(frozen=True)
class Bin:
    """Candidates whose percent lies in [low, high) (the last bin includes 100)."""

    low: int
    high: int
    count: int


@dataclass(frozen=True)
class ExerciseRate:
    """How the batch did on one exercise."""

    id: str
    title: str
    candidates: int
    tests_passed: int
    tests_run: int
    full_marks: int
    mean_percent: float

    @property
    def pass_rate(self) -> float:
        """Share of (candidate, test) pairs that passed."""
        return self.tests_passed / self.tests_run if self.tests_run else 0.0


@dataclass(frozen=True)
class TestRate:
    """How many candidates passed one hidden test."""

    __test__ = False  # not a pytest class

    exercise: str
    name: str
    description: str
    passed: int
    candidates: int

    @property
    def rate(self) -> float:
        return self.passed / self.candidates if self.candidates else 0.0


@dataclass(frozen=True)
class CandidateFindings:
    """Integrity findings of one candidate."""

    candidate: str
    findings: tuple[Finding, ...]


def _graded(batch: BatchResult) -> list[BatchRow]:
    return [r for r in batch.rows if r.result is not None]


def histogram(batch: BatchResult, bins: int = HISTOGRAM_BINS) -> tuple[Bin, ...]:
    """Distribution of the graded candidates' percent scores."""
    width = 100 // bins
    counts = [0] * bins
    for row in _graded(batch):
        assert row.result is not None
        counts[min(int(row.result.percent // width), bins - 1)] += 1
    return tuple(Bin(i * width, (i + 1) * width, c) for i, c in enumerate(counts))


def exercise_rates(batch: BatchResult) -> tuple[ExerciseRate, ...]:
    """Pass rate, full marks and mean score per exercise, in kit order."""
    rates = []
    for exercise in batch.exercises:
        results = []
        for row in _graded(batch):
            assert row.result is not None
            try:
                results.append(row.result.exercise(exercise.id))
            except KeyError:
                continue
        tests = [t for ex in results for t in ex.tests]
        percents = [100 * ex.score / ex.max_score for ex in results if ex.max_score]
        rates.append(
            ExerciseRate(
                id=exercise.id,
                title=exercise.title,
                candidates=len(results),
                tests_passed=sum(1 for t in tests if t.status is TestStatus.PASSED),
                tests_run=len(tests),
                full_marks=sum(1 for ex in results if ex.max_score and ex.score >= ex.max_score),
                mean_percent=sum(percents) / len(percents) if percents else 0.0,
            )
        )
    return tuple(rates)


def hardest_tests(batch: BatchResult, limit: int = HARDEST_TESTS) -> tuple[TestRate, ...]:
    """The tests the fewest candidates passed (ties: kit order, then name)."""
    order = {ex.id: i for i, ex in enumerate(batch.exercises)}
    passed: Counter[tuple[str, str]] = Counter()
    seen: Counter[tuple[str, str]] = Counter()
    descriptions: dict[tuple[str, str], str] = {}
    for row in _graded(batch):
        assert row.result is not None
        for ex in row.result.exercises:
            for t in ex.tests:
                key = (ex.id, t.name)
                seen[key] += 1
                passed[key] += t.status is TestStatus.PASSED
                descriptions[key] = t.description
    rates = [
        TestRate(
            exercise=e, name=n, description=descriptions[e, n], passed=passed[e, n], candidates=c
        )
        for (e, n), c in seen.items()
    ]
    rates.sort(key=lambda r: (r.rate, order.get(r.exercise, len(order)), r.name))
    return tuple(rates[:limit])


def findings_by_candidate(batch: BatchResult) -> tuple[CandidateFindings, ...]:
    """Candidates with at least one integrity finding, by name."""
    return tuple(
        CandidateFindings(r.candidate, r.result.integrity)
        for r in batch.rows
        if r.result is not None and r.result.integrity
    )


def gradebook_rows(batch: BatchResult) -> list[list[str]]:
    """The gradebook as text cells, header first."""
    ids = [ex.id for ex in batch.exercises]
    table = [["candidate", *ids, "total", "max", "percent", "status", "error"]]
    for row in batch.rows:
        if row.result is None:
            table.append([row.candidate, *[""] * len(ids), "", "", "", row.status, row.error])
            continue
        scores = {ex.id: format_points(ex.score) for ex in row.result.exercises}
        table.append(
            [
                row.candidate,
                *[scores.get(i, "") for i in ids],
                format_points(row.result.score),
                format_points(row.result.max_score),
                f"{row.result.percent:.2f}",
                row.status,
                "",
            ]
        )
    return table


# A spreadsheet reads a cell starting with these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: its control characters written as escapes,
    and a leading apostrophe before a formula start."""
    cell = controls_shown(cell)
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def write_gradebook(batch: BatchResult, path: Path) -> Path:
    """Write grades.csv: one row per candidate, one score column per exercise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [spreadsheet_safe(cell) for cell in row] for row in gradebook_rows(batch)
        )
    return path


def pairs_with_code(batch: BatchResult, budget: int = SIMILAR_CODE_MAX_LINES) -> set[int]:
    """Indexes of the pairs (most similar first) whose code fits in the page's budget."""
    shown: set[int] = set()
    for index, pair in enumerate(batch.pairs):
        lines = sum(len(v.left) + len(v.right) for v in pair.views)
        if lines > budget:
            break
        budget -= lines
        shown.add(index)
    return shown


def _in_language(
    rates: tuple[ExerciseRate, ...],
    hardest: tuple[TestRate, ...],
    batch: BatchResult,
    language: str,
) -> tuple[tuple[ExerciseRate, ...], tuple[TestRate, ...]]:
    """Exercise titles and test descriptions in `language` where the kit has them."""
    if language == SOURCE_LANGUAGE:
        return rates, hardest
    by_id = {ex.id: ex for ex in batch.exercises}
    rates = tuple(replace(r, title=by_id[r.id].title_in(language)) for r in rates)
    described = {ex.id: ex.descriptions_in(language) for ex in batch.exercises}
    translated = []
    for test in hardest:
        entry = described.get(test.exercise, {}).get(test.name)
        if entry is not None and entry.source == test.description:
            test = replace(test, description=entry.text)
        translated.append(test)
    return rates, tuple(translated)


def render_summary(batch: BatchResult, *, language: str = SOURCE_LANGUAGE) -> str:
    """A self-contained page (inline CSS and SVG, no network) about the whole batch."""
    flagged: dict[str, int] = {}
    for pair in batch.pairs:
        for name in (pair.left, pair.right):
            flagged[name] = flagged.get(name, 0) + 1
    rates, hardest = _in_language(exercise_rates(batch), hardest_tests(batch), batch, language)
    return (
        environment()
        .get_template("summary.html.j2")
        .render(
            batch=batch,
            bins=histogram(batch),
            rates=rates,
            hardest=hardest,
            findings=findings_by_candidate(batch),
            flagged=flagged,
            with_code=pairs_with_code(batch),
            **page_words(messages(language)),
        )
    )


def write_summary(batch: BatchResult, path: Path, *, language: str = SOURCE_LANGUAGE) -> Path:
    """Write summary.html."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_summary(batch, language=language), encoding="utf-8", errors=UNWRITABLE)
    return path
