"""Imbalanced data: class weights, random resampling and threshold tuning.

Fill in every function below. See prompt.md for the full contract.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def class_weights(y: ArrayLike) -> dict[Any, float]:
    """Balanced class weights: ``n_samples / (n_classes * count(label))`` for every label.

    Keys are the distinct labels of ``y``, values Python floats. An empty or 2-D ``y``
    raises ``ValueError``.
    """
    raise NotImplementedError


def random_oversample(
    X: ArrayLike, y: ArrayLike, *, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Bring every class up to the majority count.

    Keeps every original row and adds rows of the smaller classes drawn at random with
    replacement from that class. Returns ``(X_res, y_res)`` as numpy arrays whose rows stay
    aligned; the same ``seed`` gives the same output.
    """
    raise NotImplementedError


def random_undersample(
    X: ArrayLike, y: ArrayLike, *, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Bring every class down to the minority count.

    Keeps, for every class, rows drawn at random without replacement from that class.
    Returns ``(X_res, y_res)`` as numpy arrays whose rows stay aligned; the same ``seed``
    gives the same output.
    """
    raise NotImplementedError


def best_threshold(y_true: ArrayLike, y_score: ArrayLike) -> tuple[float, float]:
    """The distinct score ``t`` whose predictions ``y_score >= t`` give the best F1 for label 1.

    Ties (F1 values within 1e-12) go to the highest threshold. Returns
    ``(threshold, f1)`` as Python floats.
    """
    raise NotImplementedError
