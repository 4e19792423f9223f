"""Public tests for the f1 benchmark exercise."""

import f1


def test_perfect_predictions():
    """Predicting every label right scores 1.0."""
    assert f1.f1_score([0, 1, 1], [0, 1, 1]) == 1.0
