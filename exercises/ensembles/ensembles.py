"""Bagging and boosting building blocks.

Fill in every function and method below. See prompt.md for the full contract.
"""

from __future__ import annotations

import numpy as np


def bootstrap_indices(n_samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw one bootstrap sample of ``range(n_samples)`` using ``rng``.

    Returns ``(in_bag, oob)``: ``in_bag`` is an integer array of ``n_samples``
    indices drawn uniformly with replacement; ``oob`` is the sorted integer
    array of the indices that were never drawn (possibly empty).

    Raises ValueError when ``n_samples < 1``.
    """
    raise NotImplementedError


def majority_vote(predictions) -> np.ndarray:
    """Most frequent label per column of ``predictions`` (shape ``(n_estimators, n_samples)``).

    Ties are broken by the smallest label. Returns an array of shape
    ``(n_samples,)``. Raises ValueError when ``predictions`` is not 2-D or
    has no rows.
    """
    raise NotImplementedError


class BaggingEnsemble:
    """Bootstrap aggregation of clones of ``base_estimator``.

    After ``fit``: ``estimators_`` is the list of ``n_estimators`` fitted clones
    and ``oob_score_`` the out-of-bag accuracy (a float, nan when no sample was
    ever out of bag).
    """

    def __init__(self, base_estimator, n_estimators: int = 10, *, random_state=None):
        """Store the arguments (as ``base_estimator``, ``n_estimators``, ``random_state``)."""
        raise NotImplementedError

    def fit(self, X, y) -> BaggingEnsemble:
        """Fit ``n_estimators`` clones on bootstrap samples, set ``oob_score_``, return ``self``."""
        raise NotImplementedError

    def predict(self, X) -> np.ndarray:
        """Majority vote (ties to the smallest label) of the predictions of ``estimators_``."""
        raise NotImplementedError


def adaboost_update(weights, y_true, y_pred) -> tuple[np.ndarray, float]:
    """One round of discrete AdaBoost with labels in {-1, +1}.

    ``err = sum(weights[y_true != y_pred]) / sum(weights)`` clipped to
    ``[1e-10, 1 - 1e-10]``; ``alpha = 0.5 * ln((1 - err) / err)``;
    ``new_weights = weights * exp(-alpha * y_true * y_pred)`` normalised to sum 1.
    Returns ``(new_weights, alpha)`` with ``alpha`` a Python float.
    """
    raise NotImplementedError
