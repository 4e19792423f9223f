"""Parse Python source safely from any thread, and from a hostile author.

CPython 3.11 converts between syntax trees and Python objects with interpreter-wide
bookkeeping: two threads parsing at once can fail with "AST constructor recursion
depth mismatch". Grading parses in worker threads (suites, submissions, mutants), so
every parse and compile goes through one lock.

Source nested deeper than the parser's limits (`x = ` and 100,000 `-` signs or
parentheses) makes CPython raise MemoryError, RecursionError or a SyntaxError about
nesting; all become `SourceTooDeep`, a SyntaxError, so every caller that copes with a
syntax error copes with this too, none takes it for the machine running out of memory,
and the integrity scan can say which statement it could not read.
"""

from __future__ import annotations

import ast
import threading
from types import CodeType

_LOCK = threading.Lock()
# How CPython words the syntax errors that are nesting limits rather than mistakes.
_NESTING_LIMITS = ("too many nested", "too complex", "stack overflow")


class SourceTooDeep(SyntaxError):
    """Source nested too deeply for the parser to build its syntax tree."""


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse`, one thread at a time; SourceTooDeep for source nested too deeply."""
    with _LOCK:
        try:
            return ast.parse(source, filename=filename)
        except (RecursionError, MemoryError):
            # The 3.11 parser reports its nesting limit as MemoryError; building the tree's
            # Python objects reports its own as RecursionError.
            raise SourceTooDeep("source too deeply nested to parse") from None
        except SyntaxError as exc:
            if type(exc) is SyntaxError and any(m in str(exc.msg) for m in _NESTING_LIMITS):
                raise SourceTooDeep(exc.msg) from None
            raise


def compile_source(source: str, filename: str) -> CodeType:
    """`compile` of a module's source, one thread at a time; SourceTooDeep as `parse`."""
    with _LOCK:
        try:
            return compile(source, filename, "exec")
        except (RecursionError, MemoryError):
            raise SourceTooDeep("source too deeply nested to compile") from None
