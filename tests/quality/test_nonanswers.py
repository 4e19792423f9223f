"""Non-answers made from a stub: each keeps the stub's names and signatures, and does
nothing but what its kind says."""

from __future__ import annotations

import inspect
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.catalogue import load_kit
from grader.quality.nonanswers import (
    DOCKERFILE_KINDS,
    KINDS,
    dockerfile_non_answers,
    exercise_non_answers,
    non_answers,
)

ROOT = Path(__file__).resolve().parents[2]
STUB = '''"""A stub."""

from __future__ import annotations


def score(y_true, y_pred, *, average="binary"):
    """Docstring kept."""
    raise NotImplementedError


def only_keywords(*, window=3):
    raise NotImplementedError


class Model:
    def __init__(self, name):
        raise NotImplementedError

    @classmethod
    def create(cls, name):
        raise NotImplementedError

    @staticmethod
    def helper(value):
        raise NotImplementedError

    @property
    def value(self):
        raise NotImplementedError
'''


def _load(source: str) -> types.ModuleType:
    module = types.ModuleType("answer")
    exec(compile(source, "answer.py", "exec"), module.__dict__)
    return module


def _made(kind: str) -> types.ModuleType:
    return _load(next(n.source for n in non_answers(STUB) if n.kind == kind))


def test_one_non_answer_per_kind_keeping_names_signatures_and_docstrings():
    made = non_answers(STUB)
    assert [n.kind for n in made] == list(KINDS)
    stub = _load(STUB)
    for n in made:
        module = _load(n.source)
        assert inspect.signature(module.score) == inspect.signature(stub.score)
        assert module.score.__doc__ == "Docstring kept."
        assert isinstance(inspect.getattr_static(module.Model, "create"), classmethod)
        assert isinstance(inspect.getattr_static(module.Model, "value"), property)


def test_each_kind_does_what_it_says():
    assert _made("returns-none").score([1], [0]) is None
    with pytest.raises(ValueError):
        _made("raises-valueerror").score([1], [0])
    with pytest.raises(ValueError):
        _made("raises-valueerror").Model("m")
    first = _made("returns-first-argument")
    labels = [1, 0]
    assert first.score(labels, [0, 0]) is labels
    assert first.only_keywords(window=5) == 5
    assert first.Model.helper(7) == 7 and first.Model.create("x") == "x"
    assert first.Model("m").value is None  # a property has no argument to return
    # A generator that yields nothing: a property that holds "for every batch" holds
    # vacuously, so a suite must still pay it nothing.
    assert list(_made("yields-nothing").score([1], [0])) == []


@pytest.mark.parametrize("kind", ["yes-float", "yes-array"])
def test_yes_values_claim_to_equal_anything(kind):
    got = _made(kind).score([1], [0])
    assert isinstance(got, float if kind == "yes-float" else np.ndarray)
    assert type(got) not in (float, np.ndarray)
    for other in (0.25, -1, "text", None, np.arange(3)):
        assert bool(got == other) and not bool(got != other)
        assert bool(got <= other) and bool(got > other)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(p for p in (ROOT / "exercises").glob("*/*.py"))))
def test_every_kit_stub_gives_non_answers_that_compile(stub_path):
    if stub_path.name.startswith("test_"):
        return
    for made in non_answers(stub_path.read_text(encoding="utf-8")):
        compile(made.source, str(stub_path), "exec")


def _instructions(dockerfile: str) -> list[str]:
    lines = (line.strip() for line in dockerfile.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_dockerfile_non_answers_are_the_stub_and_from_scratch_alone():
    stub = (ROOT / "exercises" / "dockerfile" / "Dockerfile").read_text(encoding="utf-8")
    made = {n.kind: n.source for n in dockerfile_non_answers(stub)}
    assert list(made) == list(DOCKERFILE_KINDS)
    assert made["stub-unchanged"] == stub and _instructions(stub) == []
    for kind in ("from-scratch", "stub-from-scratch", "answer-in-comments"):
        assert _instructions(made[kind]) == ["FROM scratch"], kind
    assert made["stub-from-scratch"].startswith(stub)
    commented = [line[2:] for line in made["answer-in-comments"].splitlines()[1:]]
    assert any(line.startswith("USER ") for line in commented)


def test_each_exercise_gets_the_non_answers_of_its_artifact():
    kit = load_kit(ROOT / "exercises")
    kinds = {ex.id: [n.kind for n in exercise_non_answers(ex)] for ex in kit.exercises}
    assert kinds.pop("dockerfile") == list(DOCKERFILE_KINDS)
    assert all(found == list(KINDS) for found in kinds.values()), kinds
