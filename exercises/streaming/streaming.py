"""Processing data larger than memory, one chunk at a time.

Fill in the two functions below. See prompt.md for the full contract.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def iter_chunks(iterable: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lazily yield consecutive lists of at most ``size`` items.

    Every chunk has exactly ``size`` items except possibly the last one; no
    empty chunk is ever yielded. The input is consumed only as far as the
    chunks requested so far need, so endless iterators work.

    Raises:
        ValueError: ``size < 1`` (at the call or at the first ``next()``).
    """
    raise NotImplementedError


def grouped_mean(
    path: str | os.PathLike[str], key: str, value: str, *, chunk_rows: int = 10_000
) -> dict[str, float]:
    """Mean of column ``value`` per distinct value of column ``key`` in a CSV file.

    The file has a header row and is read with the ``csv`` module,
    ``chunk_rows`` rows at a time; memory must be O(number of groups +
    chunk_rows), never O(rows).

    Rows whose value is empty, not parseable by ``float()`` or not finite
    (nan, inf) are skipped; surrounding whitespace is fine. A key whose every
    row was skipped is absent from the result.

    Returns:
        ``{key: mean}`` with ``str`` keys and Python ``float`` values.

    Raises:
        ValueError: a missing column (the message names it), an empty file
            without a header row, or ``chunk_rows < 1``.
    """
    raise NotImplementedError
