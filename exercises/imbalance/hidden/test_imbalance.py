"""Hidden suite for the ``imbalance`` exercise (class weights, resampling, thresholds)."""

import collections
import warnings

import imbalance as sub
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import precision_recall_curve
from sklearn.utils.class_weight import compute_class_weight

from grader.judge.suite_tools import left_by_candidate

# ---------------------------------------------------------------------------
# Strategies and oracles
# ---------------------------------------------------------------------------

label_lists = st.one_of(
    st.lists(st.sampled_from([0, 1, 2, 5]), min_size=1, max_size=30),
    st.lists(st.sampled_from(["cat", "dog", "emu"]), min_size=1, max_size=30),
)


@st.composite
def datasets(draw):
    """(X, y, as_list): X has a unique id in column 0, so every output row can be traced."""
    y = draw(label_lists)
    n = len(y)
    n_extra = draw(st.integers(0, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = np.column_stack([np.arange(n), rng.integers(-50, 50, size=(n, n_extra))]).astype(float)
    as_list = draw(st.booleans())
    seed = draw(st.one_of(st.none(), st.integers(0, 2**31 - 1)))
    return X, np.asarray(y), as_list, seed


# Exact types a float result may have: an object that only claims equality is none of them.
NUMBER_TYPES = (float, np.float64, np.float32)


def resampled(name, got):
    """The (X_res, y_res) of a resampling call, once both are checked to be numpy arrays."""
    assert type(got) in (tuple, list) and len(got) == 2, (
        f"{name}: expected a tuple (X_res, y_res), got {type(got).__name__}"
    )
    X_res, y_res = got
    for what, value in (("X_res", X_res), ("y_res", y_res)):
        assert type(value) is np.ndarray, (
            f"{name}: expected {what} as numpy.ndarray, got {type(value).__name__}"
        )
    return X_res, y_res


def threshold_pair(got):
    """The (threshold, f1) of best_threshold, once both are checked to be float numbers."""
    assert type(got) in (tuple, list) and len(got) == 2, (
        f"best_threshold: expected a (threshold, f1) tuple, got {type(got).__name__}"
    )
    for what, value in zip(("threshold", "f1"), got, strict=True):
        assert type(value) in NUMBER_TYPES, (
            f"best_threshold: expected the {what} as a float, got {type(value).__name__}"
        )
    return tuple(got)


def expect_value_error(case, func, *args, **kwargs):
    """Call func and fail with a clear message unless it raises ValueError."""
    try:
        func(*args, **kwargs)
    except ValueError:
        return
    except Exception as exc:  # noqa: BLE001 - report what was raised instead
        pytest.fail(f"{case}: expected ValueError, got {type(exc).__name__}: {exc}")
    pytest.fail(f"{case}: expected ValueError, nothing was raised")


def trace_rows(X, y, X_res, y_res):
    """Check output rows are input rows with their own labels; return the input ids used."""
    assert type(X_res) is np.ndarray, f"expected X_res as numpy.ndarray, got {type(X_res).__name__}"
    assert type(y_res) is np.ndarray, f"expected y_res as numpy.ndarray, got {type(y_res).__name__}"
    assert X_res.ndim == 2 and X_res.shape[1] == X.shape[1], (
        f"expected X_res of shape (m, {X.shape[1]}), got {X_res.shape}"
    )
    assert y_res.shape == (len(X_res),), (
        f"expected y_res of shape ({len(X_res)},), got {y_res.shape}"
    )
    ids = X_res[:, 0].astype(int)
    assert np.all((ids >= 0) & (ids < len(X))), "X_res contains rows that are not rows of X"
    assert np.array_equal(X_res, X[ids]), "X_res contains rows that are not rows of X"
    assert list(y_res) == list(y[ids]), (
        "rows of X_res and y_res are not aligned: a row got another label"
    )
    return ids


def _highest_best(candidates):
    """(threshold, f1) pairs in decreasing threshold order -> highest threshold of the best F1."""
    best = None
    for t, f1 in candidates:
        if best is None or f1 > best[1] + 1e-12:
            best = (t, f1)
    return best


def oracle_best_threshold_sklearn(y_true, y_score):
    """F1 at every distinct score from sklearn's precision_recall_curve (predictions score >= t)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision, recall, thresholds = precision_recall_curve(
            y_true, y_score, drop_intermediate=False
        )
    precision, recall = precision[:-1], recall[:-1]  # drop the final (1, 0) point
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(denom), where=denom > 0)
    pairs = sorted(zip(thresholds.tolist(), f1.tolist(), strict=True), reverse=True)
    return _highest_best(pairs)


def oracle_best_threshold_loops(y_true, y_score):
    """F1 = 2 TP / (2 TP + FP + FN) counted by hand for every distinct score."""
    pairs = []
    for t in sorted(set(y_score), reverse=True):
        tp = sum(1 for y, s in zip(y_true, y_score, strict=True) if s >= t and y == 1)
        fp = sum(1 for y, s in zip(y_true, y_score, strict=True) if s >= t and y == 0)
        fn = sum(1 for y, s in zip(y_true, y_score, strict=True) if s < t and y == 1)
        pairs.append((float(t), 2 * tp / (2 * tp + fp + fn)))
    return _highest_best(pairs)


# ---------------------------------------------------------------------------
# class_weights
# ---------------------------------------------------------------------------


@pytest.mark.points(2)
@settings(max_examples=40)
@given(y=label_lists, as_array=st.booleans())
def test_class_weights_match_sklearn_balanced(y, as_array):
    """class_weights equals scikit-learn's 'balanced' weights for every label (within 1e-12)."""
    classes = np.unique(y)
    expected = dict(
        zip(
            classes.tolist(),
            compute_class_weight("balanced", classes=classes, y=np.asarray(y)),
            strict=True,
        )
    )
    got = sub.class_weights(np.asarray(y) if as_array else list(y))
    assert isinstance(got, dict), f"expected a dict, got {type(got).__name__}"
    assert set(got) == set(expected), f"expected keys {sorted(expected)}, got {sorted(got)}"
    for label, weight in expected.items():
        assert type(got[label]) in NUMBER_TYPES, (
            f"weight of {label!r}: expected a float, got {type(got[label]).__name__}"
        )
        assert abs(got[label] - weight) <= 1e-12, (
            f"weight of {label!r}: expected {weight!r}, got {got[label]!r}"
        )


@pytest.mark.gated_on("test_class_weights_match_sklearn_balanced")
@pytest.mark.points(1)
def test_class_weights_values_are_python_floats():
    """class_weights gives each weight as a plain Python float, not a numpy scalar."""
    for y in ([0, 0, 0, 1], np.array([2, 1, 1, 2, 2]), ["cat", "dog", "dog"]):
        got = sub.class_weights(y)
        assert isinstance(got, dict), f"expected a dict, got {type(got).__name__}"
        for label, weight in got.items():
            assert type(weight) is float, (
                f"class_weights({y!r}): the weight of {label!r} is a "
                f"{type(weight).__name__}, expected a Python float (float(...))"
            )


@pytest.mark.gated_on("test_class_weights_match_sklearn_balanced")
@pytest.mark.points(1)
def test_class_weights_rejects_bad_labels():
    """class_weights raises ValueError for an empty or 2-D y."""
    expect_value_error("empty y", sub.class_weights, [])
    expect_value_error("2-D y", sub.class_weights, [[0, 1], [1, 0]])


# ---------------------------------------------------------------------------
# random_oversample
# ---------------------------------------------------------------------------


@pytest.mark.points(3)
@settings(max_examples=40)
@given(data=datasets())
def test_oversample_counts(data):
    """random_oversample brings every class up to the majority count."""
    X, y, as_list, seed = data
    X_res, y_res = resampled(
        "random_oversample",
        sub.random_oversample(
            X.tolist() if as_list else X, y.tolist() if as_list else y, seed=seed
        ),
    )
    counts = collections.Counter(y.tolist())
    target = max(counts.values())
    got = collections.Counter(np.asarray(y_res).tolist())
    expected = {label: target for label in counts}
    assert dict(got) == expected, f"expected class counts {expected}, got {dict(got)}"


@pytest.mark.points(3)
@settings(max_examples=40)
@given(data=datasets())
def test_oversample_rows_are_aligned_originals_kept(data):
    """Oversampled rows are input rows with their own labels, and every original row is kept."""
    X, y, as_list, seed = data
    X_res, y_res = sub.random_oversample(
        X.tolist() if as_list else X, y.tolist() if as_list else y, seed=seed
    )
    ids = trace_rows(X, y, X_res, y_res)
    missing = sorted(set(range(len(X))) - set(ids.tolist()))
    assert not missing, f"expected every original row to be kept, rows {missing} are missing"


@pytest.mark.points(2)
def test_oversample_draws_randomly_with_replacement():
    """The extra rows are random draws with replacement from the minority class."""
    y = np.array([0] * 10 + [1] * 6)
    X = np.arange(16, dtype=float).reshape(-1, 1)
    extras, with_duplicates = set(), 0
    for seed in range(20):
        X_res, y_res = resampled("random_oversample", sub.random_oversample(X, y, seed=seed))
        ids = collections.Counter(X_res[:, 0].astype(int).tolist())
        extra = tuple(sorted(i for i, c in ids.items() for _ in range(c - 1)))
        assert len(extra) == 4, f"expected 4 extra rows of class 1, got {len(extra)}"
        assert all(i >= 10 for i in extra), (
            f"extra rows must come from class 1 (rows 10-15), got {extra}"
        )
        extras.add(extra)
        with_duplicates += len(set(extra)) < len(extra)
    assert len(extras) > 1, (
        "expected different seeds to draw different extra rows, got the same rows every time"
    )
    assert with_duplicates > 0, (
        "expected draws with replacement (the same row drawn twice for some seed), got no repeat in 20 seeds"
    )


@pytest.mark.points(1)
def test_oversample_keeps_dtype():
    """random_oversample returns numpy arrays and keeps the dtype of X."""
    X = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int32)
    X_res, y_res = resampled("random_oversample", sub.random_oversample(X, ["a", "b", "b"], seed=0))
    assert X_res.dtype == np.int32, (
        f"expected an int32 ndarray, got {type(X_res).__name__} {getattr(X_res, 'dtype', None)}"
    )
    assert sorted(y_res.tolist()) == ["a", "a", "b", "b"], (
        f"expected labels a, a, b, b, got {sorted(y_res.tolist())}"
    )


# ---------------------------------------------------------------------------
# random_undersample
# ---------------------------------------------------------------------------


@pytest.mark.points(3)
@settings(max_examples=40)
@given(data=datasets())
def test_undersample_counts(data):
    """random_undersample brings every class down to the minority count."""
    X, y, as_list, seed = data
    X_res, y_res = resampled(
        "random_undersample",
        sub.random_undersample(
            X.tolist() if as_list else X, y.tolist() if as_list else y, seed=seed
        ),
    )
    counts = collections.Counter(y.tolist())
    target = min(counts.values())
    got = collections.Counter(np.asarray(y_res).tolist())
    expected = {label: target for label in counts}
    assert dict(got) == expected, f"expected class counts {expected}, got {dict(got)}"


@pytest.mark.points(3)
@settings(max_examples=40)
@given(data=datasets())
def test_undersample_rows_are_aligned_without_duplicates(data):
    """Undersampled rows are distinct input rows with their own labels (drawn without replacement)."""
    X, y, as_list, seed = data
    X_res, y_res = sub.random_undersample(
        X.tolist() if as_list else X, y.tolist() if as_list else y, seed=seed
    )
    ids = trace_rows(X, y, X_res, y_res)
    repeated = sorted(i for i, c in collections.Counter(ids.tolist()).items() if c > 1)
    assert not repeated, f"expected no row twice, rows {repeated} appear more than once"


@pytest.mark.points(1)
def test_undersample_draws_randomly():
    """Different seeds keep different majority rows; over many seeds every majority row can be kept."""
    y = np.array([0] * 12 + [1] * 3)
    X = np.arange(15, dtype=float).reshape(-1, 1)
    kept_sets, kept = set(), set()
    for seed in range(60):  # P(a given row is never kept) = 0.75**60 < 1e-7
        X_res, _ = resampled("random_undersample", sub.random_undersample(X, y, seed=seed))
        majority = tuple(sorted(i for i in X_res[:, 0].astype(int).tolist() if i < 12))
        kept_sets.add(majority)
        kept.update(majority)
    assert len(kept_sets) > 1, (
        "expected different seeds to keep different rows, got the same rows every time"
    )
    assert kept == set(range(12)), (
        f"expected every majority row to be kept by some seed, never kept: {sorted(set(range(12)) - kept)}"
    )


@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["random_oversample", "random_undersample"])
def test_resampling_is_reproducible(name):
    """The same seed gives exactly the same output; the input arrays are not modified."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 3))
    y = rng.choice([0, 1, 2], size=40, p=[0.6, 0.3, 0.1])
    X_before, y_before = X.copy(), y.copy()
    func = getattr(sub, name)
    X1, y1 = resampled(name, func(X, y, seed=123))
    X2, y2 = resampled(name, func(X, y, seed=123))
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2), (
        "expected identical output for the same seed"
    )
    assert np.array_equal(left_by_candidate(X), X_before) and np.array_equal(
        left_by_candidate(y), y_before
    ), "the input arrays were modified"


@pytest.mark.gated_on("test_oversample_counts")
@pytest.mark.points(1)
@pytest.mark.parametrize("name", ["random_oversample", "random_undersample"])
def test_resampling_rejects_bad_arguments(name):
    """Resampling raises ValueError for different lengths, empty input, 1-D X or 2-D y."""
    cases = {
        "X and y of different lengths": ([[1.0], [2.0], [3.0]], [0, 1]),
        "empty input": (np.zeros((0, 2)), []),
        "1-D X": ([1.0, 2.0, 3.0], [0, 1, 1]),
        "2-D y": ([[1.0], [2.0]], [[0], [1]]),
    }
    for case, (X, y) in cases.items():
        expect_value_error(f"{name}, {case}", getattr(sub, name), X, y, seed=0)


# ---------------------------------------------------------------------------
# best_threshold
# ---------------------------------------------------------------------------


@st.composite
def scored_labels(draw, distinct):
    n = draw(st.integers(1, 16))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda v: 1 in v))
    if distinct:
        scores = draw(
            st.lists(st.floats(0, 1, allow_nan=False), min_size=n, max_size=n, unique=True)
        )
    else:
        scores = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    return y, scores


def _check_best(y, scores, expected):
    expected_t, expected_f1 = expected
    got = sub.best_threshold(y, scores)
    assert isinstance(got, tuple) and len(got) == 2, (
        f"expected a (threshold, f1) tuple, got {got!r}"
    )
    t, f1 = threshold_pair(got)
    assert t == expected_t and abs(f1 - expected_f1) <= 1e-12, (
        f"y_true={list(y)}, y_score={list(scores)}: expected ({expected_t!r}, {expected_f1!r}), got ({t!r}, {f1!r})"
    )


@pytest.mark.points(3)
@settings(max_examples=40)
@given(data=scored_labels(distinct=False))
def test_best_threshold_matches_brute_force_with_tied_scores(data):
    """best_threshold equals a search over sklearn's precision/recall at every score, also with repeated scores."""
    y, scores = data
    _check_best(y, scores, oracle_best_threshold_sklearn(y, scores))


@pytest.mark.points(2)
@settings(max_examples=30)
@given(data=scored_labels(distinct=True))
def test_best_threshold_matches_brute_force_distinct_scores(data):
    """best_threshold equals a brute-force F1 count at every distinct float score (numpy input)."""
    y, scores = data
    _check_best(np.array(y), np.array(scores), oracle_best_threshold_loops(y, scores))


@pytest.mark.points(2)
def test_best_threshold_tie_goes_to_highest_threshold():
    """When two thresholds give the same best F1, the highest threshold wins."""
    # thresholds 4 and 1 both give F1 = 2/3
    got = threshold_pair(sub.best_threshold([1, 0, 0, 1], [4.0, 3.0, 2.0, 1.0]))
    assert got[0] == 4.0 and abs(got[1] - 2 / 3) <= 1e-12, f"expected (4.0, 0.666...), got {got!r}"
    # 0.8 and 0.2 give 2/3
    got = threshold_pair(sub.best_threshold([0, 1, 0, 0, 1], [0.4, 0.8, 0.1, 0.6, 0.2]))
    assert got[0] == 0.8 and abs(got[1] - 2 / 3) <= 1e-12, f"expected (0.8, 0.666...), got {got!r}"


@pytest.mark.points(2)
def test_best_threshold_tied_scores_predicted_together():
    """All rows whose score equals the threshold are predicted positive together."""
    y = np.array([1, 0, 1, 0])
    scores = np.array([0.5, 0.5, 0.9, 0.1])  # t=0.5 predicts both 0.5 rows: F1 = 0.8
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 3, 2]):
        got = threshold_pair(sub.best_threshold(y[order], scores[order]))
        assert got[0] == 0.5 and abs(got[1] - 0.8) <= 1e-12, (
            f"y_true={y[order].tolist()}, y_score={scores[order].tolist()}: expected (0.5, 0.8), got {got!r}"
        )


@pytest.mark.gated_on("test_best_threshold_matches_brute_force_distinct_scores")
@pytest.mark.points(1)
def test_best_threshold_uses_greater_or_equal():
    """Predictions are y_score >= t: the threshold itself counts as positive."""
    got = threshold_pair(sub.best_threshold([0, 1, 1, 0, 1], [0.1, 0.7, 0.8, 0.3, 0.6]))
    assert got == (0.6, 1.0), f"expected (0.6, 1.0), got {got!r}"


@pytest.mark.gated_on("test_best_threshold_matches_brute_force_distinct_scores")
@pytest.mark.points(1)
def test_best_threshold_accepts_bool_and_float_labels():
    """y_true may hold booleans or 0.0/1.0 as well as the integers 0 and 1."""
    scores = [0.1, 0.7, 0.8, 0.3, 0.6]
    for y_true in ([False, True, True, False, True], [0.0, 1.0, 1.0, 0.0, 1.0]):
        for labels in (y_true, np.array(y_true)):
            got = threshold_pair(sub.best_threshold(labels, scores))
            assert got == (0.6, 1.0), f"y_true={y_true!r}: expected (0.6, 1.0), got {got!r}"


@pytest.mark.points(1)
def test_best_threshold_all_positive():
    """With only positive labels the lowest score is the best threshold (F1 = 1)."""
    got = threshold_pair(sub.best_threshold([1, 1, 1], [3, 1, 2]))
    assert got == (1.0, 1.0), f"expected (1.0, 1.0), got {got!r}"


@pytest.mark.gated_on("test_best_threshold_matches_brute_force_distinct_scores")
@pytest.mark.points(2)
def test_best_threshold_returns_python_floats():
    """best_threshold returns the threshold and its F1 as plain Python floats, not numpy scalars."""
    cases = {
        "lists": ([0, 1, 1, 0], [0.1, 0.7, 0.8, 0.3]),
        "numpy arrays": (np.array([0, 1, 1, 0]), np.array([0.1, 0.7, 0.8, 0.3])),
        "float32 scores": (np.array([1, 0, 1]), np.array([0.5, 0.25, 0.75], dtype=np.float32)),
        "integer scores": ([1, 0, 1], [3, 1, 2]),
    }
    for case, (y_true, y_score) in cases.items():
        got = sub.best_threshold(y_true, y_score)
        assert type(got) in (tuple, list) and len(got) == 2, (
            f"{case}: expected a (threshold, f1) tuple, got {type(got).__name__}"
        )
        for what, value in zip(("threshold", "f1"), got, strict=True):
            assert type(value) is float, (
                f"{case}: the {what} is a {type(value).__name__}, expected a Python float"
            )


@pytest.mark.gated_on("test_best_threshold_matches_brute_force_distinct_scores")
@pytest.mark.points(1)
def test_best_threshold_rejects_bad_arguments():
    """best_threshold raises ValueError for empty or mismatched input, labels outside {0, 1}, NaN or inf."""
    cases = {
        "empty input": ([], []),
        "different lengths": ([0, 1, 1], [0.2, 0.4]),
        "label 2": ([0, 1, 2], [0.1, 0.2, 0.3]),
        "string labels": (["no", "yes"], [0.1, 0.2]),
        "NaN score": ([0, 1], [0.1, float("nan")]),
        "infinite score": ([0, 1], [float("-inf"), 0.2]),
    }
    for case, (y_true, y_score) in cases.items():
        expect_value_error(case, sub.best_threshold, y_true, y_score)


@pytest.mark.gated_on("test_best_threshold_matches_brute_force_distinct_scores")
@pytest.mark.points(1)
def test_best_threshold_rejects_no_positive():
    """best_threshold raises ValueError when y_true has no positive sample."""
    expect_value_error("no positive", sub.best_threshold, [0, 0, 0], [0.1, 0.2, 0.3])
