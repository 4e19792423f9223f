"""Errors in an ML pipeline.

Fill in every function and method below. Read prompt.md for the full contract.
"""

from __future__ import annotations

import logging
from os import PathLike
from typing import Any

logger = logging.getLogger(__name__)


class ModelTrainingError(Exception):
    """Training a model failed."""


class InsufficientDataError(ModelTrainingError):
    """There are fewer rows than the training step requires."""


def train_model(X, y, model_type="random_forest", *, min_samples=100, random_state=0):
    """Fit and return a scikit-learn classifier.

    Args:
        X: array-like of shape (n_samples, n_features).
        y: array-like of shape (n_samples,).
        model_type: ``"random_forest"`` (RandomForestClassifier) or
            ``"logistic_regression"`` (LogisticRegression).
        min_samples: the smallest number of rows accepted (an int >= 1).
        random_state: passed to the estimator's constructor.

    Returns:
        The fitted estimator.

    Raises:
        ValueError: unknown ``model_type`` (the message lists the allowed
            types), ``len(X) != len(y)``, or ``min_samples < 1``.
        InsufficientDataError: fewer than ``min_samples`` rows.
        ModelTrainingError: the estimator's ``fit`` raised (chained with
            ``raise ... from``).
    """
    raise NotImplementedError


def train_with_fallback(X, y, model_type="random_forest", *, min_samples=100):
    """Like ``train_model``, but fall back to a majority-class baseline.

    On ``InsufficientDataError`` return a fitted
    ``DummyClassifier(strategy="most_frequent")`` and log a WARNING. With zero
    rows the ``InsufficientDataError`` propagates. Every other error
    propagates unchanged.
    """
    raise NotImplementedError


class ModelLoader:
    """Context manager that loads a joblib-saved model for a ``with`` block.

    ``ModelLoader(path)`` stores ``path`` and sets ``self.model = None``
    without touching the file system. ``__enter__`` loads the model with
    ``joblib.load``, stores it in ``self.model`` and returns it (a missing
    file raises ``FileNotFoundError``). ``__exit__`` sets ``self.model = None``
    and never suppresses an exception.
    """

    def __init__(self, path: str | PathLike[str]) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        raise NotImplementedError

    def __exit__(self, exc_type, exc, tb) -> None:
        raise NotImplementedError
