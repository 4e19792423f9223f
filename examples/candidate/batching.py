"""Mini-batch generators for training loops (reference answer)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

Batch = tuple[np.ndarray, np.ndarray]


def _as_array(data: Any) -> np.ndarray:
    """Return ``data`` as an array without copying numpy arrays (memmaps stay memmaps)."""
    return data if isinstance(data, np.ndarray) else np.asarray(data)


def _check_batch_args(X: np.ndarray, y: np.ndarray, batch_size: int) -> None:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")


def batch_generator(
    X: Any,
    y: Any,
    batch_size: int = 32,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    drop_last: bool = False,
) -> Iterator[Batch]:
    """Yield ``(X_batch, y_batch)`` pairs covering every row once.

    Only an index permutation is built; rows are read from ``X`` batch by
    batch, so ``X`` may be a ``numpy.memmap`` larger than memory.
    """
    X = _as_array(X)
    y = _as_array(y)
    _check_batch_args(X, y, batch_size)
    n = len(X)
    order = np.random.default_rng(seed).permutation(n) if shuffle else None
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop - batch_size + 1, batch_size):
        end = min(start + batch_size, n)
        if order is None:
            yield X[start:end], y[start:end]
        else:
            idx = order[start:end]
            yield X[idx], y[idx]


def infinite_batches(
    X: Any, y: Any, batch_size: int = 32, *, seed: int | None = None
) -> Iterator[Batch]:
    """Yield full batches forever, walking through freshly shuffled passes.

    A batch that reaches the end of a pass is completed from the next pass.
    """
    X = _as_array(X)
    y = _as_array(y)
    _check_batch_args(X, y, batch_size)
    n = len(X)
    if n == 0:
        raise ValueError("X and y must not be empty")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    pos = 0
    while True:
        parts = []
        needed = batch_size
        while needed > 0:
            if pos == n:
                order = rng.permutation(n)
                pos = 0
            take = min(needed, n - pos)
            parts.append(order[pos : pos + take])
            pos += take
            needed -= take
        idx = np.concatenate(parts)
        yield X[idx], y[idx]


def augment_images(images: Sequence[Any], labels: Sequence[Any]) -> Iterator[tuple[np.ndarray, Any]]:
    """Yield each image with its label, then its left-right flip, then its rotation by 90 degrees."""
    if len(images) != len(labels):
        raise ValueError(
            f"images and labels must have the same length, got {len(images)} and {len(labels)}"
        )
    for image, label in zip(images, labels, strict=True):
        image = np.asarray(image)
        yield image, label
        yield np.fliplr(image), label
        yield np.rot90(image), label
