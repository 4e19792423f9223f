"""Parse Python source safely from any thread.

CPython 3.11 converts between syntax trees and Python objects with interpreter-wide
bookkeeping: two threads parsing at once can fail with "AST constructor recursion
depth mismatch". Grading parses in worker threads (suites, submissions, mutants), so
every parse and compile goes through one lock.
"""

from __future__ import annotations

import ast
import threading
from types import CodeType

_LOCK = threading.Lock()


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse`, one thread at a time."""
    with _LOCK:
        return ast.parse(source, filename=filename)


def compile_source(source: str, filename: str) -> CodeType:
    """`compile` of a module's source, one thread at a time."""
    with _LOCK:
        return compile(source, filename, "exec")
