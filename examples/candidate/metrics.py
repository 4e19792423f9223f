"""Precision, recall and F1 with plain Python loops and dictionaries (no numpy maths)."""

from collections import Counter

import numpy as np


def _as_list(y):
    if isinstance(y, np.ndarray):
        return y.tolist()
    return list(y)


def _targets(y_true, y_pred):
    for y in (y_true, y_pred):
        if np.ndim(y) != 1:
            raise ValueError(f"expected a 1-D sequence of labels, got {np.ndim(y)} dimensions")
    y_true, y_pred = _as_list(y_true), _as_list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"length mismatch: {len(y_true)} vs {len(y_pred)}")
    if not y_true:
        raise ValueError("empty input")
    return y_true, y_pred


def confusion_matrix(y_true, y_pred, *, labels=None):
    y_true, y_pred = _targets(y_true, y_pred)
    if labels is None:
        labels = sorted(set(y_true) | set(y_pred))
    else:
        labels = _as_list(labels)
        if not labels:
            raise ValueError("labels is empty")
        if len(set(labels)) < len(labels):
            raise ValueError("labels has duplicates")
        if all(label not in y_true for label in labels):
            raise ValueError("no label of labels is in y_true")
    position = {}
    for i, label in enumerate(labels):
        position[label] = i
    out = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        if t in position and p in position:
            out[position[t], position[p]] += 1
    return out


def _ratio(num, den, zero_division):
    if den == 0:
        return float(zero_division)
    return num / den


def _scores(y_true, y_pred, average, pos_label, zero_division):
    if average not in ("binary", "micro", "macro", "weighted"):
        raise ValueError(f"unknown average {average!r}")
    if not (isinstance(zero_division, (int, float)) and zero_division in (0, 1)):
        raise ValueError(f"zero_division must be 0.0 or 1.0, got {zero_division!r}")
    y_true, y_pred = _targets(y_true, y_pred)
    labels = sorted(set(y_true) | set(y_pred))

    tp, fp, fn = Counter(), Counter(), Counter()
    for t, p in zip(y_true, y_pred, strict=True):
        if t == p:
            tp[t] += 1
        else:
            fp[p] += 1
            fn[t] += 1
    support = Counter(y_true)

    def one(c):
        return (
            _ratio(tp[c], tp[c] + fp[c], zero_division),
            _ratio(tp[c], tp[c] + fn[c], zero_division),
            _ratio(2 * tp[c], 2 * tp[c] + fp[c] + fn[c], zero_division),
        )

    if average == "binary":
        if len(labels) > 2:
            raise ValueError("average='binary' but there are more than two labels")
        if pos_label not in labels and len(labels) == 2:
            raise ValueError(f"pos_label {pos_label!r} not in {labels}")
        return one(pos_label)  # Counters give 0 for an absent label
    if average == "micro":
        a, b, c = sum(tp.values()), sum(fp.values()), sum(fn.values())
        return (
            _ratio(a, a + b, zero_division),
            _ratio(a, a + c, zero_division),
            _ratio(2 * a, 2 * a + b + c, zero_division),
        )
    per_label = [one(c) for c in labels]
    if average == "macro":
        weights = [1.0] * len(labels)
    else:
        weights = [float(support[c]) for c in labels]
    total = sum(weights)
    return tuple(
        sum(w * s[k] for w, s in zip(weights, per_label, strict=True)) / total for k in range(3)
    )


def precision_score(y_true, y_pred, *, average="binary", pos_label=1, zero_division=0.0):
    return float(_scores(y_true, y_pred, average, pos_label, zero_division)[0])


def recall_score(y_true, y_pred, *, average="binary", pos_label=1, zero_division=0.0):
    return float(_scores(y_true, y_pred, average, pos_label, zero_division)[1])


def f1_score(y_true, y_pred, *, average="binary", pos_label=1, zero_division=0.0):
    return float(_scores(y_true, y_pred, average, pos_label, zero_division)[2])
