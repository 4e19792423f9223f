"""Precision, recall and F1 from scratch (reference answer).

Every function agrees with ``sklearn.metrics`` for the same arguments, without
importing scikit-learn. Counts come from a confusion matrix built with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

AVERAGES = ("binary", "micro", "macro", "weighted")
ZERO_DIVISION = (0.0, 1.0)


def _check_targets(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return both label vectors as 1-D arrays after checking length and emptiness."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D, got shapes {y_true.shape} and {y_pred.shape}"
        )
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred have different lengths: {len(y_true)} != {len(y_pred)}"
        )
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty; at least one sample is required")
    return y_true, y_pred


def _counts(y_true: np.ndarray, y_pred: np.ndarray, labels: list) -> np.ndarray:
    """Confusion matrix of already checked targets over ``labels`` (unknown labels ignored)."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for true, pred in zip(y_true.tolist(), y_pred.tolist(), strict=False):  # lengths checked
        if true in index and pred in index:
            matrix[index[true], index[pred]] += 1
    return matrix


def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Sequence | None = None) -> np.ndarray:
    """Count how often each true label was predicted as each label.

    Args:
        y_true: 1-D array-like of true labels (integers or strings).
        y_pred: 1-D array-like of predicted labels, same length as ``y_true``.
        labels: order of the rows and columns. Default: the sorted union of the
            labels in ``y_true`` and ``y_pred``. Samples whose true or predicted
            label is not listed are ignored.

    Returns:
        An ``(n_labels, n_labels)`` int64 array ``C`` where ``C[i, j]`` counts the
        samples with true label ``labels[i]`` predicted as ``labels[j]``.

    Raises:
        ValueError: different lengths, empty input, an empty ``labels``, a
            repeated label in ``labels``, or no label of ``labels`` in ``y_true``.
    """
    y_true, y_pred = _check_targets(y_true, y_pred)
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred])).tolist()
    else:
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels must not contain duplicates, got {labels!r}")
        present = set(y_true.tolist())
        if not any(label in present for label in labels):  # also rejects labels=[]
            raise ValueError("labels must contain at least one label that occurs in y_true")
    return _counts(y_true, y_pred, labels)


def _divide(numerator: np.ndarray, denominator: np.ndarray, zero_division: float) -> np.ndarray:
    """Elementwise ratio; ``zero_division`` where the denominator is zero."""
    result = np.full(numerator.shape, float(zero_division))
    defined = denominator > 0
    result[defined] = numerator[defined] / denominator[defined]
    return result


def _precision_recall_f1(
    y_true: Any, y_pred: Any, average: str, pos_label: Any, zero_division: float
) -> tuple[float, float, float]:
    """Precision, recall and F1 for one averaging mode."""
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {AVERAGES}, got {average!r}")
    if zero_division not in ZERO_DIVISION:
        raise ValueError(f"zero_division must be 0.0 or 1.0, got {zero_division!r}")
    y_true, y_pred = _check_targets(y_true, y_pred)
    labels = np.unique(np.concatenate([y_true, y_pred])).tolist()
    matrix = _counts(y_true, y_pred, labels)
    tp = np.diag(matrix).astype(float)
    fp = matrix.sum(axis=0) - tp
    fn = matrix.sum(axis=1) - tp
    support = matrix.sum(axis=1).astype(float)

    if average == "binary":
        if len(labels) > 2:
            raise ValueError(
                f"average='binary' needs at most two labels, got {len(labels)}: {labels!r}; "
                "choose 'micro', 'macro' or 'weighted'"
            )
        if pos_label not in labels:
            if len(labels) == 2:
                raise ValueError(f"pos_label={pos_label!r} is not one of the labels {labels!r}")
            # a single label that is not pos_label: tp = fp = fn = 0, every ratio undefined
            undefined = float(zero_division)
            return undefined, undefined, undefined
        i = labels.index(pos_label)
        tp, fp, fn = tp[i : i + 1], fp[i : i + 1], fn[i : i + 1]
    elif average == "micro":
        tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)

    precision = _divide(tp, tp + fp, zero_division)
    recall = _divide(tp, tp + fn, zero_division)
    f1 = _divide(2 * tp, 2 * tp + fp + fn, zero_division)

    if average == "weighted":
        weights = support / support.sum()
        return tuple(float(np.sum(score * weights)) for score in (precision, recall, f1))
    return tuple(float(np.mean(score)) for score in (precision, recall, f1))


def precision_score(
    y_true: Any,
    y_pred: Any,
    *,
    average: str = "binary",
    pos_label: Any = 1,
    zero_division: float = 0.0,
) -> float:
    """Precision ``tp / (tp + fp)``, as ``sklearn.metrics.precision_score``.

    Args:
        y_true: 1-D array-like of true labels (integers or strings).
        y_pred: 1-D array-like of predicted labels, same length.
        average: ``"binary"`` (the ``pos_label`` class only), ``"micro"`` (global
            counts), ``"macro"`` (unweighted mean over labels) or ``"weighted"``
            (mean weighted by each label's support in ``y_true``).
        pos_label: the positive class for ``average="binary"``; ignored otherwise.
        zero_division: the value (0.0 or 1.0) of a ratio whose denominator is 0.

    Returns:
        The score as a Python ``float``.

    Raises:
        ValueError: different lengths, empty input, an unknown ``average``, a
            ``zero_division`` other than 0.0 or 1.0, ``average="binary"`` with
            more than two labels, or with two labels neither of which is
            ``pos_label``.
    """
    return _precision_recall_f1(y_true, y_pred, average, pos_label, zero_division)[0]


def recall_score(
    y_true: Any,
    y_pred: Any,
    *,
    average: str = "binary",
    pos_label: Any = 1,
    zero_division: float = 0.0,
) -> float:
    """Recall ``tp / (tp + fn)``, as ``sklearn.metrics.recall_score``.

    Arguments, return value and errors as in :func:`precision_score`.
    """
    return _precision_recall_f1(y_true, y_pred, average, pos_label, zero_division)[1]


def f1_score(
    y_true: Any,
    y_pred: Any,
    *,
    average: str = "binary",
    pos_label: Any = 1,
    zero_division: float = 0.0,
) -> float:
    """F1 ``2 tp / (2 tp + fp + fn)``, as ``sklearn.metrics.f1_score``.

    For ``"macro"`` and ``"weighted"`` the per-label F1 values are averaged (not
    the harmonic mean of the averaged precision and recall). Arguments, return
    value and errors as in :func:`precision_score`.
    """
    return _precision_recall_f1(y_true, y_pred, average, pos_label, zero_division)[2]
