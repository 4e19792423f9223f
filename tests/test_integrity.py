"""The static integrity scan: suspicious constructs with their line, never a score change."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.integrity import scan_source, scan_submission
from grader.workspace import load_submission
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("source", "line", "rule"),
    [
        ("import ctypes\n", 1, "suspicious-import"),
        ("import gc\n", 1, "suspicious-import"),
        ("x = 1\nimport _pytest.python\n", 2, "suspicious-import"),
        ("import sys\nf = sys._getframe(1)\n", 2, "introspection"),
        ("import sys\nsys.modules['numpy'] = None\n", 2, "introspection"),
        ("def f():\n    return eval('1')\n", 2, "dynamic-code"),
        ("mod = __import__('os')\n", 1, "dynamic-code"),
        ("import os\nos._exit(0)\n", 2, "introspection"),
        ("import sys\nsys.exit(0)\n", 2, "process-control"),
        ("import numpy as np\nnp.allclose = lambda *a: True\n", 2, "monkeypatch"),
        ("class A:\n    def __eq__(self, other):\n        return True\n", 2, "lying-equality"),
        ("import sklearn.metrics\n", 1, "forbidden-import"),
        ("import importlib\nm = importlib.import_module('sklearn')\n", 2, "forbidden-import"),
        ("import os\nfor root, dirs, files in os.walk('/'):\n    pass\n", 2, "introspection"),
    ],
)
def test_each_rule_reports_the_line(source, line, rule):
    hits = scan_source(source, forbidden=("sklearn",))
    assert (line, rule) in {(h[0], h[1]) for h in hits}, hits


def test_reference_solutions_raise_no_finding(real_kit):
    submission = load_submission(ROOT / "solutions", real_kit)
    assert list(scan_submission(submission, list(real_kit.exercises))) == []


def test_findings_name_exercise_file_and_line(engine_kit):
    submission = load_submission(
        FIXTURES / "submissions" / "hostile" / "patch_numpy_testing", engine_kit
    )
    findings = list(scan_submission(submission, list(engine_kit.exercises)))
    assert any(f.rule == "monkeypatch" and f.line == 9 and f.file == "adder.py" for f in findings)


def test_findings_do_not_change_the_score(grade_engine_case):
    result = grade_engine_case("forbidden_hidden_import")
    assert result.integrity and result.score == 3


@given(st.text(max_size=300))
def test_scan_never_crashes_on_arbitrary_text(text):
    for line, rule, message in scan_source(text, ("sklearn",)):
        assert line >= 1 and rule and message


DEEP = "x = " + "-" * 100_000 + "1\n"


@pytest.mark.parametrize(
    "deep",
    [
        DEEP,
        "x = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n",
        "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "x = " + " + ".join(["1"] * 100_000) + "\n",
        "x = a" + ".b" * 100_000 + "\n",
    ],
    ids=["minus", "parentheses", "lists", "sum", "attributes"],
)
def test_source_too_deep_to_parse_is_a_finding_and_the_rest_is_still_scanned(deep):
    source = "import ctypes\n\n@dec\ndef f():\n    pass\n" + deep + "import gc\n"
    assert scan_source(source) == [
        (1, "suspicious-import", "import ctypes: loads native code (ctypes)"),
        (6, "too-deep", "source too deeply nested to scan: line 6 not checked"),
        (7, "suspicious-import", "import gc: inspects the garbage collector"),
    ]


def test_a_deep_statement_inside_a_block_names_the_lines_of_the_block():
    source = "if True:\n    y = 1\n    " + DEEP + "    import gc\n\n# end\n"
    assert scan_source(source) == [
        (1, "too-deep", "source too deeply nested to scan: lines 1-4 not checked")
    ]


def test_a_deep_tree_that_parses_is_scanned_without_recursion():
    # ~900 levels parse, but a recursive visitor would exceed Python's recursion limit.
    source = "x = " + "-" * 900 + "1\nimport gc\nnp" + ".a" * 900 + " = 1\n"
    rules = [(line, rule) for line, rule, _ in scan_source(source)]
    assert rules == [(2, "suspicious-import"), (3, "monkeypatch")]


def test_deep_fixture_gets_the_finding_through_scan_submission(engine_kit):
    submission = load_submission(
        FIXTURES / "submissions" / "inputs" / "deep_expression", engine_kit
    )
    findings = list(scan_submission(submission, list(engine_kit.exercises)))
    assert [(f.file, f.line, f.rule) for f in findings] == [
        ("adder.py", 12, "too-deep"),
        ("adder.py", 13, "suspicious-import"),
    ]
