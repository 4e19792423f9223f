"""An argument the candidate's code changes in its copy never changes the test's own:
a hostile answer cannot rewrite the data a test computes its expected value from, and a
"does not modify its input" test still sees the change through left_by_candidate."""

from __future__ import annotations

SUITE = """
import adder as sub
from grader.judge.suite_tools import left_by_candidate


def test_mean_matches_the_formula():
    values = [1.0, 2.0, 6.0]
    got = sub.mean(values)
    assert got == sum(values) / len(values)  # computed after the call, from the test's list


def test_mean_leaves_its_input_alone():
    values = [1.0, 2.0, 6.0]
    sub.mean(values)
    assert left_by_candidate(values) == [1.0, 2.0, 6.0]
    assert values == [1.0, 2.0, 6.0]
"""

HONEST = """
def add(a, b):
    return a + b


def mean(values):
    return sum(values) / len(values)
"""

# Returns 0.0 for any input, and rewrites the list it was given so that the formula,
# run on it afterwards, gives 0.0 too.
REWRITER = """
def add(a, b):
    return a + b


def mean(values):
    values[:] = [0.0]
    return 0.0
"""

# A realistic mistake: the right mean, but the input sorted in place on the way.
SORTER = """
def add(a, b):
    return a + b


def mean(values):
    values.sort(reverse=True)
    return sum(values) / len(values)
"""


def _statuses(grade_adder, answer):
    return {name: t.status.value for name, t in grade_adder(SUITE, answer).items()}


def test_an_honest_answer_passes_both(grade_adder):
    assert _statuses(grade_adder, HONEST) == {
        "test_mean_matches_the_formula": "passed",
        "test_mean_leaves_its_input_alone": "passed",
    }


def test_rewriting_its_input_does_not_change_the_expected_value(grade_adder):
    assert _statuses(grade_adder, REWRITER) == {
        "test_mean_matches_the_formula": "failed",
        "test_mean_leaves_its_input_alone": "failed",
    }


def test_a_mutated_input_loses_points_only_where_a_test_names_it(grade_adder):
    assert _statuses(grade_adder, SORTER) == {
        "test_mean_matches_the_formula": "passed",
        "test_mean_leaves_its_input_alone": "failed",
    }
