"""Drift detection and live accuracy for a deployed model.

Fill in every function and method below. See prompt.md for the full contract.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import ArrayLike


def psi(reference: ArrayLike, current: ArrayLike, *, bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of ``current`` against ``reference``.

    Bin edges are ``np.quantile(reference, np.linspace(0, 1, bins + 1))`` with the outer
    edges widened to -inf and +inf; a value equal to an inner edge belongs to the bin on
    its right. The proportion of each sample per bin is clipped below at ``eps`` (no
    renormalisation) and ``PSI = sum((cur - ref) * ln(cur / ref))``.

    Raises ``ValueError`` for an empty, 2-D or non-finite sample, ``bins`` that is not an
    integer >= 1, or ``eps <= 0``. Returns a Python float.
    """
    raise NotImplementedError


def ks_statistic(reference: ArrayLike, current: ArrayLike) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (as ``scipy.stats.ks_2samp(...).statistic``).

    Raises ``ValueError`` for an empty, 2-D or non-finite sample. Returns a Python float.
    """
    raise NotImplementedError


def detect_drift(
    reference: ArrayLike,
    current: ArrayLike,
    *,
    psi_threshold: float = 0.2,
    ks_threshold: float = 0.1,
) -> dict[str, Any]:
    """Return ``{"psi": float, "ks": float, "drifted": bool}`` (plain Python types).

    ``drifted`` is True when the PSI is strictly above ``psi_threshold`` or the KS
    statistic is strictly above ``ks_threshold``.
    """
    raise NotImplementedError


class RollingAccuracy:
    """Accuracy over the last ``window`` (prediction, actual) pairs.

    ``update`` and ``value`` both cost O(1), whatever the window.
    """

    def __init__(self, window: int = 100) -> None:
        """Start with no pairs. ``window`` must be an integer >= 1, else ``ValueError``."""
        raise NotImplementedError

    def update(self, prediction: Any, actual: Any) -> None:
        """Record one prediction and its true label (correct when ``prediction == actual``)."""
        raise NotImplementedError

    @property
    def value(self) -> float | None:
        """Accuracy (Python float) over the last ``window`` pairs; ``None`` before any update."""
        raise NotImplementedError
