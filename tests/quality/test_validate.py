"""`mlgrade validate`: every hidden suite proves itself on its reference, stub and mutants."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.catalogue import load_kit
from grader.cli import cli
from grader.grading import default_sandbox
from grader.quality.nonanswers import DOCKERFILE_KINDS, KINDS
from grader.quality.validate import MIN_KILL_RATE, table, validate_exercise

ROOT = Path(__file__).resolve().parents[2]
KIT = load_kit(ROOT / "exercises")
# An evenly spread sample keeps CI fast; `mlgrade validate` grades every mutant.
MUTANT_SAMPLE = 24


@pytest.mark.parametrize("exercise_id", [ex.id for ex in KIT.exercises])
def test_exercise_passes_validation(exercise_id):
    exercise = KIT.get(exercise_id)
    result = validate_exercise(
        exercise, KIT, ROOT / "solutions", default_sandbox(), mutant_limit=MUTANT_SAMPLE
    )
    report = table([result])
    assert result.reference_ok, report
    assert result.stub_ok, report
    assert result.deterministic, report
    assert result.budget_ok, report
    assert not result.stale_equivalents, report
    assert result.non_answers_ok, report
    if exercise.module is not None:
        assert [n.kind for n in result.non_answers] == list(KINDS), report
        assert result.kill_rate is not None and result.kill_rate >= MIN_KILL_RATE, report
    else:  # the Dockerfile: whole-file non-answers (FROM scratch, the stub), each near 0
        assert [n.kind for n in result.non_answers] == list(DOCKERFILE_KINDS), report


def test_validate_command_fails_on_a_weak_suite(engine_kit, tmp_path):
    """The engine kit's suite cannot see through every mutant of a tiny answer."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "adder.py").write_text(
        "def add(a, b):\n    return a + b\n\n\n"
        "def mean(values):\n"
        "    if not values:\n"
        "        raise ValueError('empty')\n"
        "    total = 0.0\n"
        "    for v in values:\n"
        "        total += v\n"
        "    print('debug', total)\n"
        "    return total / len(values)\n"
    )
    result = CliRunner().invoke(
        cli, ["validate", "--kit", str(engine_kit.root), "--solutions", str(solutions)]
    )
    assert result.exit_code == 1, result.output
    assert "surviving mutant" in result.output
    assert "print('debug', total)" in result.output  # dropping the print changes nothing
