"""Loading the seccomp filter's library: by soname, without a subprocess, and through the
usual search where a soname is not there."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grader.candidate import seccomp_filter

LOAD_AND_WATCH = """
import sys
started = []
sys.addaudithook(lambda event, args: started.append(args[0]) if event == "subprocess.Popen" else None)
from grader.candidate import seccomp_filter
assert seccomp_filter.compiled() is not None
print(started)
"""


@pytest.mark.skipif(seccomp_filter.compiled() is None, reason="pyseccomp or libseccomp is missing")
def test_the_filter_is_built_without_starting_a_process():
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_WATCH], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_library_not_found_by_soname_is_searched_for_as_usual(monkeypatch):
    asked: list[str] = []

    def search(name: str) -> str:
        asked.append(name)
        return f"found-{name}"

    monkeypatch.setitem(seccomp_filter.SONAMES, "seccomp", "libnothing-here.so.9")
    find = seccomp_filter._by_soname(search)
    assert find("seccomp") == "found-seccomp"
    assert find("m") == "found-m"
    assert asked == ["seccomp", "m"]
