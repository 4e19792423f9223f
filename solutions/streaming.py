"""Processing data larger than memory, one chunk at a time (reference answer)."""

from __future__ import annotations

import csv
import itertools
import math
import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def iter_chunks(iterable: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lazily yield consecutive lists of ``size`` items; only the last may be shorter.

    The input is consumed only as far as the chunks requested so far need.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def grouped_mean(
    path: str | os.PathLike[str], key: str, value: str, *, chunk_rows: int = 10_000
) -> dict[str, float]:
    """Mean of column ``value`` per distinct value of column ``key`` in a CSV file.

    The file is read ``chunk_rows`` rows at a time; only one running sum and
    count per group are kept, so memory is O(groups + chunk_rows). Rows whose
    value is empty, not parseable by ``float()`` or not finite, and rows too
    short to hold both columns, are skipped.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{os.fspath(path)!r} has no header row")
        position = {name: i for i, name in enumerate(header)}
        missing = [name for name in (key, value) if name not in position]
        if missing:
            raise ValueError(f"column(s) not found in the header: {', '.join(map(repr, missing))}")
        key_col, value_col = position[key], position[value]
        width = max(key_col, value_col) + 1
        for chunk in iter_chunks(reader, chunk_rows):
            for row in chunk:
                if len(row) < width:
                    continue
                try:
                    number = float(row[value_col])
                except ValueError:
                    continue
                if not math.isfinite(number):
                    continue
                group = row[key_col]
                sums[group] = sums.get(group, 0.0) + number
                counts[group] = counts.get(group, 0) + 1
    return {group: sums[group] / counts[group] for group in sums}
