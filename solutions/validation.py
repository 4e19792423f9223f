"""Cross-validation splitters and leakage-free scaled cross-validation (reference answer)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import StandardScaler


def _check_n_splits(n_splits) -> int:
    """Return ``n_splits`` as an int; it must be an integer of at least 2."""
    if not isinstance(n_splits, numbers.Integral):
        raise ValueError(f"n_splits must be an integer, got {n_splits!r}")
    if n_splits < 2:
        raise ValueError(f"n_splits must be at least 2, got {n_splits}")
    return int(n_splits)


def _check_splits(n_samples: int, n_splits) -> int:
    n_splits = _check_n_splits(n_splits)
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

    The samples are put in a random order (``numpy.random.default_rng(seed)``),
    grouped by class with a stable sort, and dealt round-robin over the folds,
    so per-class counts (and overall fold sizes) differ by at most one.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {y.shape}")
    n_samples = len(y)
    n_splits = _check_splits(n_samples, n_splits)
    shuffled = np.random.default_rng(seed).permutation(n_samples)
    by_class = shuffled[np.argsort(y[shuffled], kind="stable")]
    fold_of = np.empty(n_samples, dtype=np.int64)
    fold_of[by_class] = np.arange(n_samples) % n_splits
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
    n_splits = _check_n_splits(n_splits)
    if gap < 0:
        raise ValueError(f"gap must be non-negative, got {gap}")
    if test_size is None:
        test_size = n_samples // (n_splits + 1)
        if test_size < 1:
            raise ValueError(
                f"n_samples={n_samples} is too small: it must be at least n_splits + 1"
            )
    elif test_size < 1:
        raise ValueError(f"test_size must be at least 1, got {test_size}")
    first_test = n_samples - n_splits * test_size
    if first_test - gap <= 0:
        raise ValueError(
            f"too many splits ({n_splits}) for {n_samples} samples "
            f"with test_size={test_size} and gap={gap}"
        )
    indices = np.arange(n_samples)
    splits = []
    for fold in range(n_splits):
        start = first_test + fold * test_size
        splits.append((indices[: start - gap], indices[start : start + test_size]))
    return splits


def scaled_cv_scores(estimator, X, y, n_splits: int = 5) -> np.ndarray:
    """Accuracy per unshuffled K-fold of ``estimator`` trained on standard-scaled features.

    The scaler is fitted on each training fold only and a fresh clone of
    ``estimator`` is fitted per fold; the estimator passed in stays unfitted.
    A 1-D ``X`` is rejected by ``StandardScaler`` with a ValueError.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y have different lengths: {len(X)} != {len(y)}")
    scores = []
    for train_idx, test_idx in kfold_indices(len(X), n_splits):
        scaler = StandardScaler().fit(X[train_idx])
        model = clone(estimator).fit(scaler.transform(X[train_idx]), y[train_idx])
        predictions = model.predict(scaler.transform(X[test_idx]))
        scores.append(np.mean(predictions == y[test_idx]))
    return np.asarray(scores, dtype=float)
