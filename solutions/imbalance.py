"""Reference answer for the ``imbalance`` exercise: class weights, resampling, thresholds."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def _labels(y: ArrayLike) -> np.ndarray:
    """Return ``y`` as a non-empty 1-D array or raise ``ValueError``."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got an array with {y.ndim} dimensions")
    if y.size == 0:
        raise ValueError("y must not be empty")
    return y


def _dataset(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return ``X`` (2-D) and ``y`` (1-D) as arrays of the same non-zero length."""
    X = np.asarray(X)
    y = _labels(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim} dimensions")
    if len(X) != len(y):
        raise ValueError(f"X and y have different lengths: {len(X)} != {len(y)}")
    return X, y


def class_weights(y: ArrayLike) -> dict[Any, float]:
    """Balanced class weights: ``n_samples / (n_classes * count(label))`` per label."""
    y = _labels(y)
    classes, counts = np.unique(y, return_counts=True)
    weights = y.size / (classes.size * counts)
    return {label.item(): float(w) for label, w in zip(classes, weights, strict=True)}


def _resample(X: np.ndarray, y: np.ndarray, seed: int | None, *, up: bool):
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    parts = []
    if up:
        target = counts.max()
        for label, count in zip(classes, counts, strict=True):
            members = np.flatnonzero(y == label)
            extra = rng.choice(members, size=target - count, replace=True)
            parts.extend([members, extra])
    else:
        target = counts.min()
        for label in classes:
            members = np.flatnonzero(y == label)
            parts.append(rng.choice(members, size=target, replace=False))
    index = np.concatenate(parts)
    return X[index], y[index]


def random_oversample(X: ArrayLike, y: ArrayLike, *, seed: int | None = None):
    """Bring every class up to the majority count by drawing extra rows with replacement.

    Every original row is kept; the output holds, per class, the class's rows followed by
    the extra rows drawn from that class.
    """
    X, y = _dataset(X, y)
    return _resample(X, y, seed, up=True)


def random_undersample(X: ArrayLike, y: ArrayLike, *, seed: int | None = None):
    """Bring every class down to the minority count by drawing rows without replacement."""
    X, y = _dataset(X, y)
    return _resample(X, y, seed, up=False)


def best_threshold(y_true: ArrayLike, y_score: ArrayLike) -> tuple[float, float]:
    """The distinct score ``t`` whose predictions ``y_score >= t`` maximise F1 for label 1.

    Ties (F1 values within 1e-12) go to the highest threshold. Returns Python floats.
    """
    y_true = _labels(y_true)
    y_score = np.asarray(y_score, dtype=float)
    if y_score.ndim != 1 or len(y_score) != len(y_true):
        raise ValueError("y_score must be 1-D with the same length as y_true")
    if not np.all(np.isfinite(y_score)):
        raise ValueError("y_score contains NaN or infinite values")
    if not np.all((y_true == 0) | (y_true == 1)):
        raise ValueError("y_true must contain only the labels 0 and 1")
    positives = int(np.sum(y_true == 1))
    if positives == 0:
        raise ValueError("y_true has no positive samples; F1 is undefined")

    order = np.argsort(-y_score, kind="stable")
    scores = y_score[order]
    tp = np.cumsum(y_true[order] == 1)
    predicted = np.arange(1, scores.size + 1)
    # the last position of each run of equal scores: predictions y_score >= that score
    last = np.flatnonzero(np.append(scores[1:] != scores[:-1], True))
    f1 = 2 * tp[last] / (predicted[last] + positives)
    # thresholds are in decreasing order: the first near-maximal F1 is the highest threshold
    best = int(np.flatnonzero(f1 >= f1.max() - 1e-12)[0])
    return float(scores[last[best]]), float(f1[best])
