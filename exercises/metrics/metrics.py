"""Precision, recall and F1 from scratch.

Fill in the four functions below. Do not import scikit-learn: this module must
compute everything itself (numpy and the standard library are allowed).
See prompt.md for the full contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Sequence | None = None) -> np.ndarray:
    """Count how often each true label was predicted as each label.

    Args:
        y_true: 1-D array-like of true labels (integers or strings).
        y_pred: 1-D array-like of predicted labels, same length as ``y_true``.
        labels: order of the rows and columns. Default: the sorted union of the
            labels in ``y_true`` and ``y_pred``. Samples whose true or predicted
            label is not listed are ignored.

    Returns:
        An ``(n_labels, n_labels)`` integer array ``C`` where ``C[i, j]`` counts
        the samples with true label ``labels[i]`` predicted as ``labels[j]``.

    Raises:
        ValueError: different lengths, empty input, an empty ``labels``, a
            repeated label in ``labels``, or no label of ``labels`` in ``y_true``.
    """
    raise NotImplementedError


def precision_score(
    y_true: Any,
    y_pred: Any,
    *,
    average: str = "binary",
    pos_label: Any = 1,
    zero_division: float = 0.0,
) -> float:
    """Precision ``tp / (tp + fp)``, equal to ``sklearn.metrics.precision_score``.

    Args:
        y_true: 1-D array-like of true labels (integers or strings).
        y_pred: 1-D array-like of predicted labels, same length.
        average: ``"binary"``, ``"micro"``, ``"macro"`` or ``"weighted"``.
        pos_label: the positive class for ``average="binary"``; ignored otherwise.
        zero_division: the value (0.0 or 1.0) of a ratio whose denominator is 0.

    Returns:
        The score as a built-in Python ``float``.

    Raises:
        ValueError: different lengths, empty input, an unknown ``average``, a
            ``zero_division`` other than 0.0 or 1.0, ``average="binary"`` with
            more than two labels, or with two labels neither of which is
            ``pos_label``.
    """
    raise NotImplementedError


def recall_score(
    y_true: Any,
    y_pred: Any,
    *,
    average: str = "binary",
    pos_label: Any = 1,
    zero_division: float = 0.0,
) -> float:
    """Recall ``tp / (tp + fn)``, equal to ``sklearn.metrics.recall_score``.

    Arguments, return value and errors as in :func:`precision_score`.
    """
    raise NotImplementedError


def f1_score(
    y_true: Any,
    y_pred: Any,
    *,
    average: str = "binary",
    pos_label: Any = 1,
    zero_division: float = 0.0,
) -> float:
    """F1 ``2 tp / (2 tp + fp + fn)``, equal to ``sklearn.metrics.f1_score``.

    Arguments, return value and errors as in :func:`precision_score`.
    """
    raise NotImplementedError
