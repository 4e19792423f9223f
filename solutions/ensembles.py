"""Bagging and boosting building blocks (reference answer)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import clone

_ERR_CLIP = 1e-10


def bootstrap_indices(n_samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw one bootstrap sample of ``range(n_samples)``.

    Returns ``(in_bag, oob)``: ``in_bag`` holds ``n_samples`` indices drawn
    uniformly with replacement using ``rng``; ``oob`` is the sorted array of
    the indices that were never drawn.
    """
    if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        raise ValueError(f"need at least one sample: n_samples={n_samples!r}")
    in_bag = rng.integers(0, n_samples, size=n_samples)
    drawn = np.zeros(n_samples, dtype=bool)
    drawn[in_bag] = True
    return in_bag, np.flatnonzero(~drawn)


def majority_vote(predictions) -> np.ndarray:
    """Most frequent label in every column of ``predictions`` (n_estimators, n_samples).

    Ties go to the smallest label.
    """
    predictions = np.asarray(predictions)
    if predictions.ndim != 2 or predictions.shape[0] == 0:
        raise ValueError(
            "predictions must have shape (n_estimators, n_samples) with at least one "
            f"estimator, got shape {predictions.shape}"
        )
    if predictions.shape[1] == 0:
        return np.empty(0, dtype=predictions.dtype)
    labels = np.unique(predictions)  # sorted
    counts = np.stack([np.sum(predictions == label, axis=0) for label in labels])
    # argmax returns the first maximum, i.e. the smallest label among the tied ones
    return labels[np.argmax(counts, axis=0)]


class BaggingEnsemble:
    """Bootstrap aggregation of clones of ``base_estimator`` with an out-of-bag score."""

    def __init__(self, base_estimator, n_estimators: int = 10, *, random_state=None):
        self.base_estimator = base_estimator
        self.n_estimators = n_estimators
        self.random_state = random_state

    def fit(self, X, y) -> BaggingEnsemble:
        """Fit ``n_estimators`` clones on bootstrap samples and compute ``oob_score_``.

        An empty ``X`` is rejected by ``bootstrap_indices`` with a ValueError.
        """
        if not isinstance(self.n_estimators, numbers.Integral) or self.n_estimators < 1:
            raise ValueError(f"n_estimators must be a positive integer, got {self.n_estimators!r}")
        X = np.asarray(X)
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"X and y have different lengths: {len(X)} != {len(y)}")
        rng = np.random.default_rng(self.random_state)
        oob_labels = [[] for _ in range(len(X))]
        self.estimators_ = []
        for _ in range(self.n_estimators):
            in_bag, oob = bootstrap_indices(len(X), rng)
            estimator = clone(self.base_estimator).fit(X[in_bag], y[in_bag])
            self.estimators_.append(estimator)
            predicted = estimator.predict(X)
            for index in oob:
                oob_labels[index].append(predicted[index])
        hits = [
            majority_vote(np.reshape(labels, (-1, 1)))[0] == y[index]
            for index, labels in enumerate(oob_labels)
            if labels
        ]
        self.oob_score_ = float(np.mean(hits)) if hits else float("nan")
        return self

    def predict(self, X) -> np.ndarray:
        """Majority vote (ties to the smallest label) of the fitted estimators."""
        if not hasattr(self, "estimators_"):
            raise ValueError("this BaggingEnsemble is not fitted yet; call fit first")
        return majority_vote([estimator.predict(X) for estimator in self.estimators_])


def adaboost_update(weights, y_true, y_pred) -> tuple[np.ndarray, float]:
    """One round of discrete AdaBoost with labels in {-1, +1}.

    Returns ``(new_weights, alpha)`` where ``new_weights`` sums to 1.
    """
    weights, y_true, y_pred = (np.asarray(a) for a in (weights, y_true, y_pred))
    if not len(weights) == len(y_true) == len(y_pred):
        raise ValueError(
            f"lengths differ: weights {len(weights)}, y_true {len(y_true)}, y_pred {len(y_pred)}"
        )
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.all(np.isin(labels, (-1, 1))):
            raise ValueError(f"{name} must contain only -1 and +1")
    if np.any(weights < 0) or not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        raise ValueError("weights must be non-empty, finite and non-negative with a positive sum")
    err = weights[y_true != y_pred].sum() / weights.sum()
    err = float(np.clip(err, a_min=_ERR_CLIP, a_max=1 - _ERR_CLIP))
    alpha = 0.5 * np.log((1 - err) / err)
    new_weights = weights * np.exp(np.where(y_true == y_pred, -alpha, alpha))
    return new_weights / new_weights.sum(), float(alpha)
