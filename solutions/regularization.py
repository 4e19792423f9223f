"""Ridge and lasso regression from scratch (reference answer).

``ridge_fit`` solves the ridge normal equations in closed form; ``lasso_fit``
runs cyclic coordinate descent with soft-thresholding. With an intercept, both
centre ``X`` and ``y`` first, so the intercept is never penalised.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _check_data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return ``X`` (2-D) and ``y`` (1-D) as new float arrays after checking them."""
    X = np.array(X, dtype=float)
    y = np.array(y, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (n_samples,), got shape {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} values")
    if X.size == 0:
        raise ValueError(f"X must have at least one row and one column, got shape {X.shape}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("X and y must not contain NaN or infinite values")
    return X, y


def _check_alpha(alpha: float) -> None:
    """Raise ValueError unless ``alpha`` is a finite number >= 0."""
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")


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
    X, y = _check_data(X, y)
    _check_alpha(alpha)
    # Centring X makes the intercept drop out of the penalised problem; its columns
    # then sum to zero, so Xc.T @ y equals Xc.T @ (y - mean(y)).
    Xc = X - X.mean(axis=0) if fit_intercept else X
    gram = Xc.T @ Xc + alpha * np.eye(X.shape[1])
    coef = np.linalg.solve(gram, Xc.T @ y)
    return coef, _intercept(X, y, coef, fit_intercept)


def _intercept(X: np.ndarray, y: np.ndarray, coef: np.ndarray, fit_intercept: bool) -> float:
    """The unpenalised intercept that goes with ``coef``: mean(y) - mean(X) @ coef."""
    if not fit_intercept:
        return 0.0
    return float(y.mean() - X.mean(axis=0) @ coef)


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
    if not gamma >= 0:
        raise ValueError(f"gamma must be >= 0, got {gamma!r}")
    # numpy's ufuncs accept numbers and array-likes alike: a scalar z gives a
    # numpy.float64 (a float), anything else a float ndarray (0.0 promotes ints).
    return np.sign(z) * np.maximum(np.abs(z) - gamma, 0.0)


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
    X, y = _check_data(X, y)
    _check_alpha(alpha)
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter!r}")
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}")

    Xc = X - X.mean(axis=0) if fit_intercept else X
    n_samples = len(Xc)
    col_sq = (Xc**2).sum(axis=0) / n_samples
    coef = np.zeros(X.shape[1])
    residual = y.copy()  # y - Xc @ coef, up to a constant that Xc's columns ignore
    for _ in range(max_iter):
        previous = coef.copy()
        for j in np.flatnonzero(col_sq):  # a constant or all-zero column keeps 0
            rho = Xc[:, j] @ residual / n_samples + col_sq[j] * coef[j]
            new = soft_threshold(rho, alpha) / col_sq[j]
            residual -= (new - coef[j]) * Xc[:, j]
            coef[j] = new
        if np.max(np.abs(coef - previous)) <= tol:
            break
    return coef, _intercept(X, y, coef, fit_intercept)
