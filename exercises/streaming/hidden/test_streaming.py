"""Hidden suite for the streaming exercise (seed question Q1)."""

import csv
import math
import re

import numpy as np
import pytest
import streaming as sub
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from grader.judge.suite_tools import define, peak_memory

# no explain phase: it only slows down the report of a failing example
PHASES = [phase for phase in Phase if phase is not Phase.explain]

# --------------------------------------------------------------------------- helpers


class _EndlessCounter:
    """An endless iterator 0, 1, 2, ... that records how many items were taken.

    It fails loudly after ``limit`` items so that an eager implementation
    errors out instead of running forever.
    """

    def __init__(self, limit=10_000):
        self.taken = 0
        self.limit = limit

    def __iter__(self):
        return self

    def __next__(self):
        if self.taken >= self.limit:
            raise RuntimeError(
                f"iter_chunks consumed more than {self.limit} items of an endless iterator"
            )
        self.taken += 1
        return self.taken - 1


# Helpers run in the candidate's process, next to its code.
# - drain: the judge receives each chunk as a copy made when it is yielded, so it cannot
#   see a list that the candidate's generator changes after yielding it; a consumer in
#   the candidate's own process keeps the very lists yielded, as a real caller would.
# - chunks_of and endless_chunks: the same, over an iterator made there too, so that the
#   items are not drawn one crossing at a time from the judge. The laziness checks keep
#   an iterator of the judge's own (_EndlessCounter), whose count the candidate cannot
#   write.
# - read_through: where the page cache counts in the candidate's memory (a cgroup charges
#   a file's pages to the first process that reads them, e.g. after they were evicted),
#   the file's pages are then charged before the measured call, whose growth is what the
#   candidate's code itself holds.
_HELPERS = """
import itertools


def drain(iterable):
    '''Every item of iterable, in a list built in this process.'''
    return list(iterable)


def chunks_of(iter_chunks, items, size):
    '''Every chunk iter_chunks(iter(items), size) gives, in a list built in this process.'''
    return list(iter_chunks(iter(items), size))


def endless_chunks(iter_chunks, size, count):
    '''The first count chunks iter_chunks gives of the endless 0, 1, 2, ... made here.'''
    return list(itertools.islice(iter_chunks(itertools.count(), size), count))


def read_through(path):
    '''Read the file at path in blocks of 1 MiB, keeping nothing; return its size.'''
    size = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            size += len(block)
    return size
"""
drain, chunks_of, endless_chunks, read_through = define(
    _HELPERS, "drain", "chunks_of", "endless_chunks", "read_through"
)


def _brute_chunks(items, size):
    return [items[i : i + size] for i in range(0, len(items), size)]


def _write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _parse(text):
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _oracle(pairs):
    """Brute-force grouped mean of (key, value_text) pairs."""
    groups = {}
    for key, text in pairs:
        number = _parse(text)
        if number is not None:
            groups.setdefault(key, []).append(number)
    return {key: math.fsum(vals) / len(vals) for key, vals in groups.items()}, groups


# Exact types a mean may have: an object that only claims equality is none of them.
NUMBER_TYPES = (float, np.float64, np.float32)


def _check_means(got, expected, groups=None):
    assert isinstance(got, dict), f"expected a dict, got {type(got).__name__}"
    assert set(got) == set(expected), (
        f"expected groups {sorted(expected)}, got {sorted(got, key=repr)}"
    )
    for key, want in expected.items():
        value = got[key]
        assert type(value) in NUMBER_TYPES, (
            f"expected a float for group {key!r}, got {type(value).__name__}"
        )
        scale = max([1.0] + [abs(v) for v in groups[key]]) if groups else max(1.0, abs(want))
        assert abs(value - want) <= 1e-9 * scale, f"group {key!r}: expected {want!r}, got {value!r}"


KEYS = st.sampled_from(["a", "b", "north", "c,d", 'say "hi"', "multi\nline", "x y", "", "7"])
VALID_VALUES = st.builds(
    lambda cents, pad: f"{pad}{cents / 100!r}{pad}",
    st.integers(-(10**6), 10**6),
    st.sampled_from(["", " ", "  ", "\t"]),
)
JUNK_VALUES = st.sampled_from(
    [
        "",
        " ",
        "abc",
        "nan",
        "NaN",
        " nan ",
        "inf",
        "-inf",
        "Infinity",
        "1e400",
        "1.2.3",
        "--1",
        "1,5",
    ]
)
VALUES = st.one_of(VALID_VALUES, VALID_VALUES, JUNK_VALUES)


# --------------------------------------------------------------------------- iter_chunks


@pytest.mark.points(3)
@settings(max_examples=50, phases=PHASES)
@given(items=st.lists(st.integers(), max_size=40), size=st.integers(1, 12))
@example(items=list(range(12)), size=4)
@example(items=list(range(13)), size=4)
@example(items=list(range(3)), size=1)
@example(items=list(range(3)), size=5)
def test_iter_chunks_matches_slicing(items, size):
    """iter_chunks gives consecutive lists of size items, only the last one shorter."""
    got = chunks_of(sub.iter_chunks, items, size)
    want = _brute_chunks(items, size)
    assert got == want, f"expected {want}, got {got}"
    assert all(type(chunk) is list for chunk in got), (
        f"expected every chunk to be a list, got {[type(c).__name__ for c in got]}"
    )


@pytest.mark.points(3)
def test_iter_chunks_is_lazy_on_an_endless_iterator():
    """iter_chunks consumes an endless iterator only as far as the chunks requested need."""
    source = _EndlessCounter()
    chunks = sub.iter_chunks(source, 4)
    assert source.taken == 0, f"expected nothing consumed before next(), got {source.taken} items"
    # Consumption first, and the chunks' items in any sequence: their type is
    # test_iter_chunks_matches_slicing's to check, not this laziness test's.
    first = next(chunks)
    assert source.taken == 4, f"expected 4 items consumed after one chunk, got {source.taken}"
    second = next(chunks)
    assert source.taken == 8, f"expected 8 items consumed after two chunks, got {source.taken}"
    assert list(first) == [0, 1, 2, 3], f"expected items [0, 1, 2, 3], got {first}"
    assert list(second) == [4, 5, 6, 7], f"expected items [4, 5, 6, 7], got {second}"
    many = endless_chunks(sub.iter_chunks, 3, 100)
    assert list(many[-1]) == [297, 298, 299], (
        f"expected chunk 100 to hold [297, 298, 299], got {many[-1]}"
    )


@pytest.mark.points(1)
def test_iter_chunks_accepts_any_iterable():
    """iter_chunks works on lists, strings, ranges and generators, and on empty input."""

    # The chunks' items, whatever sequence holds them: their type is checked by
    # test_iter_chunks_matches_slicing.
    def items(chunks):
        return [list(chunk) for chunk in drain(chunks)]

    assert items(sub.iter_chunks("abcde", 2)) == [["a", "b"], ["c", "d"], ["e"]], (
        "expected [['a', 'b'], ['c', 'd'], ['e']] for 'abcde'"
    )
    assert items(sub.iter_chunks(range(4), 4)) == [[0, 1, 2, 3]], "expected [[0, 1, 2, 3]]"
    assert items(sub.iter_chunks((x * x for x in range(3)), 2)) == [[0, 1], [4]], (
        "expected [[0, 1], [4]] for a generator"
    )
    for empty in ([], iter([]), ""):
        got = drain(sub.iter_chunks(empty, 3))
        assert got == [], f"expected no chunks for empty input, got {got}"


@pytest.mark.gated_on("test_iter_chunks_matches_slicing")
@pytest.mark.points(1)
def test_iter_chunks_rejects_size_below_one():
    """iter_chunks raises ValueError for size 0 or negative, by the first next()."""
    for bad in (0, -1):
        with pytest.raises(ValueError):
            next(iter(sub.iter_chunks([1, 2, 3], bad)))


# --------------------------------------------------------------------------- grouped_mean


@pytest.mark.points(4)
# tmp_path (the folder the candidate's process may read) is shared by the examples: the
# file is rewritten for every example
@settings(
    max_examples=40, phases=PHASES, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pairs=st.lists(st.tuples(KEYS, VALUES), max_size=40),
    order=st.permutations(["city", "price", "note"]),
    chunk_rows=st.integers(1, 8),
)
def test_grouped_mean_matches_brute_force(tmp_path, pairs, order, chunk_rows):
    """grouped_mean equals a brute-force mean per key, whatever the column order and chunk size."""
    path = tmp_path / "brute_force.csv"
    rows = []
    for i, (key, text) in enumerate(pairs):
        row = {"city": key, "price": text, "note": f"row {i}"}
        rows.append([row[col] for col in order])
    _write_csv(path, order, rows)
    expected, groups = _oracle(pairs)
    got = sub.grouped_mean(path, "city", "price", chunk_rows=chunk_rows)
    _check_means(got, expected, groups)


@pytest.mark.gated_on("test_grouped_mean_matches_brute_force")
@pytest.mark.points(1)
def test_grouped_mean_values_are_python_floats(tmp_path):
    """grouped_mean gives each mean as a plain Python float, not a numpy scalar."""
    path = tmp_path / "types.csv"
    _write_csv(path, ["k", "v"], [["a", "1"], ["a", "2"], ["b", "0.5"]])
    got = sub.grouped_mean(path, "k", "v", chunk_rows=2)
    assert isinstance(got, dict), f"expected a dict, got {type(got).__name__}"
    for key, value in got.items():
        assert type(value) is float, (
            f"the mean of group {key!r} is a {type(value).__name__}, expected a Python float"
        )


@pytest.mark.points(2)
def test_grouped_mean_skip_rules(tmp_path):
    """Empty, unparseable, nan and inf values are skipped; surrounding whitespace is fine."""
    pairs = [
        ("a", "1.5"),
        ("a", " 2.5 "),
        ("a", ""),
        ("a", "   "),
        ("a", "abc"),
        ("a", "nan"),
        ("a", "inf"),
        ("a", "-Infinity"),
        ("a", "1e400"),
        ("a", "1e2"),
        ("b", "-4"),
        ("b", "NaN"),
        ("b", "\t6\t"),
    ]
    path = _write_csv(tmp_path / "skip.csv", ["k", "v"], pairs)
    got = sub.grouped_mean(path, "k", "v", chunk_rows=3)
    _check_means(got, {"a": (1.5 + 2.5 + 100.0) / 3, "b": 1.0})


@pytest.mark.points(2)
def test_grouped_mean_drops_groups_without_valid_values(tmp_path):
    """A key whose every value was skipped is absent from the result."""
    pairs = [("keep", "3"), ("gone", ""), ("gone", "nan"), ("gone", "x"), ("keep", "5")]
    path = _write_csv(tmp_path / "absent.csv", ["k", "v"], pairs)
    got = sub.grouped_mean(path, "k", "v", chunk_rows=2)
    _check_means(got, {"keep": 4.0})


@pytest.mark.points(2)
def test_grouped_mean_uses_the_csv_module(tmp_path):
    """Quoted fields holding commas, quotes and newlines are parsed as the csv module does."""
    pairs = [("c,d", "1"), ('say "hi"', "2"), ("multi\nline", "3"), ("c,d", "4"), ("x y", "5")]
    path = _write_csv(tmp_path / "quoted.csv", ["name", "score"], pairs)
    got = sub.grouped_mean(str(path), "name", "score", chunk_rows=2)
    _check_means(got, {"c,d": 2.5, 'say "hi"': 2.0, "multi\nline": 3.0, "x y": 5.0})


@pytest.mark.points(1)
def test_grouped_mean_keys_are_verbatim(tmp_path):
    """Keys are used exactly as the csv module returns them: ' a' and 'a' are different groups."""
    pairs = [("a", "1"), (" a", "3"), ("A", "5"), ("a", "2")]
    path = _write_csv(tmp_path / "verbatim.csv", ["k", "v"], pairs)
    got = sub.grouped_mean(path, "k", "v")
    _check_means(got, {"a": 1.5, " a": 3.0, "A": 5.0})


@pytest.mark.points(1)
def test_grouped_mean_skips_short_rows(tmp_path):
    """Blank lines and rows too short to hold the key and value columns are skipped."""
    path = tmp_path / "ragged.csv"
    path.write_text("id,k,v\n1,a,2\n\n2,a\n3\n4,b,6,extra\n5,a,4\n", encoding="utf-8")
    got = sub.grouped_mean(path, "k", "v", chunk_rows=2)
    _check_means(got, {"a": 3.0, "b": 6.0})


@pytest.mark.gated_on("test_grouped_mean_matches_brute_force")
@pytest.mark.points(2)
def test_grouped_mean_missing_column_is_named(tmp_path):
    """A missing key or value column raises ValueError whose message names that column."""
    path = _write_csv(tmp_path / "cols.csv", ["region", "amount"], [("x", "1")])
    with pytest.raises(ValueError, match=re.escape("price_usd")):
        sub.grouped_mean(path, "region", "price_usd")
    with pytest.raises(ValueError, match=re.escape("country_code")):
        sub.grouped_mean(path, "country_code", "amount")


@pytest.mark.gated_on("test_grouped_mean_matches_brute_force")
@pytest.mark.points(1)
def test_grouped_mean_header_only_and_empty_file(tmp_path):
    """A header without rows gives {}; a completely empty file raises ValueError."""
    path = _write_csv(tmp_path / "header.csv", ["k", "v"], [])
    got = sub.grouped_mean(path, "k", "v")
    # its keys cross by value: an object that claims to equal {} has to list them
    assert isinstance(got, dict) and list(got) == [], f"expected {{}}, got {got!r}"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ValueError):
        sub.grouped_mean(empty, "k", "v")


@pytest.mark.gated_on("test_grouped_mean_matches_brute_force")
@pytest.mark.points(1)
def test_grouped_mean_rejects_chunk_rows_below_one(tmp_path):
    """chunk_rows of 0 or less raises ValueError."""
    path = _write_csv(tmp_path / "c.csv", ["k", "v"], [("a", "1")])
    for bad in (0, -5):
        with pytest.raises(ValueError):
            sub.grouped_mean(path, "k", "v", chunk_rows=bad)


@pytest.mark.points(5)
def test_grouped_mean_memory_does_not_grow_with_rows(tmp_path):
    """Peak memory stays O(groups + chunk_rows) on a file far larger than one chunk."""
    # 60 copies of a 7,000-row block (7 groups x 1,000 amounts): a file of about 8 MB whose
    # means are those of one block, found by brute force
    n_groups, repeats = 7, 60
    block = [(f"{i:08d}", f"grp{i % n_groups}", f"{(i % 1000) / 8}") for i in range(7000)]
    text = "".join(f"{i},{g},{a}\n" for i, g, a in block)
    path = tmp_path / "big.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write("id,group,amount\n")
        for _ in range(repeats):
            f.write(text)
    values: dict[str, list[float]] = {}
    for _, group, amount in block:
        values.setdefault(group, []).append(float(amount))
    expected = {group: sum(v) / len(v) for group, v in values.items()}
    # warm-up on a small file, so one-off allocations (lazy imports, caches) are not measured
    small = _write_csv(tmp_path / "small.csv", ["id", "group", "amount"], [("1", "grp0", "1.0")])
    sub.grouped_mean(small, "group", "amount", chunk_rows=50)
    size = read_through(str(path))
    got, grown = peak_memory(lambda: sub.grouped_mean(path, "group", "amount", chunk_rows=50))
    _check_means(got, expected)
    # here reading the whole file costs 8 to 16 MB, keeping one float object per row about
    # 13 MB (3.4 MB even packed in an array), one string per line about 35 MB, while reading
    # 50 rows at a time needs well under 1 MB
    limit = 2_500_000
    assert grown < limit, (
        f"expected peak memory growth below {limit} bytes for a {size}-byte file "
        f"read 50 rows at a time, got {grown} bytes: memory grows with the number of rows"
    )
