"""Shared fixtures: the small engine kit, the real kit, and graded submissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.catalogue import Kit, load_kit
from grader.grading import grade
from grader.results import GradeResult
from grader.workspace import load_submission

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ENGINE_SUBMISSIONS = FIXTURES / "submissions" / "engine"

# `mlgrade run` would leave a warm server behind; only tests/test_server.py wants one.
os.environ["MLGRADE_SERVER"] = "0"
# Tests read English output unless they ask for another language, whatever the machine's locale.
os.environ["MLGRADE_LANG"] = "en"


@pytest.fixture(scope="session")
def engine_kit() -> Kit:
    return load_kit(FIXTURES / "kit")


@pytest.fixture(scope="session")
def real_kit() -> Kit:
    return load_kit(ROOT / "exercises")


@pytest.fixture(scope="session")
def grade_engine_case(engine_kit):
    """Grade a submission of the engine kit once per session."""
    cache: dict[str, GradeResult] = {}

    def run(name: str) -> GradeResult:
        if name not in cache:
            submission = load_submission(ENGINE_SUBMISSIONS / name, engine_kit)
            cache[name] = grade(submission, engine_kit)
        return cache[name]

    return run


def headless_dom(page: Path, profile: Path) -> str:
    """The DOM of a page after headless chromium laid it out and ran its scripts."""
    import subprocess

    return subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--window-size=1100,1400",
            "--dump-dom",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
