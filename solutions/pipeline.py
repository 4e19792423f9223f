"""Error handling in an ML training pipeline (reference answer)."""

from __future__ import annotations

import logging
from os import PathLike
from typing import Any

import joblib
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

_MODELS = {
    "random_forest": RandomForestClassifier,
    "logistic_regression": LogisticRegression,
}


class ModelTrainingError(Exception):
    """Training a model failed."""


class InsufficientDataError(ModelTrainingError):
    """There are fewer rows than the training step requires."""


def train_model(X, y, model_type="random_forest", *, min_samples=100, random_state=0):
    """Fit and return a scikit-learn classifier.

    Args:
        X: array-like of shape (n_samples, n_features).
        y: array-like of shape (n_samples,).
        model_type: ``"random_forest"`` or ``"logistic_regression"``.
        min_samples: the smallest number of rows accepted (a positive int).
        random_state: passed to the estimator.

    Returns:
        The fitted estimator.

    Raises:
        ValueError: unknown ``model_type``, ``len(X) != len(y)`` or
            ``min_samples < 1``.
        InsufficientDataError: fewer than ``min_samples`` rows.
        ModelTrainingError: the estimator's ``fit`` failed (chained to the
            original error).
    """
    if model_type not in _MODELS:
        allowed = ", ".join(sorted(_MODELS))
        raise ValueError(f"unknown model_type {model_type!r}; allowed types: {allowed}")
    if len(X) != len(y):
        raise ValueError(f"X and y have different lengths: {len(X)} != {len(y)}")
    if min_samples < 1:
        raise ValueError(f"min_samples must be at least 1, got {min_samples}")
    n_samples = len(X)
    if n_samples < min_samples:
        raise InsufficientDataError(
            f"need at least {min_samples} samples to train, got {n_samples}"
        )

    model = _MODELS[model_type](random_state=random_state)
    logger.info("training %s on %d samples", model_type, n_samples)
    try:
        model.fit(X, y)
    except Exception as exc:
        logger.error("training %s failed: %s", model_type, exc)
        raise ModelTrainingError(f"training {model_type} failed: {exc}") from exc
    logger.info("finished training %s on %d samples", model_type, n_samples)
    return model


def train_with_fallback(X, y, model_type="random_forest", *, min_samples=100):
    """Like :func:`train_model`, but fall back to a majority-class baseline.

    On :class:`InsufficientDataError` a fitted
    ``DummyClassifier(strategy="most_frequent")`` is returned and a warning is
    logged. With no rows at all there is nothing to fit: the
    ``InsufficientDataError`` propagates. Every other error propagates unchanged.
    """
    try:
        return train_model(X, y, model_type, min_samples=min_samples)
    except InsufficientDataError as exc:
        if len(X) == 0:
            raise
        logger.warning("falling back to a most-frequent baseline: %s", exc)
        return DummyClassifier(strategy="most_frequent").fit(X, y)


class ModelLoader:
    """Context manager that loads a joblib-saved model for the ``with`` block.

    The file is read in ``__enter__`` (not in the constructor); ``__exit__``
    drops the reference (``self.model = None``) and never suppresses an
    exception.
    """

    def __init__(self, path: str | PathLike[str]) -> None:
        self.path = path
        self.model: Any = None

    def __enter__(self) -> Any:
        self.model = joblib.load(self.path)
        return self.model

    def __exit__(self, exc_type, exc, tb) -> None:
        # Returning None (falsy) lets any exception from the block propagate.
        self.model = None
