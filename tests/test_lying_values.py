"""Every value check checks the exact type first: the reference answer, with one function's
results replaced by twins that hold the right data but claim to equal anything, earns no
point from any hidden test that calls that function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.catalogue import load_kit
from grader.grading import grade
from grader.quality.nonanswers import YES_CLASSES
from grader.results import TestStatus
from grader.workspace import load_submission

ROOT = Path(__file__).resolve().parents[1]
KIT = load_kit(ROOT / "exercises")

# Put at the top of the answer: `_twin(value)` keeps the data of a float or an array (also
# inside tuples, lists and dicts) in a subclass whose comparisons all say yes.
_TWINS = (
    YES_CLASSES
    + """

def _twin(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (float, _np.floating)):
        return _YesFloat(value)
    if isinstance(value, _np.ndarray) and value.dtype != object:
        return _np.asarray(value).view(_YesArray)
    if type(value) in (tuple, list):
        return type(value)(_twin(item) for item in value)
    if type(value) is dict:
        return {key: _twin(item) for key, item in value.items()}
    return value
"""
)

# (exercise, function whose results lie): one per kind of value the suites compare.
CASES = [
    ("imbalance", "best_threshold"),
    ("imbalance", "random_oversample"),
    ("imbalance", "random_undersample"),
    ("metrics", "confusion_matrix"),
    ("metrics", "f1_score"),
    ("monitoring", "psi"),
    ("validation", "kfold_indices"),
    ("ensembles", "bootstrap_indices"),
    ("ensembles", "majority_vote"),
    ("ensembles", "adaboost_update"),
    ("regularization", "ridge_fit"),
    ("regularization", "soft_threshold"),
    ("batching", "batch_generator"),
]


class _TwinResults(ast.NodeTransformer):
    """Wraps every `return` and `yield` value of one top-level function in `_twin(...)`."""

    def __init__(self, function: str) -> None:
        self.function = function

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:  # noqa: N802
        if node.name == self.function:
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return | ast.Yield) and inner.value is not None:
                    inner.value = ast.Call(ast.Name("_twin", ast.Load()), [inner.value], [])
        return node


def lying_answer(source: str, function: str) -> str:
    """The answer `source` whose `function` returns lying twins of its results."""
    tree = _TwinResults(function).visit(ast.parse(source))
    lines = ast.unparse(ast.fix_missing_locations(tree)).splitlines()
    futures = [i + 1 for i, line in enumerate(lines) if line.startswith("from __future__")]
    at = max(futures, default=0)
    return "\n".join([*lines[:at], _TWINS, *lines[at:]]) + "\n"


def _is_raises(expression: ast.expr) -> bool:
    return (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Attribute)
        and expression.func.attr == "raises"
    )


def _calls(node: ast.AST, names: set[str]) -> bool:
    """Whether `node` calls one of `names` (as `f(...)` or `x.f(...)`) outside `pytest.raises`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.With) and any(_is_raises(i.context_expr) for i in child.items):
            continue
        if isinstance(child, ast.Call):
            func = child.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in names:
                return True
        if _calls(child, names):
            return True
    return False


def hidden_tests_reading(suite: str, function: str) -> set[str]:
    """Hidden tests that call `function` for its result, directly or through a suite helper."""
    functions = [n for n in ast.parse(suite).body if isinstance(n, ast.FunctionDef)]
    readers = {function} | {
        n.name for n in functions if not n.name.startswith("test_") and _calls(n, {function})
    }
    return {n.name for n in functions if n.name.startswith("test_") and _calls(n, readers)}


def test_a_lying_answer_keeps_the_data_and_lies():
    source = "def mean(values):\n    return (sum(values) / len(values), [1.5])\n"
    namespace: dict = {}
    exec(compile(lying_answer(source, "mean"), "answer.py", "exec"), namespace)
    value, items = namespace["mean"]([1.0, 2.0])
    assert float(value) == 1.5 and type(value) is not float
    assert value == "anything" and items[0] == -7 and float(items[0]) == 1.5


@pytest.mark.parametrize(("exercise_id", "function"), CASES, ids=[f"{e}-{f}" for e, f in CASES])
def test_lying_results_earn_nothing_from_the_tests_that_read_them(tmp_path, exercise_id, function):
    exercise = KIT.get(exercise_id)
    source = (ROOT / "solutions" / exercise.artifact).read_text(encoding="utf-8")
    (tmp_path / exercise.artifact).write_text(lying_answer(source, function), encoding="utf-8")
    graded = grade(load_submission(tmp_path, KIT, [exercise_id]), KIT, [exercise_id]).exercise(
        exercise_id
    )
    suite = (exercise.folder / "hidden" / f"test_{exercise_id}.py").read_text(encoding="utf-8")
    reading = hidden_tests_reading(suite, function)
    assert reading, f"no hidden test of {exercise_id} calls {function}"
    paid = sorted(
        t.name
        for t in graded.tests
        if t.name.split("[")[0] in reading and t.status is TestStatus.PASSED
    )
    assert not paid, f"{exercise_id}.{function} lying about equality still passes: {paid}"
