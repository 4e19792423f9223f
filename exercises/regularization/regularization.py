"""Ridge and lasso regression from scratch.

Fill in the three functions below. Do not import scikit-learn: numpy and the
standard library are allowed. See prompt.md for the full contract.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def ridge_fit(
    X: Any, y: Any, alpha: float = 1.0, *, fit_intercept: bool = True
) -> tuple[np.ndarray, float]:
    """Fit ridge regression in closed form.

    Minimises ``||y - X w - b||^2 + alpha * ||w||^2`` (scikit-learn's ``Ridge``);
    the intercept ``b`` is not penalised.

    Args:
        X: array-like of shape ``(n_samples, n_features)``.
        y: array-like of shape ``(n_samples,)``.
        alpha: regularisation strength, a finite number ``>= 0``.
        fit_intercept: fit ``b``; when False, ``b`` is 0.0.

    Returns:
        ``(coef, intercept)``: a float array of shape ``(n_features,)`` and a float.

    Raises:
        ValueError: bad shapes, mismatched lengths, empty or non-finite data, or
            a negative or non-finite ``alpha``.
    """
    raise NotImplementedError


def soft_threshold(z: Any, gamma: float) -> Any:
    """Elementwise ``sign(z) * max(|z| - gamma, 0)``.

    Args:
        z: a number or an array-like.
        gamma: threshold, a number ``>= 0``.

    Returns:
        A float for a scalar ``z``; otherwise a float ndarray of ``z``'s shape.

    Raises:
        ValueError: ``gamma`` negative or NaN.
    """
    raise NotImplementedError


def lasso_fit(
    X: Any,
    y: Any,
    alpha: float = 1.0,
    *,
    fit_intercept: bool = True,
    max_iter: int = 1000,
    tol: float = 1e-4,
) -> tuple[np.ndarray, float]:
    """Fit the lasso by cyclic coordinate descent.

    Minimises ``(1 / (2 n)) * ||y - X w - b||^2 + alpha * ||w||_1``; the
    intercept ``b`` is not penalised. Starts from ``w = 0`` and stops after the
    first full sweep in which no coefficient moved by more than ``tol``, or after
    ``max_iter`` sweeps.

    Args:
        X: array-like of shape ``(n_samples, n_features)``.
        y: array-like of shape ``(n_samples,)``.
        alpha: L1 strength, a finite number ``>= 0``.
        fit_intercept: fit ``b``; when False, ``b`` is 0.0.
        max_iter: maximum number of sweeps, an integer ``>= 1``.
        tol: stopping threshold on the largest coefficient change, ``>= 0``.

    Returns:
        ``(coef, intercept)``: a float array of shape ``(n_features,)`` and a float.

    Raises:
        ValueError: bad data (as in :func:`ridge_fit`), a negative or non-finite
            ``alpha``, ``max_iter < 1`` or a negative ``tol``.
    """
    raise NotImplementedError
