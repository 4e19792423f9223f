"""How failures read: no pytest restatement or noise, and a missing exception named with
the call that should have raised it."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

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
