"""Non-answers made from an exercise's stub: every function and method replaced by one
that does nothing useful, so `validate` can prove a suite gives them no points."""

from __future__ import annotations

import ast
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.catalogue import Exercise, Kit
from grader.grading import grade
from grader.sandbox.runner import Sandbox
from grader.workspace import load_submission

# Each kind replaces every function's body; the values say what the body does.
KINDS = {
    "returns-none": "returns None",
    "raises-valueerror": "raises ValueError",
    "yes-float": "returns a float whose comparisons all say yes",
    "yes-array": "returns an ndarray subclass whose comparisons all say yes",
    "returns-first-argument": "returns its first argument",
    "yields-nothing": "returns an empty iterator",
}

# Defined at the top of a "yes" non-answer: values that claim to equal anything.
YES_CLASSES = """
import numpy as _np


def _yes(*_args, **_kwargs):
    return True


class _YesFloat(float):
    __eq__ = __le__ = __ge__ = __lt__ = __gt__ = _yes
    __hash__ = float.__hash__

    def __ne__(self, other):
        return False


class _YesArray(_np.ndarray):
    __eq__ = __le__ = __ge__ = __lt__ = __gt__ = __contains__ = _yes
    __hash__ = None

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True
"""

_RESULTS = {
    "returns-none": "return None",
    "raises-valueerror": "raise ValueError('not implemented yet')",
    "yes-float": "return _YesFloat(0.5)",
    "yes-array": "return _np.zeros(3).view(_YesArray)",
    "yields-nothing": "return iter(())",
}


@dataclass(frozen=True)
class NonAnswer:
    """One generated non-answer: its kind and the module's source."""

    kind: str
    source: str


def _first_argument(function: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> str:
    names = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    if method and names and not _is_static(function):
        names = names[1:]
    names += [a.arg for a in function.args.kwonlyargs]
    if function.args.vararg is not None and not names:
        return f"({function.args.vararg.arg} or (None,))[0]"
    return names[0] if names else "None"


def _is_static(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)


class _Hollow(ast.NodeTransformer):
    """Replaces the body of every function and method, keeping signatures and decorators."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._in_class = False

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:  # noqa: N802 - ast's naming
        outer, self._in_class = self._in_class, True
        self.generic_visit(node)
        self._in_class = outer
        return node

    def _hollow(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        if node.name == "__init__" and self.kind != "raises-valueerror":
            statement = "return None"
        elif self.kind == "returns-first-argument":
            statement = f"return {_first_argument(node, self._in_class)}"
        else:
            statement = _RESULTS[self.kind]
        docstring = ast.get_docstring(node, clean=False)
        body: list[ast.stmt] = [ast.Expr(ast.Constant(docstring))] if docstring else []
        body += ast.parse(statement).body
        node.body = body
        return node

    visit_FunctionDef = _hollow  # noqa: N815 - ast's naming
    visit_AsyncFunctionDef = _hollow  # noqa: N815 - ast's naming


# Non-answers of a Dockerfile: no Python to hollow, so each is a whole file.
DOCKERFILE_KINDS = {
    "stub-unchanged": "the stub as handed out",
    "from-scratch": "FROM scratch and nothing else",
    "stub-from-scratch": "the stub's comments, then FROM scratch",
    "answer-in-comments": "FROM scratch, with a good Dockerfile written only in comments",
}

# A reviewer's Dockerfile, every line a comment: a suite that reads comments would pay it.
_COMMENTED_ANSWER = """\
FROM scratch
# FROM python:3.12-slim
# WORKDIR /app
# COPY requirements.txt .
# RUN pip install --no-cache-dir -r requirements.txt
# RUN useradd --create-home app
# COPY serving.py serve.py model.joblib ./
# USER app
# EXPOSE 8000
# HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"]
# CMD ["python", "serve.py"]
"""


def describe(kind: str) -> str:
    """What a non-answer of this kind does, for the validation table."""
    return {**KINDS, **DOCKERFILE_KINDS}[kind]


def dockerfile_non_answers(stub_text: str) -> list[NonAnswer]:
    """The non-answers of a Dockerfile exercise, one per kind, in a fixed order."""
    stub = stub_text if stub_text.endswith("\n") else stub_text + "\n"
    sources = {
        "stub-unchanged": stub_text,
        "from-scratch": "FROM scratch\n",
        "stub-from-scratch": stub + "FROM scratch\n",
        "answer-in-comments": _COMMENTED_ANSWER,
    }
    return [NonAnswer(kind, sources[kind]) for kind in DOCKERFILE_KINDS]


def non_answers(stub_source: str) -> list[NonAnswer]:
    """The non-answers of a Python stub, one per kind, in a fixed order."""
    made = []
    for kind in KINDS:
        tree = _Hollow(kind).visit(ast.parse(stub_source))
        source = ast.unparse(ast.fix_missing_locations(tree))
        if kind.startswith("yes-"):
            source = _with_yes_classes(source)
        made.append(NonAnswer(kind, source + "\n"))
    return made


def _with_yes_classes(source: str) -> str:
    """The yes-classes go after the `from __future__` imports, which must come first."""
    lines = source.splitlines()
    at = 0
    tree = ast.parse(source)
    for statement in tree.body:
        docstring = (
            at == 0
            and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
        )
        future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        if not (docstring or future):
            break
        at = statement.end_lineno or at
    return "\n".join([*lines[:at], YES_CLASSES, *lines[at:]])


# A non-answer may earn at most this share of an exercise's points.
MAX_SHARE = 0.05


@dataclass(frozen=True)
class NonAnswerScore:
    """What one non-answer earned, and the tests that gave it points."""

    kind: str
    score: float
    max_score: float
    scoring_tests: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.score <= MAX_SHARE * self.max_score


def exercise_non_answers(exercise: Exercise) -> list[NonAnswer]:
    """The non-answers `validate` grades for an exercise: hollowed Python, or whole files."""
    stub = exercise.stub_path.read_text(encoding="utf-8")
    if exercise.module is not None:
        return non_answers(stub)
    if exercise.artifact == "Dockerfile":
        return dockerfile_non_answers(stub)
    return []  # another text artifact: no generated non-answers yet


def grade_non_answers(exercise: Exercise, kit: Kit, sandbox: Sandbox) -> list[NonAnswerScore]:
    """Grade every non-answer of an exercise's stub with its hidden suite."""
    scores = []
    for made in exercise_non_answers(exercise):
        with tempfile.TemporaryDirectory(prefix="mlgrade-nonanswer-") as folder:
            (Path(folder) / exercise.artifact).write_text(made.source, encoding="utf-8")
            submission = load_submission(Path(folder), kit, [exercise.id])
            result = grade(submission, kit, [exercise.id], sandbox=sandbox, jobs=1)
        graded = result.exercise(exercise.id)
        scores.append(
            NonAnswerScore(
                kind=made.kind,
                score=graded.score,
                max_score=graded.max_score,
                scoring_tests=tuple(t.name for t in graded.tests if t.score > 0),
            )
        )
    return scores
