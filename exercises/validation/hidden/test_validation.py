"""Hidden suite for the `validation` exercise (cross-validation without leakage)."""

import inspect

import numpy as np
import pytest
import validation as sub
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, TimeSeriesSplit, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from grader.judge.suite_tools import define

# Failing examples are reported as drawn, without shrinking: shrinking a slow
# property (model fits per example) could take minutes on a buggy submission.
NO_SHRINK = dict(deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])

# --------------------------------------------------------------------------- helpers


class ThresholdClassifier(ClassifierMixin, BaseEstimator):
    """Predicts 1 where the first (scaled) feature is above `threshold`, else 0.

    Its predictions depend directly on the scaler's mean and standard deviation,
    so any difference in how the features were scaled shows in the accuracy.
    """

    def __init__(self, threshold=0.0):
        self.threshold = threshold

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        if not np.all(np.isfinite(X)):
            raise ValueError("ThresholdClassifier got non-finite features")
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        return np.where(X[:, 0] > self.threshold, 1, 0)


# The candidate's code clones the estimators it is given as real scikit-learn objects,
# so those are made in the candidate's process (the same classes); the oracles use the
# judge's own. `is_fitted` reads an estimator's state where it lives.
_CANDIDATE_SIDE = f"""
import sys
import types

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.validation import check_is_fitted

{inspect.getsource(ThresholdClassifier)}

def is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True

# pickle finds a class by its module's name: make this code importable as that module
# (an answer may copy an estimator by pickling it).
sys.modules[__name__] = types.ModuleType(__name__)
sys.modules[__name__].__dict__.update(globals())
"""
TheirThreshold, TheirLogisticRegression, TheirKNeighbors, is_fitted = define(
    _CANDIDATE_SIDE,
    "ThresholdClassifier",
    "LogisticRegression",
    "KNeighborsClassifier",
    "is_fitted",
)


def _pairs(got):
    """The splits, for value checks, once they are checked to be (train, test) tuples of
    numpy arrays: a value of another type may claim to equal anything."""
    _assert_split_types(got, "the splits")
    return got


def _assert_split_types(got, what):
    assert type(got) is list, f"{what}: expected a list, got {type(got).__name__}"
    for pair in got:
        assert isinstance(pair, tuple) and len(pair) == 2, (
            f"{what}: expected (train_idx, test_idx) tuples, got {pair!r}"
        )
        for arr in pair:
            assert type(arr) is np.ndarray, (
                f"{what}: expected numpy arrays, got {type(arr).__name__}"
            )
            assert arr.ndim == 1 and np.issubdtype(arr.dtype, np.integer), (
                f"{what}: expected 1-D integer arrays, got dtype {arr.dtype} shape {arr.shape}"
            )


def _assert_same_splits(got, expected, what):
    got = _pairs(got)
    assert len(got) == len(expected), f"{what}: expected {len(expected)} splits, got {len(got)}"
    for i, ((g_train, g_test), (e_train, e_test)) in enumerate(zip(got, expected, strict=True)):
        assert np.array_equal(g_test, e_test), (
            f"{what}, split {i}: expected test_idx {e_test.tolist()}, got {g_test.tolist()}"
        )
        assert np.array_equal(g_train, e_train), (
            f"{what}, split {i}: expected train_idx {e_train.tolist()}, got {g_train.tolist()}"
        )


def _assert_partition(got, n_samples, what):
    """Test folds partition range(n_samples); each train fold is the complement of its test."""
    seen = np.zeros(n_samples, dtype=int)
    everything = set(range(n_samples))
    for i, (train, test) in enumerate(got):
        test_set = set(test.tolist())
        assert len(test_set) == len(test), f"{what}, split {i}: test_idx has duplicates"
        assert sorted(train.tolist()) == sorted(everything - test_set), (
            f"{what}, split {i}: expected train_idx = all indices not in test_idx "
            f"({sorted(everything - test_set)}), got {sorted(train.tolist())}"
        )
        seen[test] += 1
    assert np.all(seen == 1), (
        f"{what}: every index must be in exactly one test fold; counts per index {seen.tolist()}"
    )


def _kfold_sizes(n_samples, n_splits):
    return [len(test) for _, test in KFold(n_splits).split(np.zeros(n_samples))]


@st.composite
def _n_and_splits(draw, max_n=60):
    n = draw(st.integers(2, max_n))
    k = draw(st.integers(2, min(n, 10)))
    return n, k


# --------------------------------------------------------------------------- kfold_indices


@pytest.mark.points(3)
@settings(max_examples=40, **NO_SHRINK)
@given(_n_and_splits())
def test_kfold_unshuffled_matches_sklearn(args):
    """kfold_indices without shuffling gives exactly scikit-learn's KFold splits."""
    n, k = args
    expected = list(KFold(k).split(np.zeros(n)))
    _assert_same_splits(sub.kfold_indices(n, k), expected, f"kfold_indices({n}, {k})")


@pytest.mark.points(1)
def test_kfold_return_types():
    """kfold_indices returns a list of (train_idx, test_idx) tuples of integer numpy arrays."""
    _assert_split_types(sub.kfold_indices(10, 3), "kfold_indices(10, 3)")
    _assert_split_types(sub.kfold_indices(10, 3, shuffle=True, seed=0), "shuffled kfold_indices")


@pytest.mark.points(1)
def test_kfold_default_is_five_unshuffled_folds():
    """kfold_indices(n) uses n_splits=5 and no shuffling by default; a seed alone does not shuffle."""
    expected = list(KFold(5).split(np.zeros(23)))
    _assert_same_splits(sub.kfold_indices(23), expected, "kfold_indices(23)")
    _assert_same_splits(sub.kfold_indices(23, seed=4), expected, "kfold_indices(23, seed=4)")


@pytest.mark.points(3)
@settings(max_examples=40, **NO_SHRINK)
@given(_n_and_splits(), st.integers(0, 2**32 - 1))
def test_kfold_shuffled_partition_and_fold_sizes(args, seed):
    """Shuffled kfold_indices: test folds partition all indices with KFold's fold sizes, in order."""
    n, k = args
    got = _pairs(sub.kfold_indices(n, k, shuffle=True, seed=seed))
    what = f"kfold_indices({n}, {k}, shuffle=True, seed={seed})"
    assert len(got) == k, f"{what}: expected {k} splits, got {len(got)}"
    sizes = [len(test) for _, test in got]
    assert sizes == _kfold_sizes(n, k), (
        f"{what}: expected fold sizes {_kfold_sizes(n, k)}, got {sizes}"
    )
    _assert_partition(got, n, what)


@pytest.mark.points(2)
def test_kfold_shuffle_uses_seed():
    """Shuffled kfold_indices really shuffles, the same seed gives the same folds, seeds differ."""
    n, k = 40, 4
    plain = [set(test.tolist()) for _, test in _pairs(sub.kfold_indices(n, k))]
    results = []
    for seed in range(4):
        first = [
            set(t.tolist()) for _, t in _pairs(sub.kfold_indices(n, k, shuffle=True, seed=seed))
        ]
        again = [
            set(t.tolist()) for _, t in _pairs(sub.kfold_indices(n, k, shuffle=True, seed=seed))
        ]
        assert first == again, (
            f"seed={seed}: expected the same folds on a second call, got different"
        )
        assert first != plain, f"seed={seed}: expected shuffled folds, got the unshuffled ones"
        results.append(first)
    distinct = {tuple(tuple(sorted(f)) for f in r) for r in results}
    assert len(distinct) == 4, f"expected 4 different fold sets for seeds 0-3, got {len(distinct)}"


@pytest.mark.points(1)
def test_kfold_shuffle_without_seed_is_random():
    """Shuffled kfold_indices with seed=None gives fresh random folds on each call."""
    first = [sorted(t.tolist()) for _, t in _pairs(sub.kfold_indices(200, 2, shuffle=True))]
    second = [sorted(t.tolist()) for _, t in _pairs(sub.kfold_indices(200, 2, shuffle=True))]
    assert first != second, "expected two seed=None calls to give different folds, got identical"


@pytest.mark.gated_on("test_kfold_unshuffled_matches_sklearn")
@pytest.mark.points(2)
def test_kfold_invalid_n_splits():
    """kfold_indices raises ValueError for n_splits < 2, n_splits > n_samples or not an integer."""
    for n, k in [(10, 1), (10, 0), (10, -2), (10, 11), (3, 4), (10, 2.5)]:
        with pytest.raises(ValueError):
            sub.kfold_indices(n, k)
        with pytest.raises(ValueError):
            sub.kfold_indices(n, k, shuffle=True, seed=0)
    # the boundary n_splits == n_samples is valid (leave-one-out)
    expected = list(KFold(7).split(np.zeros(7)))
    _assert_same_splits(sub.kfold_indices(7, 7), expected, "kfold_indices(7, 7)")


# --------------------------------------------------------------------------- stratified


@st.composite
def _labels_and_splits(draw):
    n_classes = draw(st.integers(1, 4))
    y = draw(st.lists(st.integers(0, n_classes - 1), min_size=2, max_size=50))
    k = draw(st.integers(2, min(len(y), 6)))
    names = draw(st.sampled_from(["int", "str", "neg"]))
    if names == "str":
        y = [["cat", "dog", "ant", "bee"][v] for v in y]
    elif names == "neg":
        y = [[-5, 3, 100, -1][v] for v in y]
    return y, k


@pytest.mark.points(3)
@settings(max_examples=40, **NO_SHRINK)
@given(_labels_and_splits(), st.integers(0, 1000))
def test_stratified_partition(args, seed):
    """stratified_kfold_indices: n_splits folds, test folds partition all indices, train = rest."""
    y, k = args
    what = f"stratified_kfold_indices(y={y}, {k}, seed={seed})"
    got = _pairs(sub.stratified_kfold_indices(y, k, seed=seed))
    assert len(got) == k, f"{what}: expected {k} splits, got {len(got)}"
    _assert_partition(got, len(y), what)


@pytest.mark.points(3)
@settings(max_examples=40, **NO_SHRINK)
@given(_labels_and_splits(), st.integers(0, 1000))
def test_stratified_class_balance(args, seed):
    """stratified_kfold_indices: each class's count per test fold differs by at most one."""
    y, k = args
    y_arr = np.asarray(y)
    got = _pairs(sub.stratified_kfold_indices(y, k, seed=seed))
    for label in np.unique(y_arr):
        counts = [int(np.sum(y_arr[test] == label)) for _, test in got]
        assert max(counts) - min(counts) <= 1, (
            f"y={y}, n_splits={k}: class {label!r} per test fold should differ by at most one, "
            f"got counts {counts}"
        )


@pytest.mark.points(1)
def test_stratified_types_and_nonempty_folds():
    """stratified_kfold_indices returns integer arrays, 5 folds by default, no empty test fold."""
    y = [0, 1, 2, 3, 4, 5, 6, 7, 7, 7]  # many singleton classes
    got = sub.stratified_kfold_indices(y, seed=0)
    _assert_split_types(got, "stratified_kfold_indices")
    sizes = [len(test) for _, test in got]
    assert len(sizes) == 5 and min(sizes) >= 1, (
        f"expected 5 non-empty test folds, got sizes {sizes}"
    )
    got = _pairs(sub.stratified_kfold_indices(["a", "b"], 2, seed=1))
    sizes = [len(test) for _, test in got]
    assert sizes == [1, 1], f"y=['a', 'b'], 2 splits: expected test fold sizes [1, 1], got {sizes}"


@pytest.mark.points(1)
def test_stratified_seed():
    """stratified_kfold_indices: the same seed gives the same folds, different seeds differ."""
    y = [0] * 30 + [1] * 20
    runs = []
    for seed in range(4):
        first = [
            sorted(t.tolist()) for _, t in _pairs(sub.stratified_kfold_indices(y, 5, seed=seed))
        ]
        again = [
            sorted(t.tolist()) for _, t in _pairs(sub.stratified_kfold_indices(y, 5, seed=seed))
        ]
        assert first == again, f"seed={seed}: expected identical folds on a second call"
        runs.append(str(first))
    assert len(set(runs)) > 1, "expected different seeds to give different folds, got identical"


@pytest.mark.gated_on("test_stratified_partition")
@pytest.mark.points(1)
def test_stratified_invalid():
    """stratified_kfold_indices raises ValueError for n_splits < 2, n_splits > len(y), 2-D y."""
    cases = [
        ([0, 1, 0, 1], 1),
        ([0, 1, 0, 1], 0),
        ([0, 1, 0, 1], 5),
        ([], 2),
        ([[0, 1, 0, 1], [1, 0, 1, 0]], 2),
    ]
    for y, k in cases:
        with pytest.raises(ValueError):
            sub.stratified_kfold_indices(y, k, seed=0)


# --------------------------------------------------------------------------- time series


@pytest.mark.points(4)
@settings(max_examples=60, **NO_SHRINK)
@given(
    st.integers(2, 60),
    st.integers(2, 8),
    st.integers(0, 6),
    st.one_of(st.none(), st.integers(1, 12)),
)
def test_time_series_matches_sklearn(n, k, gap, test_size):
    """time_series_split equals TimeSeriesSplit(n_splits, gap, test_size), raising where it raises."""
    what = f"time_series_split({n}, {k}, gap={gap}, test_size={test_size})"
    try:
        splitter = TimeSeriesSplit(k, gap=gap, test_size=test_size)
        expected = list(splitter.split(np.zeros(n)))
    except ValueError:
        with pytest.raises(ValueError):
            sub.time_series_split(n, k, gap=gap, test_size=test_size)
        return
    _assert_same_splits(sub.time_series_split(n, k, gap=gap, test_size=test_size), expected, what)


@pytest.mark.points(1)
def test_time_series_types_and_defaults():
    """time_series_split returns integer arrays; defaults are n_splits=5, gap=0, test_size=None."""
    got = sub.time_series_split(20)
    _assert_split_types(got, "time_series_split(20)")
    _assert_same_splits(got, list(TimeSeriesSplit().split(np.zeros(20))), "time_series_split(20)")


@pytest.mark.gated_on("test_time_series_matches_sklearn")
@pytest.mark.points(2)
def test_time_series_invalid():
    """time_series_split raises ValueError for n_splits < 2, gap < 0, test_size < 1, too few rows."""
    bad = [
        dict(n_samples=20, n_splits=1),
        dict(n_samples=20, n_splits=2.5),
        dict(n_samples=20, n_splits=3, gap=-1),
        dict(n_samples=20, n_splits=3, test_size=0),
        dict(n_samples=20, n_splits=3, test_size=-2),
        dict(n_samples=4, n_splits=4),
        dict(n_samples=10, n_splits=3, test_size=3, gap=1),  # 10 - 1 - 9 == 0 rows to train on
    ]
    for kwargs in bad:
        with pytest.raises(ValueError):
            sub.time_series_split(**kwargs)
    # the boundaries are valid: n_splits + 1 == n_samples, and exactly one training row
    expected = list(TimeSeriesSplit(3).split(np.zeros(4)))
    _assert_same_splits(sub.time_series_split(4, 3), expected, "time_series_split(4, 3)")
    expected = list(TimeSeriesSplit(3, test_size=3).split(np.zeros(10)))
    got = sub.time_series_split(10, 3, test_size=3, gap=0)
    _assert_same_splits(got, expected, "time_series_split(10, 3, test_size=3)")


# --------------------------------------------------------------------------- scaled_cv_scores


def _oracle_scores(estimator, X, y, k):
    return cross_val_score(make_pipeline(StandardScaler(), estimator), X, y, cv=KFold(k))


def _fast_oracle_scores(estimator, X, y, k):
    """What cross_val_score(make_pipeline(StandardScaler(), estimator), cv=KFold(k)) computes."""
    scores = []
    for train, test in KFold(k).split(X):
        model = make_pipeline(StandardScaler(), clone(estimator)).fit(X[train], y[train])
        scores.append(model.score(X[test], y[test]))
    return np.array(scores)


def _threshold_margin(X, k, threshold):
    """Smallest distance of a scaled first feature of a test fold to `threshold`."""
    margin = np.inf
    for train, test in KFold(k).split(X):
        scaled = StandardScaler().fit(X[train]).transform(X[test])[:, 0]
        margin = min(margin, float(np.min(np.abs(scaled - threshold))))
    return margin


def _check_scores(got, expected, what):
    assert type(got) is np.ndarray, f"{what}: expected a numpy array, got {type(got).__name__}"
    got = np.asarray(got, dtype=float)
    assert got.shape == expected.shape, f"{what}: expected shape {expected.shape}, got {got.shape}"
    assert np.allclose(got, expected, rtol=0, atol=1e-9), (
        f"{what}: expected scores {expected.tolist()}, got {got.tolist()}"
    )


# Data where the per-fold feature distributions differ a lot, so that fitting the
# scaler on all rows (leakage), on the test fold, or not scaling at all changes
# the scores of ThresholdClassifier.
LEAK_X0 = [1.36, 1.13, -0.04, 0.98, -0.98, -2.74, 4.52, 2.71, -1.1, 0.41, 1.07, 2.51,
           0.99, -0.54, -1.65, -0.3, -1.33, -0.73, 2.0, 1.19, 4.92, 2.52, 3.18, 2.1]  # fmt: skip
LEAK_X1 = [-0.54, -0.35, 0.66, 1.22, 0.54, -0.55, 2.8, 0.84, 0.94, -0.55, -0.24, 0.61,
           -1.74, -0.77, 0.4, 2.42, 0.42, -1.04, -1.22, 0.98, -0.81, -0.34, 1.96, 0.06]  # fmt: skip
LEAK_Y = [0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0]


@pytest.mark.points(4)
def test_scaled_cv_no_leakage():
    """scaled_cv_scores fits the scaler on the training fold only (scores equal the Pipeline's)."""
    X = np.column_stack([LEAK_X0, LEAK_X1])
    y = np.array(LEAK_Y)
    for threshold in (0.0, 1.0):
        assert _threshold_margin(X, 4, threshold) > 1e-3  # no floating-point ties
        expected = _oracle_scores(ThresholdClassifier(threshold), X, y, 4)
        leaky = cross_val_score(
            ThresholdClassifier(threshold), StandardScaler().fit_transform(X), y, cv=KFold(4)
        )
        got = sub.scaled_cv_scores(TheirThreshold(threshold), X, y, 4)
        what = f"ThresholdClassifier({threshold}) with 4 folds"
        if np.allclose(np.asarray(got, dtype=float), leaky) and not np.allclose(leaky, expected):
            pytest.fail(
                f"{what}: got {np.asarray(got).tolist()}, the scores of a scaler fitted on ALL "
                f"rows (leakage); expected {expected.tolist()} (scaler fitted per training fold)"
            )
        _check_scores(got, expected, what)


@pytest.mark.points(4)
@settings(max_examples=20, **NO_SHRINK)
@given(
    st.integers(0, 10_000),
    st.integers(12, 40),
    st.integers(1, 3),
    st.integers(2, 5),
    st.sampled_from(["threshold0", "threshold1", "logreg", "knn"]),
)
def test_scaled_cv_matches_pipeline(seed, n, n_features, k, kind):
    """scaled_cv_scores equals cross_val_score(make_pipeline(StandardScaler(), est), cv=KFold(k))."""
    rng = np.random.default_rng(seed)
    scales = rng.uniform(0.1, 10.0, size=n_features)
    shifts = rng.uniform(-5.0, 5.0, size=n_features)
    trend = np.linspace(-1.0, 1.0, n)[:, None]
    X = rng.normal(size=(n, n_features)) * scales + shifts + trend * scales
    y = (X[:, 0] + rng.normal(scale=scales[0], size=n) > shifts[0]).astype(int)
    y[:2] = [0, 1]  # both classes in every training fold
    y[-2:] = [0, 1]
    if kind.startswith("threshold"):
        # No scaled value within 1e-9 of the threshold: a correct answer that scales
        # by hand may differ from StandardScaler in the last bits.
        assume(_threshold_margin(X, k, float(kind[-1])) > 1e-9)
    make, make_theirs, params = {
        "threshold0": (ThresholdClassifier, TheirThreshold, dict(threshold=0.0)),
        "threshold1": (ThresholdClassifier, TheirThreshold, dict(threshold=1.0)),
        "logreg": (
            LogisticRegression,
            TheirLogisticRegression,
            dict(C=0.05, solver="liblinear"),
        ),
        "knn": (KNeighborsClassifier, TheirKNeighbors, dict(n_neighbors=3)),
    }[kind]
    got = sub.scaled_cv_scores(make_theirs(**params), X, y, k)
    expected = _fast_oracle_scores(make(**params), X, y, k)
    _check_scores(got, expected, f"{kind}, n={n}, n_splits={k}")


@pytest.mark.gated_on("test_scaled_cv_matches_pipeline")
@pytest.mark.points(2)
def test_scaled_cv_does_not_fit_given_estimator():
    """scaled_cv_scores fits clones: the estimator passed in is still unfitted afterwards."""
    X = np.column_stack([LEAK_X0, LEAK_X1])
    y = np.array(LEAK_Y)
    for estimator in (TheirLogisticRegression(solver="liblinear"), TheirThreshold(0.5)):
        sub.scaled_cv_scores(estimator, X, y, 3)
        assert not is_fitted(estimator), (
            f"expected the {estimator!r} passed in to stay unfitted (clones are fitted), "
            "got it fitted"
        )


@pytest.mark.points(1)
def test_scaled_cv_return_type_and_default_splits():
    """scaled_cv_scores returns a float numpy array with one score per fold (default 5 folds)."""
    X = np.column_stack([LEAK_X0, LEAK_X1]).tolist()
    y = list(LEAK_Y)
    got = sub.scaled_cv_scores(TheirThreshold(0.0), X, y)
    assert type(got) is np.ndarray, (
        f"scaled_cv_scores: expected a numpy array, got {type(got).__name__}"
    )
    assert got.dtype == np.float64, f"expected dtype float64, got {got.dtype}"
    expected = _oracle_scores(ThresholdClassifier(0.0), np.array(X), np.array(y), 5)
    _check_scores(got, expected, "lists as input, default n_splits")


@pytest.mark.points(1)
def test_scaled_cv_constant_feature():
    """scaled_cv_scores handles a constant feature like StandardScaler (zeros, no NaN)."""
    X = np.column_stack([LEAK_X1, np.full(24, 3.0), LEAK_X0])
    y = np.array(LEAK_Y)
    expected = _oracle_scores(LogisticRegression(solver="liblinear"), X, y, 3)
    got = sub.scaled_cv_scores(TheirLogisticRegression(solver="liblinear"), X, y, 3)
    _check_scores(got, expected, "a constant column")


@pytest.mark.gated_on("test_scaled_cv_matches_pipeline")
@pytest.mark.points(1)
def test_scaled_cv_invalid():
    """scaled_cv_scores raises ValueError for mismatched lengths, bad n_splits or 1-D X."""
    X = np.column_stack([LEAK_X0, LEAK_X1])
    y = np.array(LEAK_Y)
    with pytest.raises(ValueError):
        sub.scaled_cv_scores(TheirLogisticRegression(solver="liblinear"), X, y[:-1], 3)
    with pytest.raises(ValueError):
        sub.scaled_cv_scores(TheirLogisticRegression(solver="liblinear"), X, y, 1)
    with pytest.raises(ValueError):
        sub.scaled_cv_scores(TheirLogisticRegression(solver="liblinear"), X, y, 25)
    with pytest.raises(ValueError):
        sub.scaled_cv_scores(TheirLogisticRegression(solver="liblinear"), X[:, 0], y, 3)
