"""Example tests for the batching exercise. The hidden suite checks much more."""

import batching
import numpy as np
import pytest


def test_unshuffled_batches_are_consecutive_slices():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    batches = list(batching.batch_generator(X, y, batch_size=4, shuffle=False))
    assert [yb.tolist() for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert np.array_equal(batches[0][0], X[:4])


def test_shuffled_pass_covers_every_row_once():
    X = np.arange(30).reshape(15, 2)
    y = np.arange(15)
    batches = list(batching.batch_generator(X, y, batch_size=4, seed=0))
    assert [len(yb) for _, yb in batches] == [4, 4, 4, 3]
    assert sorted(np.concatenate([yb for _, yb in batches]).tolist()) == list(range(15))
    for xb, yb in batches:
        assert np.array_equal(xb, X[yb])  # rows stay aligned


def test_drop_last():
    X, y = np.zeros((10, 3)), np.arange(10)
    batches = list(batching.batch_generator(X, y, batch_size=4, drop_last=True, seed=1))
    assert [len(yb) for _, yb in batches] == [4, 4]


def test_bad_batch_size_raises():
    with pytest.raises(ValueError):
        next(batching.batch_generator(np.zeros((4, 2)), np.arange(4), batch_size=0))


def test_infinite_batches_are_always_full():
    X, y = np.arange(10).reshape(5, 2), np.arange(5)
    gen = batching.infinite_batches(X, y, batch_size=3, seed=0)
    batches = [next(gen) for _ in range(5)]  # 15 rows = 3 passes
    assert all(len(yb) == 3 for _, yb in batches)
    drawn = np.concatenate([yb for _, yb in batches])
    assert sorted(drawn[:5].tolist()) == [0, 1, 2, 3, 4]


def test_augment_images():
    images = np.arange(12).reshape(2, 2, 3)
    out = list(batching.augment_images(images, ["cat", "dog"]))
    assert len(out) == 6
    assert np.array_equal(out[1][0], np.fliplr(images[0])) and out[1][1] == "cat"
    assert np.array_equal(out[5][0], np.rot90(images[1])) and out[5][1] == "dog"
