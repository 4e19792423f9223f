"""Cross-validation without leakage.

Fill in every function below. See prompt.md for the full contract.
"""

from __future__ import annotations

import numpy as np


def kfold_indices(
    n_samples: int, n_splits: int = 5, *, shuffle: bool = False, seed: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split ``range(n_samples)`` into ``n_splits`` folds.

    Returns a list of ``n_splits`` pairs ``(train_idx, test_idx)`` of 1-D integer
    arrays. Unshuffled, the result is identical to scikit-learn's
    ``KFold(n_splits).split``. With ``shuffle=True`` the indices are shuffled with
    ``numpy.random.default_rng(seed)`` first; the test folds still partition
    ``range(n_samples)`` and have the same sizes (the first
    ``n_samples % n_splits`` folds hold one extra index).

    Raises ValueError when ``n_splits < 2`` or ``n_splits > n_samples``.
    """
    raise NotImplementedError


def stratified_kfold_indices(
    y, n_splits: int = 5, *, seed: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified K-fold split of the labels ``y``.

    Returns a list of ``n_splits`` pairs ``(train_idx, test_idx)`` of 1-D integer
    arrays: the test folds partition ``range(len(y))``, each train fold is the
    complement of its test fold, no test fold is empty, and for every class the
    number of its members in each test fold differs by at most one across folds.

    Raises ValueError when ``n_splits < 2`` or ``n_splits > len(y)``.
    """
    raise NotImplementedError


def time_series_split(
    n_samples: int, n_splits: int = 5, *, gap: int = 0, test_size: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window splits, identical to scikit-learn's
    ``TimeSeriesSplit(n_splits, gap=gap, test_size=test_size).split``.

    Returns a list of ``n_splits`` pairs ``(train_idx, test_idx)`` of 1-D integer
    arrays. Raises ValueError where ``TimeSeriesSplit`` raises, and also for
    ``gap < 0`` and ``test_size < 1``.
    """
    raise NotImplementedError


def scaled_cv_scores(estimator, X, y, n_splits: int = 5) -> np.ndarray:
    """Accuracy per fold of ``estimator`` trained on standard-scaled features.

    Uses unshuffled K-fold; the scaler is fitted on the training fold only and
    a fresh clone of ``estimator`` is fitted on each fold, so the estimator
    passed in is never fitted. The result equals
    ``cross_val_score(make_pipeline(StandardScaler(), estimator), X, y, cv=KFold(n_splits))``
    as a float64 array of shape ``(n_splits,)``.
    """
    raise NotImplementedError
