"""Code similarity between submissions, per exercise: normalised tokens, winnowed fingerprints.

The method follows MOSS and Dolos. A Python source becomes a token sequence in which
every identifier is one placeholder, every literal a placeholder for its type, and
comments and docstrings are gone, so renaming, re-wording literals and commenting do
not hide a copy. Hashes of every k consecutive tokens are winnowed (the minimum of each
window of w hashes) into fingerprints that remember their source lines. Fingerprints
found anywhere in the exercise's stub never count, and the reference solution takes
part as a pseudo-candidate named "reference" so that copying it shows.

Text artifacts (exercise.module is None, such as a Dockerfile) are skipped: they are
short and formulaic, so independently written ones share most of their lines and an
overlap of fingerprints would accuse honest candidates rather than reveal copying.
"""

from __future__ import annotations

import ast
import hashlib
import io
import itertools
import keyword
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.catalogue import Exercise
from grader.parsing import parse
from grader.similar_functions import MODULE_LEVEL, FunctionView, function_of_lines, function_views

K = 12  # tokens per k-gram: short enough for small exercises, long enough to be specific
WINDOW = 6  # any shared run of K + WINDOW - 1 = 17 tokens is guaranteed to be found
MAX_PAIRS = 100  # pairs listed in a summary, most similar first
THRESHOLD = 0.6
REFERENCE = "reference"
SOURCE_MAX_BYTES = 512 * 1024
MAX_MATCHES = 25  # regions shown per pair
MAX_REPEAT_PAIRS = 64  # beyond this, copies of one hash are paired in order, not all ways

# Tokens that carry no structure once comments and docstrings are gone.
_SKIPPED = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.ENCODING,
    tokenize.ENDMARKER,
    tokenize.ERRORTOKEN,
}
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


@dataclass(frozen=True)
class Token:
    """One normalised token and the source line it came from."""

    text: str
    line: int


@dataclass(frozen=True)
class Fingerprint:
    """A selected k-gram hash and the lines its tokens span."""

    hash: int
    first_line: int
    last_line: int


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


def _docstring_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Start and end positions of every string statement (docstrings and string comments)."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return []  # a broken file is still compared, docstrings included
    spans = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
            spans.append(((node.lineno, node.col_offset), end))
    return spans


def _number_kind(text: str) -> str:
    lowered = text.lower()
    if lowered.endswith("j"):
        return "<complex>"
    if lowered.startswith(("0x", "0o", "0b")):
        return "<int>"
    return "<float>" if any(c in lowered for c in ".e") else "<int>"


def _string_kind(text: str) -> str:
    prefix = text[: len(text) - len(text.lstrip("rRbBuUfF"))].lower()
    if "b" in prefix:
        return "<bytes>"
    return "<fstr>" if "f" in prefix else "<str>"


def _raw_tokens(source: str) -> Iterator[tokenize.TokenInfo]:
    """The tokenizer's output, up to the first lexical error if there is one."""
    try:
        yield from tokenize.generate_tokens(io.StringIO(source).readline)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return


def normalise(source: str) -> tuple[Token, ...]:
    """The token sequence compared between candidates (see the module docstring)."""
    # Lone surrogates would make ast.parse fail and keep the docstrings; drop them.
    source = source.encode("utf-8", "replace").decode("utf-8")
    spans = _docstring_spans(source)

    def in_docstring(start: tuple[int, int]) -> bool:
        return any(first <= start < last for first, last in spans)

    tokens: list[Token] = []
    fstring_depth = 0
    dropped_statement = False
    for tok in _raw_tokens(source):
        kind, text, line = tok.type, tok.string, tok.start[0]
        if kind == _FSTRING_START:
            fstring_depth += 1
            if fstring_depth == 1:
                tokens.append(Token("<fstr>", line))
            continue
        if kind == _FSTRING_END:
            fstring_depth -= 1
            continue
        if fstring_depth or kind in _SKIPPED:
            continue
        if kind == tokenize.STRING and in_docstring(tok.start):
            dropped_statement = True
            continue
        if kind == tokenize.NEWLINE and dropped_statement:
            dropped_statement = False  # the docstring's own line end goes with it
            continue
        dropped_statement = False
        if kind == tokenize.NAME:
            tokens.append(Token(text if keyword.iskeyword(text) else "<id>", line))
        elif kind == tokenize.NUMBER:
            tokens.append(Token(_number_kind(text), line))
        elif kind == tokenize.STRING:
            tokens.append(Token(_string_kind(text), line))
        elif kind == tokenize.NEWLINE:
            tokens.append(Token("<newline>", line))
        elif kind == tokenize.INDENT:
            tokens.append(Token("<indent>", line))
        elif kind == tokenize.DEDENT:
            # The tokenizer places a dedent on the next statement's line; it closes the previous.
            tokens.append(Token("<dedent>", tokens[-1].line if tokens else line))
        else:
            tokens.append(Token(text, line))
    return tuple(tokens)


def _hash(texts: Iterable[str]) -> int:
    """A stable 64-bit hash (Python's hash() is salted per process)."""
    digest = hashlib.blake2b("\x1f".join(texts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def kgrams(tokens: tuple[Token, ...], k: int = K) -> tuple[Fingerprint, ...]:
    """Every k-gram's hash with its line span (none for code shorter than k tokens)."""
    return tuple(
        Fingerprint(
            hash=_hash(t.text for t in tokens[i : i + k]),
            first_line=tokens[i].line,
            last_line=tokens[i + k - 1].line,
        )
        for i in range(len(tokens) - k + 1)
    )


def winnow(grams: tuple[Fingerprint, ...], window: int = WINDOW) -> tuple[Fingerprint, ...]:
    """Robust winnowing: the rightmost minimal hash of each window, each position once."""
    if len(grams) <= window:
        return (min(reversed(grams), key=lambda g: g.hash),) if grams else ()
    chosen: list[int] = []
    for start in range(len(grams) - window + 1):
        span = range(start, start + window)
        best = min(span, key=lambda i: (grams[i].hash, -i))
        if not chosen or chosen[-1] != best:
            chosen.append(best)
    return tuple(grams[i] for i in chosen)


def fingerprints(
    source: str,
    *,
    k: int = K,
    window: int = WINDOW,
    exclude: frozenset[int] = frozenset(),
) -> tuple[Fingerprint, ...]:
    """The winnowed fingerprints of a Python source, minus the excluded hashes."""
    selected = winnow(kgrams(normalise(source), k), window)
    return tuple(f for f in selected if f.hash not in exclude)


def stub_hashes(source: str, *, k: int = K) -> frozenset[int]:
    """Every k-gram hash of a stub: all of them, so no winnowing choice lets stub text in."""
    return frozenset(g.hash for g in kgrams(normalise(source), k))


def similarity(left: tuple[Fingerprint, ...], right: tuple[Fingerprint, ...]) -> float:
    """Shared distinct hashes over the smaller side's distinct hashes (0 when either is empty)."""
    a = {f.hash for f in left}
    b = {f.hash for f in right}
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


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
) -> SimilarPair:
    """Score two candidates' code and locate what they share."""
    shared = {f.hash for f in left_prints} & {f.hash for f in right_prints}
    left_lines = _source_lines(left.text)
    right_lines = _source_lines(right.text)
    left_owner = function_of_lines(left.text)
    right_owner = function_of_lines(right.text)
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
    return tuple(
        compare(exercise_id, left, right, left_prints, right_prints)
        for _, exercise_id, left, right, left_prints, right_prints in scored[:limit]
    )
