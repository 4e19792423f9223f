"""Example tests for the metrics exercise (the hidden suite checks much more)."""

import metrics
import numpy as np
import pytest


def test_confusion_matrix_rows_are_truth_columns_are_predictions():
    got = metrics.confusion_matrix(["cat", "dog", "dog"], ["cat", "cat", "dog"])
    assert isinstance(got, np.ndarray)
    assert got.tolist() == [[1, 0], [1, 1]]


def test_confusion_matrix_labels_order():
    got = metrics.confusion_matrix([0, 1, 2], [0, 2, 2], labels=[2, 1, 0])
    assert got.tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 1]]


def test_binary_scores():
    y_true, y_pred = [0, 1, 1, 0, 1], [0, 1, 0, 1, 1]
    assert metrics.precision_score(y_true, y_pred) == pytest.approx(2 / 3, abs=1e-12)
    assert metrics.recall_score(y_true, y_pred) == pytest.approx(2 / 3, abs=1e-12)
    assert type(metrics.f1_score(y_true, y_pred)) is float


def test_macro_f1_with_string_labels():
    got = metrics.f1_score(["a", "b", "c", "c"], ["a", "c", "c", "c"], average="macro")
    assert got == pytest.approx(0.6, abs=1e-12)


def test_zero_division_when_nothing_is_predicted_positive():
    assert metrics.precision_score([1, 0], [0, 0], zero_division=1.0) == 1.0
    assert metrics.precision_score([1, 0], [0, 0], zero_division=0.0) == 0.0


def test_binary_with_three_labels_raises():
    with pytest.raises(ValueError):
        metrics.recall_score([0, 1, 2], [0, 1, 2])
