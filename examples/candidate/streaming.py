"""Chunked iteration and a streaming group-by, written with explicit loops and csv.DictReader."""

import csv
import math


def iter_chunks(iterable, size):
    """Consecutive lists of at most ``size`` items, built lazily."""
    if size < 1:
        raise ValueError("size must be a positive integer")
    return _chunks(iterable, size)


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _finite_float(text):
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    if number != number or abs(number) == math.inf:
        return None
    return number


def grouped_mean(path, key, value, *, chunk_rows=10_000):
    """Per-key mean of a numeric column, keeping only running totals per key."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be a positive integer")
    totals = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames
        if columns is None:
            raise ValueError(f"no header row in {path}")
        for column in (key, value):
            if column not in columns:
                raise ValueError(f"column {column!r} not found in header {columns}")
        for rows in iter_chunks(reader, chunk_rows):
            for row in rows:
                group = row.get(key)
                number = _finite_float(row.get(value))
                if group is None or number is None:
                    continue
                entry = totals.setdefault(group, [0.0, 0])
                entry[0] += number
                entry[1] += 1
    return {group: total / count for group, (total, count) in totals.items()}
