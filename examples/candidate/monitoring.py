"""Alternative correct answer: pure Python (bisect, loops, a ring buffer), no numpy maths."""

import bisect
import math


def _sample(values, name):
    if hasattr(values, "tolist"):
        values = values.tolist()
    out = []
    for v in values:
        if isinstance(v, (list, tuple)):
            raise ValueError(f"{name} must be one-dimensional")
        x = float(v)
        if not math.isfinite(x):
            raise ValueError(f"{name} contains a non-finite value: {v!r}")
        out.append(x)
    if not out:
        raise ValueError(f"{name} is empty")
    return out


def _quantile(sorted_values, q):
    """Linear-interpolation quantile (numpy's default method)."""
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def psi(reference, current, *, bins=10, eps=1e-4):
    ref = sorted(_sample(reference, "reference"))
    cur = _sample(current, "current")
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 1:
        raise ValueError("bins must be an integer of at least 1")
    if not (eps > 0 and math.isfinite(eps)):
        raise ValueError("eps must be a positive finite number")
    inner = [_quantile(ref, i / bins) for i in range(1, bins)]

    def shares(values):
        counts = [0] * bins
        for v in values:
            counts[bisect.bisect_right(inner, v)] += 1
        return [max(c / len(values), eps) for c in counts]

    total = 0.0
    for r, c in zip(shares(ref), shares(cur)):
        total += (c - r) * math.log(c / r)
    return total


def ks_statistic(reference, current):
    a = sorted(_sample(reference, "reference"))
    b = sorted(_sample(current, "current"))
    i = j = 0
    best = 0.0
    while i < len(a) and j < len(b):
        x = min(a[i], b[j])
        while i < len(a) and a[i] == x:
            i += 1
        while j < len(b) and b[j] == x:
            j += 1
        best = max(best, abs(i / len(a) - j / len(b)))
    return best


def detect_drift(reference, current, *, psi_threshold=0.2, ks_threshold=0.1):
    p = psi(reference, current)
    k = ks_statistic(reference, current)
    return {"psi": p, "ks": k, "drifted": (p > psi_threshold) | (k > ks_threshold)}


class RollingAccuracy:
    def __init__(self, window=100):
        if not isinstance(window, int) or window < 1:
            raise ValueError(f"window must be a positive integer, not {window!r}")
        self._ring = [0] * window
        self._pos = 0
        self._filled = 0
        self._sum = 0

    def update(self, prediction, actual):
        hit = 1 if prediction == actual else 0
        self._sum += hit - self._ring[self._pos]
        self._ring[self._pos] = hit
        self._pos = (self._pos + 1) % len(self._ring)
        self._filled = min(self._filled + 1, len(self._ring))

    @property
    def value(self):
        return None if self._filled == 0 else self._sum / self._filled
