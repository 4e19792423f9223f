"""Example tests for the streaming exercise. The hidden suite checks much more."""

import itertools

import pytest
import streaming


def test_iter_chunks_basic():
    assert list(streaming.iter_chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_iter_chunks_is_lazy():
    chunks = streaming.iter_chunks(itertools.count(), 2)  # an endless iterator
    assert next(chunks) == [0, 1]
    assert next(chunks) == [2, 3]


def test_iter_chunks_bad_size():
    with pytest.raises(ValueError):
        next(streaming.iter_chunks([1, 2], 0))


def test_grouped_mean(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("store,amount\na,10\nb,4\na,20\nb,\nc,nan\n", encoding="utf-8")
    got = streaming.grouped_mean(path, "store", "amount", chunk_rows=2)
    assert got == pytest.approx({"a": 15.0, "b": 4.0})  # "c" has no valid value


def test_grouped_mean_missing_column(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("store,amount\na,10\n", encoding="utf-8")
    with pytest.raises(ValueError, match="price"):
        streaming.grouped_mean(path, "store", "price")
