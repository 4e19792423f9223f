"""Reference answer for the ``monitoring`` exercise: drift detection and live accuracy."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def _as_sample(values: ArrayLike, name: str) -> np.ndarray:
    """Return ``values`` as a finite, non-empty 1-D float array or raise ``ValueError``."""
    arr = np.asarray(values, dtype=float)  # non-numeric strings raise ValueError here
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array with {arr.ndim} dimensions")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def psi(reference: ArrayLike, current: ArrayLike, *, bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of ``current`` against ``reference``.

    Bin edges are the reference quantiles at ``0, 1/bins, ..., 1``; the outer edges are
    widened to -inf and +inf and a value equal to an inner edge belongs to the bin on its
    right. Per-bin proportions are clipped below at ``eps`` (not renormalised) and
    ``PSI = sum((cur - ref) * ln(cur / ref))``.
    """
    ref = _as_sample(reference, "reference")
    cur = _as_sample(current, "current")
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be an integer >= 1, got {bins!r}")
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")

    inner_edges = np.quantile(ref, np.linspace(0.0, 1.0, bins + 1))[1:-1]
    # side="right": a value equal to an edge lands in the bin to the right of that edge.
    ref_counts = np.bincount(np.searchsorted(inner_edges, ref, side="right"), minlength=bins)
    cur_counts = np.bincount(np.searchsorted(inner_edges, cur, side="right"), minlength=bins)
    ref_prop = np.maximum(ref_counts / ref.size, eps)
    cur_prop = np.maximum(cur_counts / cur.size, eps)
    return float(np.sum((cur_prop - ref_prop) * np.log(cur_prop / ref_prop)))


def ks_statistic(reference: ArrayLike, current: ArrayLike) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two ECDFs."""
    ref = np.sort(_as_sample(reference, "reference"))
    cur = np.sort(_as_sample(current, "current"))
    points = np.concatenate([ref, cur])
    cdf_ref = np.searchsorted(ref, points, side="right") / ref.size
    cdf_cur = np.searchsorted(cur, points, side="right") / cur.size
    return float(np.max(np.abs(cdf_ref - cdf_cur)))


def detect_drift(
    reference: ArrayLike,
    current: ArrayLike,
    *,
    psi_threshold: float = 0.2,
    ks_threshold: float = 0.1,
) -> dict[str, Any]:
    """Return ``{"psi": float, "ks": float, "drifted": bool}`` for ``current`` vs ``reference``.

    ``drifted`` is True when the PSI is strictly above ``psi_threshold`` or the KS
    statistic is strictly above ``ks_threshold``.
    """
    psi_value = psi(reference, current)
    ks_value = ks_statistic(reference, current)
    drifted = psi_value > psi_threshold or ks_value > ks_threshold
    return {"psi": psi_value, "ks": ks_value, "drifted": bool(drifted)}


class RollingAccuracy:
    """Accuracy over the last ``window`` (prediction, actual) pairs, O(1) per update."""

    def __init__(self, window: int = 100) -> None:
        if not isinstance(window, (int, np.integer)) or window < 1:
            raise ValueError(f"window must be an integer >= 1, got {window!r}")
        self.window = int(window)
        self._hits: deque[bool] = deque()
        self._correct = 0

    def update(self, prediction: Hashable, actual: Hashable) -> None:
        """Record one prediction and its true label."""
        hit = bool(prediction == actual)
        self._hits.append(hit)
        self._correct += hit
        if len(self._hits) > self.window:
            self._correct -= self._hits.popleft()

    @property
    def value(self) -> float | None:
        """Accuracy over the last ``window`` pairs, or ``None`` before the first update."""
        if not self._hits:
            return None
        return self._correct / len(self._hits)
