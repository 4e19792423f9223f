"""How failures read: no pytest restatement or noise, and a missing exception named with
the call that should have raised it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.judge.wording import call_text, did_not_raise, readable, shown


def test_the_suites_message_is_kept_without_pytests_restatement():
    raw = (
        "AssertionError: expected [[0], [1]], got [(0,), (1,)]\n"
        "assert [(0,), (1,)] == [[0], [1]]\n  At index 0 diff: (0,) != [0]\n  Use -v to get more diff"
    )
    assert readable(raw, has_own_message=True) == (
        "AssertionError: expected [[0], [1]], got [(0,), (1,)]"
    )


def test_a_bare_assert_keeps_its_explanation_without_noise_or_addresses():
    raw = (
        "AssertionError: assert False\n + where False = <function allclose at 0x7f3a…>(a, b)\n"
        "Use -v to get more diff"
    )
    text = readable(raw, has_own_message=False)
    assert "allclose(a, b)" in text and "0x" not in text and "Use -v" not in text


def test_a_missing_exception_names_the_call_that_returned():
    call = call_text("confusion_matrix", [[1, 0], np.array([1, 0])], {"labels": [1, 0, 1]})
    assert call == "confusion_matrix([1, 0], [1, 0], labels=[1, 0, 1])"
    message = did_not_raise("DID NOT RAISE <class 'ValueError'>", call)
    assert message == (
        "confusion_matrix([1, 0], [1, 0], labels=[1, 0, 1]): expected ValueError, "
        "but it returned normally"
    )
    assert "expected KeyError" in did_not_raise("DID NOT RAISE <class 'KeyError'>", "")


class _Loud:
    def __repr__(self) -> str:  # a proxy's repr would call the candidate's code
        raise AssertionError("repr must not be called")


@given(st.recursive(st.none() | st.integers() | st.text() | st.floats(), st.lists, max_leaves=30))
def test_shown_values_are_short_and_never_call_foreign_code(value):
    assert len(shown(value)) <= 80
    assert shown([_Loud()]) == "[<_Loud>]"


def _as_pytest_writes_it(value: object) -> str:
    """A "+ where" value as pytest's assertion rewriting shows it: on one line."""
    return repr(value).replace("\n", "\\n")


def test_a_bare_asserts_array_arguments_come_out_on_lines():
    X = np.arange(12, dtype=float).reshape(4, 3) / 7
    raw = (
        "AssertionError: assert 0.12 <= (0.10 + 1e-06)\n"
        f" +  where 0.12 = lasso_objective({_as_pytest_writes_it(X)}, "
        f"{_as_pytest_writes_it(np.linspace(0, 1, 15))}, 'a\\nb')"
    )
    text = readable(raw, has_own_message=False)
    assert repr(X) in text and repr(np.linspace(0, 1, 15)) in text
    assert "\\n " not in text
    assert "'a\\nb'" in text  # a string's own escaped line break is not an array's


@settings(max_examples=50)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.int64, np.float64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
        elements=st.integers(-(10**6), 10**6),
    )
)
def test_any_array_pytest_flattened_reads_as_its_own_repr(array):
    raw = f"AssertionError: assert False\n +  where False = check({_as_pytest_writes_it(array)})"
    assert f"check({array!r})" in readable(raw, has_own_message=False)
