"""Parsing from worker threads: one parse at a time, same trees and errors as ast."""

from __future__ import annotations

import ast
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from grader import parsing


def test_parses_and_compiles_never_overlap(monkeypatch):
    inside, most = 0, 0
    guard = threading.Lock()

    def slow(real):
        def wrapper(*args, **kwargs):
            nonlocal inside, most
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)  # long enough for another thread to try
            try:
                return real(*args, **kwargs)
            finally:
                with guard:
                    inside -= 1

        return wrapper

    monkeypatch.setattr(ast, "parse", slow(ast.parse))
    monkeypatch.setattr(parsing, "compile", slow(compile), raising=False)
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [pool.submit(parsing.parse, "x = 1") for _ in range(8)]
        jobs += [pool.submit(parsing.compile_source, "y = 2", "<test>") for _ in range(8)]
        for job in jobs:
            job.result()
    assert most == 1


def test_same_tree_and_same_errors_as_ast():
    source = "def f(a):\n    return a + 1\n"
    assert ast.dump(parsing.parse(source)) == ast.dump(ast.parse(source))
    with pytest.raises(SyntaxError):
        parsing.parse("def f(:\n")
    with pytest.raises(SyntaxError):
        parsing.compile_source("return 1\n", "<test>")
