"""Code similarity between submissions, per exercise: normalised tokens, winnowed fingerprints.

The method follows MOSS and Dolos. Each source's fingerprints (`grader.batch.fingerprints`)
ignore names, literal values, comments and docstrings, so renaming, re-wording literals
and commenting do not hide a copy. Fingerprints found anywhere in the exercise's stub
never count, and the reference solution takes part as a pseudo-candidate named
"reference" so that copying it shows.

Text artifacts (exercise.module is None, such as a Dockerfile) are skipped: they are
short and formulaic, so independently written ones share most of their lines and an
overlap of fingerprints would accuse honest candidates rather than reveal copying.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.batch.fingerprints import WINDOW, Fingerprint, K, fingerprints, similarity, stub_hashes
from grader.batch.similar_functions import (
    MODULE_LEVEL,
    FunctionView,
    function_of_lines,
    function_views,
)
from grader.catalogue import Exercise

MAX_PAIRS = 100  # pairs listed in a summary, most similar first
THRESHOLD = 0.6
REFERENCE = "reference"
SOURCE_MAX_BYTES = 512 * 1024
MAX_MATCHES = 25  # regions shown per pair
MAX_REPEAT_PAIRS = 64  # beyond this, copies of one hash are paired in order, not all ways
OWNERS_KEPT = 128  # sources whose line-to-function map is kept while the pairs are worked out


@dataclass(frozen=True)
class LineRange:
    """Lines first..last of a source, 1-based and inclusive."""

    first: int
    last: int


@dataclass(frozen=True)
class Match:
    """A region of one source matching a region of the other, with both texts."""

    left: LineRange
    right: LineRange
    left_text: str
    right_text: str


@dataclass(frozen=True)
class Source:
    """One candidate's code for one exercise."""

    candidate: str
    exercise: str
    text: str


@dataclass(frozen=True)
class SimilarPair:
    """Two candidates whose code for an exercise shares many fingerprints."""

    exercise: str
    left: str
    right: str
    score: float
    shared: int
    left_ranges: tuple[LineRange, ...]
    right_ranges: tuple[LineRange, ...]
    matches: tuple[Match, ...]
    # The same matches, one side-by-side view per function both candidates share.
    views: tuple[FunctionView, ...] = ()


def merge_lines(lines: Iterable[int]) -> tuple[LineRange, ...]:
    """Adjacent or repeated line numbers merged into ranges."""
    ranges: list[LineRange] = []
    for line in sorted(set(lines)):
        if ranges and line <= ranges[-1].last + 1:
            ranges[-1] = LineRange(ranges[-1].first, line)
        else:
            ranges.append(LineRange(line, line))
    return tuple(ranges)


def _span_lines(prints: Iterable[Fingerprint]) -> set[int]:
    return {n for f in prints for n in range(f.first_line, f.last_line + 1)}


def _runs(
    left: tuple[Fingerprint, ...],
    right: tuple[Fingerprint, ...],
    left_owner: dict[int, str] | None = None,
    right_owner: dict[int, str] | None = None,
) -> list[list[tuple[int, int]]]:
    """Maximal runs of shared fingerprints that follow each other on both sides; with
    owners (line -> function), only fingerprints of functions of the same name pair."""
    on_left: dict[int, list[int]] = {}
    on_right: dict[int, list[int]] = {}
    for i, f in enumerate(left):
        on_left.setdefault(f.hash, []).append(i)
    for j, f in enumerate(right):
        on_right.setdefault(f.hash, []).append(j)
    pairs = []
    for digest, lefts in on_left.items():
        rights = on_right.get(digest, [])
        if len(lefts) * len(rights) <= MAX_REPEAT_PAIRS:
            pairs += [(i, j) for i in lefts for j in rights]
        else:
            # A hash repeated on both sides (a long run of one token, `x = ------1`) would
            # pair every copy with every copy: quadratic. In order, the copies still form
            # one long matching run.
            pairs += list(zip(lefts, rights, strict=False))
    if left_owner is not None and right_owner is not None:
        # One candidate's `batch_generator` against another's `infinite_batches` is
        # an accident of short code, not a copy.
        pairs = [
            (i, j)
            for i, j in pairs
            if left_owner.get(left[i].first_line, MODULE_LEVEL)
            == right_owner.get(right[j].first_line, MODULE_LEVEL)
        ]
    pairs.sort()
    runs: list[list[tuple[int, int]]] = []
    open_runs: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, j in pairs:
        run = open_runs.pop((i - 1, j - 1), None)
        if run is None:
            run = []
            runs.append(run)
        run.append((i, j))
        open_runs[(i, j)] = run
    return runs


def _source_lines(text: str) -> list[str]:
    # Split as the tokenizer counts lines: on "\n" only.
    return [line.rstrip("\r") for line in text.split("\n")]


def _excerpt(lines: list[str], span: LineRange) -> str:
    return "\n".join(lines[span.first - 1 : span.last])


def compare(
    exercise: str,
    left: Source,
    right: Source,
    left_prints: tuple[Fingerprint, ...],
    right_prints: tuple[Fingerprint, ...],
    owners: Callable[[str], dict[int, str]] = function_of_lines,
) -> SimilarPair:
    """Score two candidates' code and locate what they share; `owners` maps a source's
    lines to their functions (a batch passes one that remembers each source's)."""
    shared = {f.hash for f in left_prints} & {f.hash for f in right_prints}
    left_lines = _source_lines(left.text)
    right_lines = _source_lines(right.text)
    left_owner = owners(left.text)
    right_owner = owners(right.text)
    matches = []
    for run in _runs(left_prints, right_prints, left_owner, right_owner):
        on_left = [left_prints[i] for i, _ in run]
        on_right = [right_prints[j] for _, j in run]
        left_span = LineRange(min(f.first_line for f in on_left), max(f.last_line for f in on_left))
        right_span = LineRange(
            min(f.first_line for f in on_right), max(f.last_line for f in on_right)
        )
        matches.append(
            Match(
                left=left_span,
                right=right_span,
                left_text=_excerpt(left_lines, left_span),
                right_text=_excerpt(right_lines, right_span),
            )
        )
    # A repeated block matches several places: each pair of regions once, the longest
    # MAX_MATCHES of them, shown in source order.
    distinct = {(m.left, m.right): m for m in matches}.values()
    longest = sorted(
        distinct,
        key=lambda m: (-(m.left.last - m.left.first), m.left.first, m.right.first, m.right.last),
    )[:MAX_MATCHES]
    unique = sorted(longest, key=lambda m: (m.left.first, m.right.first, m.left.last, m.right.last))
    return SimilarPair(
        exercise=exercise,
        left=left.candidate,
        right=right.candidate,
        score=round(similarity(left_prints, right_prints), 4),
        shared=len(shared),
        left_ranges=merge_lines(_span_lines(f for f in left_prints if f.hash in shared)),
        right_ranges=merge_lines(_span_lines(f for f in right_prints if f.hash in shared)),
        matches=tuple(unique),
        views=function_views(
            "\n".join(left_lines),
            "\n".join(right_lines),
            left_owner,
            right_owner,
            ((m.left.first, m.left.last, m.right.first, m.right.last) for m in unique),
        ),
    )


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > SOURCE_MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


Prints = tuple[Fingerprint, ...]


def find_similar(
    sources: Iterable[Source],
    exercises: Iterable[Exercise],
    *,
    solutions: Path | None = None,
    threshold: float = THRESHOLD,
    k: int = K,
    window: int = WINDOW,
    limit: int = MAX_PAIRS,
) -> tuple[SimilarPair, ...]:
    """The `limit` most similar pairs scoring at least `threshold`, highest first.

    Matched regions are worked out only for the pairs listed: a batch of many
    near-identical submissions must not cost memory per pair.
    """
    by_exercise: dict[str, list[Source]] = {}
    for source in sources:
        by_exercise.setdefault(source.exercise, []).append(source)
    scored: list[tuple[float, str, Source, Source, Prints, Prints]] = []
    for exercise in exercises:
        if exercise.module is None:
            continue  # text artifacts: see the module docstring
        members = list(by_exercise.get(exercise.id, ()))
        if solutions is not None:
            reference = _read(solutions / exercise.artifact)
            if reference is not None:
                members.append(Source(REFERENCE, exercise.id, reference))
        stub = _read(exercise.stub_path) or ""
        excluded = stub_hashes(stub, k=k)
        ordered = sorted(members, key=lambda s: s.candidate)
        prints = [fingerprints(s.text, k=k, window=window, exclude=excluded) for s in ordered]
        for a, b in itertools.combinations(range(len(ordered)), 2):
            score = similarity(prints[a], prints[b])
            if score > 0 and score >= threshold:
                scored.append((score, exercise.id, ordered[a], ordered[b], prints[a], prints[b]))
    scored.sort(key=lambda t: (-t[0], t[1], t[2].candidate, t[3].candidate))
    # A source is in many of the listed pairs: parse it once, not once per pair. Bounded:
    # a source may be up to SOURCE_MAX_BYTES, and what a batch holds must not grow with it.
    owners = functools.lru_cache(maxsize=OWNERS_KEPT)(function_of_lines)
    return tuple(
        compare(exercise_id, left, right, left_prints, right_prints, owners)
        for _, exercise_id, left, right, left_prints, right_prints in scored[:limit]
    )
