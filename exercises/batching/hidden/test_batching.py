"""Hidden suite for the batching exercise (seed question Q5)."""

import collections.abc
import math

import batching as sub
import numpy as np
import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from grader.judge.suite_tools import define, drawn, peak_memory

# no explain phase: it only slows down the report of a failing example
PHASES = [phase for phase in Phase if phase is not Phase.explain]

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
SEEDS_OR_NONE = st.one_of(st.none(), SEEDS)


# --------------------------------------------------------------------------- helpers


def _data(n, row_shape=(3,), dtype=np.float64):
    """X whose row i is filled with values derived from i, and y = row index."""
    width = int(np.prod(row_shape))
    X = (np.arange(n)[:, None] * 100 + np.arange(width)[None, :]).astype(dtype)
    return X.reshape((n, *row_shape)), np.arange(n)


ARRAY_TYPES = (np.ndarray, np.memmap)


def _collect(gen, limit=None):
    """Draw (X_batch, y_batch) pairs, checking each is a pair of numpy arrays."""
    out = []
    # drawn: the same items as a for loop, several per crossing (no laziness is checked here)
    for item in drawn(gen, limit):
        assert len(item) == 2, (
            f"expected (X_batch, y_batch) pairs, got an item of length {len(item)}"
        )
        xb, yb = item
        # exact types: a slice of a memmap is a memmap; no other subclass is compared
        assert type(xb) in ARRAY_TYPES and type(yb) in ARRAY_TYPES, (
            f"expected numpy arrays, got {type(xb).__name__} and {type(yb).__name__}"
        )
        out.append((xb, yb))
    return out


def _take(gen, k):
    """The first k items of an (infinite) iterator."""
    return _collect(gen, limit=k) if k else []


def _start(func, *args, **kwargs):
    """Call a generator function and draw its first item."""
    return next(iter(func(*args, **kwargs)))


def _check_aligned(X, batches):
    for xb, yb in batches:
        assert xb.shape == (len(yb), *X.shape[1:]), (
            f"expected X_batch of shape {(len(yb), *X.shape[1:])}, got {xb.shape}"
        )
        assert np.array_equal(xb, X[yb]), (
            f"rows of X_batch do not match rows {yb.tolist()} of X: X and y are misaligned"
        )


def _write_memmap_file(path, n, d):
    """Write an (n, d) float64 file whose cell (i, j) holds i * d + j; return its size."""
    X = np.memmap(path, dtype=np.float64, mode="w+", shape=(n, d))
    step = max(1, 500_000 // d)
    for start in range(0, n, step):
        stop = min(n, start + step)
        X[start:stop] = np.arange(start * d, stop * d, dtype=np.float64).reshape(stop - start, d)
    X.flush()
    return X.nbytes


# The memmap tests hand the candidate's code a memmap opened in the candidate's own
# process, and draw the batches of a whole pass there too, so that what is measured is
# the candidate's code at work, not the link: the memory those calls make the process
# grow by (its cgroup's, or its resident set where mapped file pages count too).
_MEMMAP_DATA = """
import numpy as np


class MemmapData:
    '''X, a memmap of the (n, d) float64 file at path, and y = arange(n).'''

    def __init__(self, path, n, d):
        self.X = np.memmap(path, dtype=np.float64, mode="r", shape=(n, d))
        self.y = np.arange(n)
        self.rows = np.full(n, -1, dtype=np.int64)  # y_batch values, in the order drawn
        self.firsts = np.full(n, -1.0)  # column 0 of the matching X_batch rows

    def read_all(self):
        '''Read every page of X: then they are resident before a measured pass starts.'''
        return float(self.X.sum())

    def start(self, func, batch_size, **kwargs):
        '''The generator func(X, y, batch_size, **kwargs), nothing drawn from it yet.'''
        return func(self.X, self.y, batch_size, **kwargs)

    def run(self, func, rows, batch_size, **kwargs):
        '''Draw every batch of func(X[:rows], y[:rows], ...): (rows drawn, bad types or None).'''
        self.rows[:] = -1
        self.firsts[:] = -1.0
        count = 0
        for xb, yb in func(self.X[:rows], self.y[:rows], batch_size, **kwargs):
            if not isinstance(xb, np.ndarray) or not isinstance(yb, np.ndarray):
                return count, [type(xb).__name__, type(yb).__name__]
            size = len(yb)
            if count + size <= rows:
                self.rows[count : count + size] = yb
                self.firsts[count : count + size] = xb[:, 0]
            count += size
        return count, None
"""
MemmapData = define(_MEMMAP_DATA, "MemmapData")


class _TracingSequence(collections.abc.Sequence):
    """A read-only sequence that records the highest index read."""

    def __init__(self, items):
        self._items = list(items)
        self.highest = -1

    def __len__(self):
        return len(self._items)

    def __getitem__(self, i):
        if isinstance(i, slice):
            raise TypeError("this sequence does not support slicing")
        item = self._items[i]
        self.highest = max(self.highest, i if i >= 0 else len(self._items) + i)
        return item


# --------------------------------------------------------------------------- batch_generator


@pytest.mark.gated_on("test_one_pass_covers_every_row_once")
@pytest.mark.points(2)
def test_batch_generator_is_lazy(tmp_path):
    """batch_generator returns an iterator and reads X only as batches are requested."""
    # X is a 32 MB memmap, freshly mapped; a batch of 10 rows is 160 kB. The candidate's
    # memory grows with what its code copies out of X (and, where mapped file pages
    # count, with the pages it reads), whatever the style of the code: building all
    # batches up front costs at least the 32 MB of X.
    n, d = 2_000, 2_000
    path = tmp_path / "X.dat"
    nbytes = _write_memmap_file(path, n, d)
    limit = nbytes // 4
    data = MemmapData(str(path), n, d)
    # warm-up on small data, so that one-off allocations (lazy imports) are not measured
    X, y = _data(30)
    _collect(sub.batch_generator(X, y, 10, shuffle=False))
    gen, grown = peak_memory(lambda: data.start(sub.batch_generator, 10, shuffle=False))
    assert iter(gen) is gen and hasattr(gen, "__next__"), (
        f"expected a generator (an iterator), got {type(gen).__name__}"
    )
    assert grown < limit, (
        f"expected no rows of X read before next(), but memory grew by {grown} bytes "
        f"(X has {nbytes} bytes)"
    )
    # Only memory here: which rows a batch holds is test_one_pass_covers_every_row_once's.
    _, grown = peak_memory(lambda: next(gen))
    assert grown < limit, (
        f"expected only the rows of the first batch read by the first next(), but memory grew "
        f"by {grown} bytes for an X of {nbytes} bytes (all batches built up front?)"
    )


@pytest.mark.points(4)
@settings(max_examples=40, phases=PHASES)
@given(
    n=st.integers(0, 60),
    batch_size=st.integers(1, 20),
    shuffle=st.booleans(),
    seed=SEEDS_OR_NONE,
)
@example(n=10, batch_size=1, shuffle=True, seed=0)
@example(n=10, batch_size=10, shuffle=True, seed=0)
@example(n=10, batch_size=11, shuffle=True, seed=0)
@example(n=10, batch_size=3, shuffle=False, seed=0)
def test_one_pass_covers_every_row_once(n, batch_size, shuffle, seed):
    """One pass yields every row exactly once; all batches have batch_size rows except the last."""
    X, y = _data(n)
    batches = _collect(sub.batch_generator(X, y, batch_size, shuffle=shuffle, seed=seed))
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], dtype=int)
    assert sorted(seen.tolist()) == list(range(n)), (
        f"expected each of the {n} row indices exactly once, got {sorted(seen.tolist())}"
    )
    sizes = [len(yb) for _, yb in batches]
    n_batches = math.ceil(n / batch_size)
    expected = [batch_size] * (n_batches - 1) + ([n - batch_size * (n_batches - 1)] if n else [])
    assert sizes == expected, f"expected batch sizes {expected}, got {sizes}"


@pytest.mark.points(3)
@settings(max_examples=30, phases=PHASES)
@given(
    n=st.integers(1, 40),
    batch_size=st.integers(1, 12),
    row_shape=st.sampled_from([(), (1,), (4,), (2, 3)]),
    dtype=st.sampled_from([np.float64, np.float32, np.int32]),
    shuffle=st.booleans(),
    seed=SEEDS_OR_NONE,
)
def test_rows_of_X_and_y_stay_aligned(n, batch_size, row_shape, dtype, shuffle, seed):
    """Each X_batch row is the row of X whose index is in y_batch; shape and dtype are kept."""
    X, y = _data(n, row_shape, dtype)
    batches = _collect(sub.batch_generator(X, y, batch_size, shuffle=shuffle, seed=seed))
    # A full batch is due whatever else is wrong: a generator yielding nothing earns nothing.
    assert batches or n < batch_size, f"expected batches of the {n} rows, got none"
    _check_aligned(X, batches)
    for xb, yb in batches:
        assert xb.dtype == X.dtype, f"expected X_batch dtype {X.dtype}, got {xb.dtype}"
        assert yb.dtype == y.dtype, f"expected y_batch dtype {y.dtype}, got {yb.dtype}"


@pytest.mark.points(3)
@settings(max_examples=30, phases=PHASES)
@given(n=st.integers(0, 60), batch_size=st.integers(1, 20), shuffle=st.booleans(), seed=SEEDS)
@example(n=20, batch_size=5, shuffle=False, seed=0)
@example(n=21, batch_size=5, shuffle=False, seed=0)
@example(n=4, batch_size=5, shuffle=True, seed=0)
def test_drop_last_drops_only_the_short_batch(n, batch_size, shuffle, seed):
    """With drop_last=True every batch is full and only the final short batch is dropped."""
    X, y = _data(n)
    batches = _collect(
        sub.batch_generator(X, y, batch_size, shuffle=shuffle, seed=seed, drop_last=True)
    )
    sizes = [len(yb) for _, yb in batches]
    assert sizes == [batch_size] * (n // batch_size), (
        f"expected {n // batch_size} batches of {batch_size}, got sizes {sizes}"
    )
    seen = np.concatenate([yb for _, yb in batches]).tolist() if batches else []
    assert len(set(seen)) == len(seen), f"expected distinct rows, got repeats in {seen}"
    # Which rows the dropped batch held follows from the order, which is
    # test_no_shuffle_keeps_original_order's to check.
    _check_aligned(X, batches)


@pytest.mark.points(2)
def test_no_shuffle_keeps_original_order():
    """shuffle=False yields consecutive slices of X and y in their original order."""
    X, y = _data(23, (2,))
    batches = _collect(sub.batch_generator(X, y, 5, shuffle=False))
    assert len(batches) == 5, f"expected 5 batches, got {len(batches)}"
    for i, (xb, yb) in enumerate(batches):
        start, end = 5 * i, min(5 * i + 5, 23)
        assert np.array_equal(yb, y[start:end]), f"expected y rows {start}..{end - 1}, got {yb}"
        assert np.array_equal(xb, X[start:end]), f"expected X rows {start}..{end - 1}, got {xb}"
    # the seed must not matter when not shuffling
    again = _collect(sub.batch_generator(X, y, 5, shuffle=False, seed=123))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(batches, again, strict=True)), (
        "expected the same unshuffled order whatever the seed"
    )


@pytest.mark.points(2)
@settings(max_examples=20, phases=PHASES)
@given(n=st.integers(2, 50), batch_size=st.integers(1, 10), seed=SEEDS, drop_last=st.booleans())
def test_same_seed_gives_same_batches(n, batch_size, seed, drop_last):
    """Two passes with the same seed yield exactly the same batches."""
    X, y = _data(n)
    first = _collect(sub.batch_generator(X, y, batch_size, seed=seed, drop_last=drop_last))
    second = _collect(sub.batch_generator(X, y, batch_size, seed=seed, drop_last=drop_last))
    # Two empty passes are not the same batches: a generator yielding nothing earns nothing.
    assert first or n < batch_size, f"expected batches of the {n} rows, got none"
    assert len(first) == len(second), f"expected {len(first)} batches again, got {len(second)}"
    for (xa, ya), (xb, yb) in zip(first, second, strict=True):
        assert np.array_equal(ya, yb), f"expected the same batch {ya.tolist()}, got {yb.tolist()}"
        assert np.array_equal(xa, xb), "expected the same X_batch for the same seed"


@pytest.mark.points(2)
def test_shuffle_really_shuffles():
    """shuffle=True (the default) permutes rows; different or absent seeds give different orders."""
    X, y = _data(100)

    def order(**kwargs):
        return np.concatenate([yb for _, yb in _collect(sub.batch_generator(X, y, 10, **kwargs))])

    identity = np.arange(100)
    by_default = order()
    assert not np.array_equal(by_default, identity), "expected shuffled rows by default, got 0..99"
    seeded = [order(seed=s) for s in (0, 1)]
    for s, o in zip((0, 1), seeded, strict=True):
        assert not np.array_equal(o, identity), f"expected shuffled rows with seed={s}, got 0..99"
    assert not np.array_equal(seeded[0], seeded[1]), (
        "expected seeds 0 and 1 to give different orders"
    )
    assert not np.array_equal(order(seed=None), order(seed=None)), (
        "expected two passes with seed=None to give different orders (fresh randomness)"
    )


@pytest.mark.points(1)
def test_default_batch_size_and_drop_last():
    """By default batches have 32 rows and the short last batch is kept."""
    X, y = _data(100)
    sizes = [len(yb) for _, yb in _collect(sub.batch_generator(X, y, seed=0))]
    assert sizes == [32, 32, 32, 4], f"expected sizes [32, 32, 32, 4], got {sizes}"


@pytest.mark.gated_on("test_one_pass_covers_every_row_once")
@pytest.mark.points(1)
def test_empty_input_yields_nothing():
    """Empty X and y give no batches and no error."""
    X, y = _data(0)
    for kwargs in ({}, {"shuffle": False}, {"drop_last": True}):
        got = _collect(sub.batch_generator(X, y, 4, **kwargs))
        assert got == [], f"expected no batches with {kwargs}, got {len(got)}"


@pytest.mark.points(1)
def test_lists_are_accepted():
    """Plain Python lists are accepted by both batch generators and batches come out as numpy arrays."""
    X = [[i, i + 0.5] for i in range(7)]
    y = list(range(7))
    batches = _collect(sub.batch_generator(X, y, 3, shuffle=False))
    assert all(type(b) is np.ndarray for batch in batches for b in batch), (
        f"expected numpy arrays, got {[tuple(type(b).__name__ for b in batch) for batch in batches]}"
    )
    # Sizes and content, not order: that is test_no_shuffle_keeps_original_order's.
    assert [len(yb) for _, yb in batches] == [3, 3, 1], (
        f"expected batches of 3, 3 and 1 rows, got {[len(yb) for _, yb in batches]}"
    )
    rows = sorted(np.concatenate([yb for _, yb in batches]).tolist())
    assert rows == y, f"expected the rows 0..6 once each, got {rows}"
    _check_aligned(np.asarray(X), batches)
    endless = _take(sub.infinite_batches(X, y, 5, seed=0), 3)
    drawn = np.concatenate([yb for _, yb in endless])
    assert sorted(drawn[:7].tolist()) == y, f"expected the first 7 rows to be 0..6, got {drawn[:7]}"
    assert all(np.array_equal(xb, np.asarray(X)[yb]) for xb, yb in endless), (
        "expected infinite_batches rows of X aligned with y for list input"
    )


@pytest.mark.gated_on("test_one_pass_covers_every_row_once")
@pytest.mark.points(2)
def test_invalid_arguments_raise():
    """batch_size < 1 or len(X) != len(y) raise ValueError by the first next()."""
    X, y = _data(10)
    for bad in (0, -1):
        with pytest.raises(ValueError):
            _start(sub.batch_generator, X, y, bad)
    with pytest.raises(ValueError):
        _start(sub.batch_generator, X, y[:9], 4)
    with pytest.raises(ValueError):
        _start(sub.batch_generator, X[:9], y, 4, shuffle=False)


@pytest.mark.gated_on("test_one_pass_covers_every_row_once")
@pytest.mark.points(4)
def test_memmap_is_not_copied(tmp_path):
    """A numpy.memmap X is batched without copying the whole array into memory."""
    n, d = 40_032, 100  # 32 MB of float64, and a short last batch of 32 rows
    path = tmp_path / "X.dat"
    nbytes = _write_memmap_file(path, n, d)
    limit = nbytes // 4
    data = MemmapData(str(path), n, d)
    # a pass must read all of X: its pages are read first, so that they are resident
    # already (where mapped file pages count) and only what the pass allocates is measured
    data.read_all()
    for shuffle in (True, False):
        # warm-up on a small slice, so that one-off allocations (lazy imports) are not measured
        data.run(sub.batch_generator, 100, 64, shuffle=shuffle, seed=0)
        (_, bad), grown = peak_memory(
            lambda shuffle=shuffle: data.run(sub.batch_generator, n, 64, shuffle=shuffle, seed=0)
        )
        # Only memory here: which rows come, in which order and aligned how, is for
        # the correctness tests this one is gated on.
        assert bad is None, f"expected numpy arrays, got {bad[0]} and {bad[1]}"
        assert grown < limit, (
            f"expected peak memory growth well below the {nbytes} bytes of X (< {limit}) "
            f"with shuffle={shuffle}, got {grown} bytes: X (or all batches) was copied"
        )


# --------------------------------------------------------------------------- infinite_batches


@pytest.mark.points(4)
@settings(max_examples=40, phases=PHASES)
@given(n=st.integers(1, 25), batch_size=st.integers(1, 30), k=st.integers(1, 4), seed=SEEDS_OR_NONE)
@example(n=10, batch_size=10, k=3, seed=0)
@example(n=10, batch_size=3, k=3, seed=0)
@example(n=3, batch_size=7, k=4, seed=0)
@example(n=1, batch_size=1, k=2, seed=0)
def test_infinite_each_pass_is_a_permutation(n, batch_size, k, seed):
    """Batches are always full and the first k*len(X) rows drawn hold every index exactly k times."""
    X, y = _data(n)
    n_batches = math.ceil(k * n / batch_size) + 1
    batches = _take(sub.infinite_batches(X, y, batch_size, seed=seed), n_batches)
    sizes = [len(yb) for _, yb in batches]
    assert sizes == [batch_size] * n_batches, f"expected every batch of {batch_size}, got {sizes}"
    drawn = np.concatenate([yb for _, yb in batches])
    for p in range(k):
        chunk = sorted(drawn[p * n : (p + 1) * n].tolist())
        assert chunk == list(range(n)), (
            f"expected rows {p * n}..{(p + 1) * n - 1} drawn (pass {p}) to hold each index once, "
            f"got {chunk}"
        )
    _check_aligned(X, batches)


@pytest.mark.points(2)
def test_infinite_reshuffles_every_pass():
    """Each pass over the data is freshly shuffled, not the same order repeated."""
    n = 30
    X, y = _data(n)
    batches = _take(sub.infinite_batches(X, y, 10, seed=7), 15)
    drawn = np.concatenate([yb for _, yb in batches])
    passes = [tuple(drawn[p * n : (p + 1) * n].tolist()) for p in range(5)]
    assert passes[0] != tuple(range(n)), "expected the first pass shuffled, got 0..29 in order"
    assert len(set(passes)) > 1, "expected a fresh shuffle each pass, got the same order every pass"


@pytest.mark.points(1)
def test_infinite_seed_reproducible():
    """The same seed gives the same stream; seed=None gives fresh randomness."""
    X, y = _data(20)

    def stream(seed):
        batches = _take(sub.infinite_batches(X, y, 6, seed=seed), 12)
        return np.concatenate([yb for _, yb in batches])

    assert np.array_equal(stream(3), stream(3)), "expected the same stream for seed=3 twice"
    assert not np.array_equal(stream(None), stream(None)), (
        "expected two streams with seed=None to differ"
    )


@pytest.mark.points(1)
def test_infinite_never_ends_and_defaults_to_32():
    """infinite_batches keeps going far beyond one pass, with batches of 32 by default."""
    X, y = _data(5)
    batches = _take(sub.infinite_batches(X, y, seed=0), 300)
    assert len(batches) == 300, f"expected 300 batches, got {len(batches)}"
    sizes = {len(yb) for _, yb in batches}
    assert sizes == {32}, f"expected every batch of 32 rows, got sizes {sorted(sizes)}"
    _check_aligned(X, batches[-3:])


@pytest.mark.gated_on("test_infinite_each_pass_is_a_permutation")
@pytest.mark.points(2)
def test_infinite_invalid_arguments_raise():
    """infinite_batches raises ValueError for batch_size < 1, mismatched lengths or empty data."""
    X, y = _data(10)
    for bad in (0, -2):
        with pytest.raises(ValueError):
            _start(sub.infinite_batches, X, y, bad)
    with pytest.raises(ValueError):
        _start(sub.infinite_batches, X, y[:8], 4)
    with pytest.raises(ValueError):
        _start(sub.infinite_batches, X[:0], y[:0], 4)


# --------------------------------------------------------------------------- augment_images


@pytest.mark.points(3)
@settings(max_examples=25, phases=PHASES)
@given(
    n=st.integers(0, 4),
    h=st.integers(1, 5),
    w=st.integers(1, 5),
    channels=st.sampled_from([None, 1, 3]),
)
@example(n=2, h=2, w=3, channels=None)
@example(n=2, h=3, w=4, channels=3)
def test_augment_images_order_and_content(n, h, w, channels):
    """Each image yields (image, label), (fliplr(image), label), (rot90(image), label), in order."""
    shape = (n, h, w) if channels is None else (n, h, w, channels)
    images = np.arange(int(np.prod(shape))).reshape(shape)
    labels = np.arange(n) * 10 + 1
    got = list(drawn(sub.augment_images(images, labels)))
    assert len(got) == 3 * n, f"expected {3 * n} (image, label) pairs, got {len(got)}"
    names = ("the original image", "np.fliplr(image)", "np.rot90(image)")
    for i in range(n):
        want = (images[i], np.fliplr(images[i]), np.rot90(images[i]))
        for j in range(3):
            img, label = got[3 * i + j]
            assert np.array_equal(np.asarray(img), want[j]) and np.shape(img) == want[j].shape, (
                f"expected item {3 * i + j} to be {names[j]} of image {i}, got\n{np.asarray(img)}"
            )
            assert label == labels[i], (
                f"expected label {labels[i]} with item {3 * i + j}, got {label}"
            )


@pytest.mark.points(1)
def test_augment_images_is_lazy():
    """augment_images is a generator that reads image i+1 only after yielding image i's variants."""
    images = _TracingSequence(np.full((2, 2), i) for i in range(50))
    labels = list(range(50))
    gen = sub.augment_images(images, labels)
    assert iter(gen) is gen, f"expected a generator, got {type(gen).__name__}"
    first = [next(gen) for _ in range(3)]
    assert [label for _, label in first] == [0, 0, 0], f"expected labels [0, 0, 0], got {first}"
    assert images.highest <= 1, (
        f"expected at most images[0..1] read after three items, got images up to {images.highest}"
    )
    assert len(list(drawn(gen))) == 147, "expected 147 further items"


@pytest.mark.gated_on("test_augment_images_order_and_content")
@pytest.mark.points(1)
def test_augment_images_length_mismatch_raises():
    """Different numbers of images and labels raise ValueError by the first next()."""
    images = np.zeros((3, 2, 2))
    with pytest.raises(ValueError):
        _start(sub.augment_images, images, [0, 1])
    with pytest.raises(ValueError):
        _start(sub.augment_images, images, [0, 1, 2, 3])
