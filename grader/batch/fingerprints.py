"""Fingerprints of a Python source: normalised tokens, k-gram hashes, winnowing.

A source becomes a token sequence in which every identifier is one placeholder, every
literal a placeholder for its type, and comments and docstrings are gone; hashes of
every k consecutive tokens are winnowed (the minimum of each window of w hashes) into
fingerprints that remember their source lines. `grader.batch.similarity` compares them.
"""

from __future__ import annotations

import ast
import hashlib
import io
import keyword
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from grader.parsing import parse

K = 12  # tokens per k-gram: short enough for small exercises, long enough to be specific
WINDOW = 6  # any shared run of K + WINDOW - 1 = 17 tokens is guaranteed to be found

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
