"""Alternative correct answer for `ensembles`: Counter-based votes, explicit loops."""

import math
from collections import Counter

import numpy as np
from sklearn.base import clone


def bootstrap_indices(n_samples, rng):
    if n_samples < 1:
        raise ValueError("need at least one sample")
    in_bag = rng.choice(n_samples, size=n_samples, replace=True)
    present = set(in_bag.tolist())
    oob = np.array([i for i in range(n_samples) if i not in present], dtype=np.int64)
    return in_bag, oob


def _vote(labels):
    counts = Counter(labels)
    top = max(counts.values())
    return min(label for label, count in counts.items() if count == top)


def majority_vote(predictions):
    array = np.array(predictions)
    if array.ndim != 2:
        raise ValueError("predictions must be 2-D: (n_estimators, n_samples)")
    if array.shape[0] < 1:
        raise ValueError("predictions needs at least one estimator row")
    winners = [_vote(array[:, column].tolist()) for column in range(array.shape[1])]
    return np.array(winners, dtype=array.dtype)


class BaggingEnsemble:
    def __init__(self, base_estimator, n_estimators=10, *, random_state=None):
        if not isinstance(n_estimators, int) or n_estimators < 1:
            raise ValueError("n_estimators must be a positive int")
        self.base_estimator = base_estimator
        self.n_estimators = n_estimators
        self.random_state = random_state

    def fit(self, X, y):
        X = np.array(X)
        y = np.array(y)
        if X.shape[0] != y.shape[0]:
            raise ValueError("X and y need the same number of rows")
        if X.shape[0] == 0:
            raise ValueError("X is empty")
        n = X.shape[0]
        rng = np.random.default_rng(self.random_state)
        self.estimators_ = []
        ballots = {}
        for _ in range(self.n_estimators):
            in_bag, oob = bootstrap_indices(n, rng)
            model = clone(self.base_estimator)
            model.fit(X[in_bag], y[in_bag])
            self.estimators_.append(model)
            if oob.size:
                for i, label in zip(oob.tolist(), model.predict(X[oob]).tolist(), strict=True):
                    ballots.setdefault(i, []).append(label)
        if ballots:
            hits = [_vote(ballots[i]) == y[i].item() for i in sorted(ballots)]
            self.oob_score_ = sum(hits) / len(hits)
        else:
            self.oob_score_ = math.nan
        return self

    def predict(self, X):
        if not getattr(self, "estimators_", None):
            raise ValueError("call fit before predict")
        return majority_vote(np.vstack([model.predict(X) for model in self.estimators_]))


def adaboost_update(weights, y_true, y_pred):
    w = [float(v) for v in weights]
    yt = list(y_true)
    yp = list(y_pred)
    if not (len(w) == len(yt) == len(yp)) or not w:
        raise ValueError("weights, y_true and y_pred must be non-empty and of equal length")
    if any(label not in (-1, 1) for label in yt + yp):
        raise ValueError("labels must be -1 or +1")
    if any(not math.isfinite(v) or v < 0 for v in w) or sum(w) == 0:
        raise ValueError("weights must be finite, non-negative, not all zero")
    total = sum(w)
    err = sum(v for v, t, p in zip(w, yt, yp, strict=True) if t != p) / total
    err = min(max(err, 1e-10), 1 - 1e-10)
    alpha = 0.5 * math.log((1 - err) / err)
    updated = [v * math.exp(-alpha * t * p) for v, t, p in zip(w, yt, yp, strict=True)]
    norm = sum(updated)
    return np.array([v / norm for v in updated]), alpha
