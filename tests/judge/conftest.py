"""The engine kit's exercise with a suite and an answer of a test's own, graded for real."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.catalogue import load_kit
from grader.grading import grade
from grader.results import TestResult
from grader.workspace import load_submission

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def grade_adder(tmp_path: Path) -> Callable[..., dict[str, TestResult]]:
    """Grade `answer` (adder.py's source) against `suite` (the hidden suite's source), with
    the exercise's `limits` changed as given: the results of its tests by name."""

    def run(suite: str, answer: str, **limits: int) -> dict[str, TestResult]:
        kit_root = tmp_path / "kit"
        shutil.rmtree(kit_root, ignore_errors=True)
        shutil.copytree(FIXTURES / "kit" / "adder", kit_root / "adder")
        toml = kit_root / "adder" / "exercise.toml"
        for name, value in limits.items():  # [limits] of exercise.toml: memory_mb, ...
            toml.write_text(re.sub(rf"{name} = \d+", f"{name} = {value}", toml.read_text()))
        for extra in (kit_root / "adder" / "hidden").iterdir():
            extra.unlink()
        (kit_root / "adder" / "hidden" / "test_adder.py").write_text(textwrap.dedent(suite))
        folder = tmp_path / "answer"
        folder.mkdir(exist_ok=True)
        (folder / "adder.py").write_text(textwrap.dedent(answer), encoding="utf-8")
        kit = load_kit(kit_root)
        result = grade(load_submission(folder, kit), kit)
        return {t.name: t for t in result.exercise("adder").tests}

    return run
