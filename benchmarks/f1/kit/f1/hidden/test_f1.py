"""Hidden suite of the f1 benchmark exercise: scikit-learn is the oracle."""

import f1 as sub
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score


@pytest.mark.points(1)
def test_worked_example():
    """Two true positives, one false positive, one false negative: F1 is 2/3."""
    assert sub.f1_score([1, 1, 0, 1, 0], [1, 1, 1, 0, 0]) == pytest.approx(2 / 3)


@pytest.mark.points(1)
def test_no_true_positive_scores_zero():
    """Without a true positive the score is 0.0, not an error."""
    assert sub.f1_score([0, 0, 1], [1, 0, 0]) == 0.0


@pytest.mark.points(1)
def test_bad_input_is_rejected():
    """Different lengths and empty input raise ValueError."""
    with pytest.raises(ValueError):
        sub.f1_score([0, 1], [1])
    with pytest.raises(ValueError):
        sub.f1_score([], [])


@pytest.mark.points(2)
@settings(max_examples=100)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=30))
def test_matches_sklearn(pairs):
    """Any 0/1 labels: the same F1 as scikit-learn's, as a Python float."""
    y_true = [t for t, _ in pairs]
    y_pred = [p for _, p in pairs]
    got = sub.f1_score(y_true, y_pred)
    assert type(got) is float, f"expected a Python float, got {type(got).__name__}"
    assert got == pytest.approx(f1_score(y_true, y_pred, zero_division=0.0))
