"""Mini-batch generators for training loops.

Fill in the three generator functions below. See prompt.md for the full contract.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

Batch = tuple[np.ndarray, np.ndarray]


def batch_generator(
    X: Any,
    y: Any,
    batch_size: int = 32,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    drop_last: bool = False,
) -> Iterator[Batch]:
    """Yield ``(X_batch, y_batch)`` pairs that cover every row of ``X`` once.

    Args:
        X: array of shape ``(n, ...)``; may be a ``numpy.memmap`` larger than
            memory, so it must never be copied as a whole. Lists are accepted.
        y: array of shape ``(n, ...)`` aligned with ``X``.
        batch_size: rows per batch (at least 1).
        shuffle: visit the rows in a random order (``numpy.random.default_rng(seed)``)
            instead of their original order.
        seed: seed for the shuffle; ``None`` means fresh randomness.
        drop_last: drop the final batch when it is shorter than ``batch_size``.

    Yields:
        ``(X_batch, y_batch)`` tuples of numpy arrays.

    Raises:
        ValueError: ``batch_size < 1`` or ``len(X) != len(y)`` (at the call or
            at the first ``next()``).
    """
    raise NotImplementedError


def infinite_batches(
    X: Any, y: Any, batch_size: int = 32, *, seed: int | None = None
) -> Iterator[Batch]:
    """Yield full ``(X_batch, y_batch)`` batches forever.

    The rows are visited in passes; each pass is a fresh random permutation of
    all rows, and a batch that reaches the end of a pass is completed with the
    first rows of the next pass.

    Raises:
        ValueError: ``batch_size < 1``, ``len(X) != len(y)`` or empty data (at
            the call or at the first ``next()``).
    """
    raise NotImplementedError


def augment_images(
    images: Sequence[Any], labels: Sequence[Any]
) -> Iterator[tuple[np.ndarray, Any]]:
    """For each image in order, yield ``(image, label)``, ``(np.fliplr(image), label)``
    and ``(np.rot90(image), label)``.

    Raises:
        ValueError: ``len(images) != len(labels)`` (at the call or at the first
            ``next()``).
    """
    raise NotImplementedError
