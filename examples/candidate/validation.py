"""Cross-validation splitters and leakage-free scaled cross-validation (reference answer)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import StandardScaler


def _check_int(value, name: str) -> int:
    """Return ``value`` as an int, rejecting bools, floats and other types."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def _check_splits(n_samples: int, n_splits) -> int:
    n_splits = _check_int(n_splits, "n_splits")
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    if n_splits > n_samples:
        raise ValueError(f"n_splits={n_splits} is greater than the number of samples {n_samples}")
    return n_splits


def _complement(test_idx: np.ndarray, n_samples: int) -> np.ndarray:
    mask = np.ones(n_samples, dtype=bool)
    mask[test_idx] = False
    return np.flatnonzero(mask)


def kfold_indices(
    n_samples: int, n_splits: int = 5, *, shuffle: bool = False, seed: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split ``range(n_samples)`` into ``n_splits`` consecutive (optionally shuffled) folds.

    Returns a list of ``(train_idx, test_idx)`` pairs of sorted integer arrays.
    Unshuffled, the folds equal scikit-learn's ``KFold(n_splits).split``; the
    first ``n_samples % n_splits`` folds hold one extra index.
    """
    n_samples = _check_int(n_samples, "n_samples")
    n_splits = _check_splits(n_samples, n_splits)
    order = np.arange(n_samples)
    if shuffle:
        order = np.random.default_rng(seed).permutation(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    splits = []
    start = 0
    for size in sizes:
        test_idx = np.sort(order[start : start + size])
        splits.append((_complement(test_idx, n_samples), test_idx))
        start += size
    return splits


def stratified_kfold_indices(
    y, n_splits: int = 5, *, seed: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds: each class is spread over the test folds as evenly as possible.

    The members of every class are shuffled with ``numpy.random.default_rng(seed)``
    and dealt round-robin over the folds, continuing where the previous class
    stopped, so per-class counts (and overall fold sizes) differ by at most one.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {y.shape}")
    n_samples = len(y)
    n_splits = _check_splits(n_samples, n_splits)
    rng = np.random.default_rng(seed)
    _, codes = np.unique(y, return_inverse=True)
    fold_of = np.empty(n_samples, dtype=np.int64)
    position = 0
    for code in range(codes.max() + 1):
        members = rng.permutation(np.flatnonzero(codes == code))
        fold_of[members] = (position + np.arange(len(members))) % n_splits
        position += len(members)
    splits = []
    for fold in range(n_splits):
        test_idx = np.flatnonzero(fold_of == fold)
        splits.append((np.flatnonzero(fold_of != fold), test_idx))
    return splits


def time_series_split(
    n_samples: int, n_splits: int = 5, *, gap: int = 0, test_size: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window splits, identical to scikit-learn's ``TimeSeriesSplit``.

    Each test fold has ``test_size`` indices (default ``n_samples // (n_splits + 1)``);
    the folds end at ``n_samples``; training uses every index before the test fold
    except the last ``gap`` ones.
    """
    n_samples = _check_int(n_samples, "n_samples")
    n_splits = _check_int(n_splits, "n_splits")
    gap = _check_int(gap, "gap")
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    if gap < 0:
        raise ValueError(f"gap must be non-negative, got {gap}")
    if n_splits + 1 > n_samples:
        raise ValueError(
            f"n_splits + 1 = {n_splits + 1} folds is more than the number of samples {n_samples}"
        )
    if test_size is None:
        test_size = n_samples // (n_splits + 1)
    else:
        test_size = _check_int(test_size, "test_size")
        if test_size < 1:
            raise ValueError(f"test_size must be at least 1, got {test_size}")
    first_test = n_samples - n_splits * test_size
    if first_test - gap <= 0:
        raise ValueError(
            f"too many splits ({n_splits}) for {n_samples} samples "
            f"with test_size={test_size} and gap={gap}"
        )
    indices = np.arange(n_samples)
    return [
        (indices[: start - gap], indices[start : start + test_size])
        for start in range(first_test, n_samples, test_size)
    ]


def scaled_cv_scores(estimator, X, y, n_splits: int = 5) -> np.ndarray:
    """Accuracy per unshuffled K-fold of ``estimator`` trained on standard-scaled features.

    The scaler is fitted on each training fold only and a fresh clone of
    ``estimator`` is fitted per fold; the estimator passed in stays unfitted.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be two-dimensional, got shape {X.shape}")
    if len(X) != len(y):
        raise ValueError(f"X and y have different lengths: {len(X)} != {len(y)}")
    scores = []
    scaler = StandardScaler().fit(X)
    for train_idx, test_idx in kfold_indices(len(X), n_splits):
        model = clone(estimator).fit(scaler.transform(X[train_idx]), y[train_idx])
        predictions = model.predict(scaler.transform(X[test_idx]))
        scores.append(np.mean(predictions == y[test_idx]))
    return np.asarray(scores, dtype=float)
