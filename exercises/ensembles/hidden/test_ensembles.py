"""Hidden suite for the `ensembles` exercise (bagging and boosting)."""

import math
from collections import Counter

import ensembles as sub
import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from grader.judge.suite_tools import define, left_by_candidate

# Failing examples are reported as drawn, without shrinking (keeps buggy runs fast).
NO_SHRINK = dict(deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])

# --------------------------------------------------------------------------- helpers


# The candidate's code clones, fits and checks these estimators as real scikit-learn
# objects, so they are made in the candidate's process; the judge reads back what
# they recorded (rows_, predictions, whether the base estimator was fitted).
_HELPERS = """
import sys
import types

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import check_is_fitted


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    '''1-nearest-neighbour on feature 1 that records the rows it was fitted on.

    Feature 0 of every row holds the row's index in the training set, so after
    fitting, ``rows_`` tells exactly which bootstrap sample the estimator saw.
    '''

    def __init__(self, tag="base"):
        self.tag = tag

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        self.rows_ = np.rint(X[:, 0]).astype(int)
        self.train_x_ = X[:, 1].copy()
        self.train_y_ = np.asarray(y).copy()
        self.classes_ = np.unique(self.train_y_)
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = np.asarray(X, dtype=float)
        nearest = np.abs(X[:, [1]] - self.train_x_[None, :]).argmin(axis=1)
        return self.train_y_[nearest]


def is_fitted(estimator):
    '''Whether scikit-learn considers the estimator fitted.'''
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


# A test's loop over the candidate's code, run here: one call from the judge for the
# whole loop, which asks the same of the candidate's code in the same order. Each gives
# (what it read, the error that stopped it or None).


def repeat(function, args, times):
    '''function(*args), times times with the same arguments (a generator's draws go on).'''
    results = []
    for _ in range(times):
        try:
            results.append(function(*args))
        except BaseException as error:
            return results, error
    return results, None


def read_each(model, rows, X=None):
    '''For each of model.estimators_ in turn, (its rows_ if rows, then its predict(X) if X
    is given). The list is read here too: its estimators never cross to the judge.'''
    found = []
    try:
        for est in model.estimators_:
            read = []
            if rows:
                read.append(est.rows_)
            if X is not None:
                read.append(est.predict(X))
            found.append(tuple(read))
    except BaseException as error:
        return found, error
    return found, None

# pickle finds a class by its module's name: make this code importable as that module
# (an answer may copy an estimator by pickling it).
sys.modules[__name__] = types.ModuleType(__name__)
sys.modules[__name__].__dict__.update(globals())
"""
RecordingClassifier, DecisionTreeClassifier, is_fitted, repeat, read_each = define(
    _HELPERS, "RecordingClassifier", "DecisionTreeClassifier", "is_fitted", "repeat", "read_each"
)


def _all_or_raise(found):
    """What a loop run in the candidate's process read, then its error if it had one: the
    judge's loop over these fails where the same loop asking item by item would have."""
    values, error = found
    yield from values
    if error is not None:
        raise error


def _vote(labels):
    """Brute-force majority vote of a list of labels, ties to the smallest label."""
    counts = Counter(labels)
    best = max(counts.values())
    return min(label for label, count in counts.items() if count == best)


def _brute_majority(predictions):
    predictions = np.asarray(predictions)
    return [_vote(predictions[:, j].tolist()) for j in range(predictions.shape[1])]


def _dataset(seed, n, kind="int", n_classes=3):
    """Rows (index, random feature) and random labels."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.arange(n, dtype=float), rng.normal(size=n)])
    codes = rng.integers(0, n_classes, size=n)
    if kind == "str":
        y = np.array(["dog", "ant", "cat", "emu"])[codes]
    elif kind == "neg":
        y = np.array([7, -2, 30, 1])[codes]
    else:
        y = codes
    return X, y


def _oob_brute_force(model, X, y):
    votes = [[] for _ in range(len(y))]
    for rows, predicted in _all_or_raise(read_each(model, True, X)):
        seen = set(np.asarray(rows).tolist())
        for i in range(len(y)):
            if i not in seen:
                votes[i].append(predicted[i].item())
    scored = [(_vote(v), y[i].item()) for i, v in enumerate(votes) if v]
    if not scored:
        return math.nan
    return sum(p == t for p, t in scored) / len(scored)


# The exact types of a float result (numpy's float64 is a float too); an object of any
# other class, which might claim to equal anything, is not compared by value.
FLOAT_TYPES = (float, np.float64)


def _check_float(value, what):
    assert type(value) in FLOAT_TYPES, f"{what}: expected a float, got {type(value).__name__}"


def _check_int_array(arr, what):
    assert type(arr) is np.ndarray, f"{what}: expected a numpy array, got {type(arr).__name__}"
    assert arr.ndim == 1 and np.issubdtype(arr.dtype, np.integer), (
        f"{what}: expected a 1-D integer array, got dtype {arr.dtype} shape {arr.shape}"
    )


# --------------------------------------------------------------------------- bootstrap_indices


@pytest.mark.points(3)
@settings(max_examples=50, **NO_SHRINK)
@given(st.integers(1, 60), st.integers(0, 2**32 - 1))
def test_bootstrap_in_bag_and_oob(n, seed):
    """bootstrap_indices: n in-bag indices in range; oob is sorted and exactly the never-drawn ones."""
    in_bag, oob = sub.bootstrap_indices(n, np.random.default_rng(seed))
    _check_int_array(in_bag, "in_bag")
    _check_int_array(oob, "oob")
    assert in_bag.shape == (n,), (
        f"n_samples={n}: expected in_bag of shape ({n},), got {in_bag.shape}"
    )
    assert in_bag.min() >= 0 and in_bag.max() < n, (
        f"n_samples={n}: expected in_bag values in [0, {n - 1}], got {in_bag.tolist()}"
    )
    expected_oob = sorted(set(range(n)) - set(in_bag.tolist()))
    assert oob.tolist() == expected_oob, (
        f"in_bag={in_bag.tolist()}: expected oob {expected_oob}, got {oob.tolist()}"
    )


@pytest.mark.points(2)
def test_bootstrap_uses_given_rng():
    """bootstrap_indices draws from the rng passed in: same seed, same sample; other seed, other."""
    first = sub.bootstrap_indices(50, np.random.default_rng(11))
    np.random.seed(0)  # a global seed must not matter
    again = sub.bootstrap_indices(50, np.random.default_rng(11))
    other = sub.bootstrap_indices(50, np.random.default_rng(12))
    for result in (first, again, other):
        _check_int_array(result[0], "in_bag")
        _check_int_array(result[1], "oob")
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1]), (
        "expected identical results from two generators with the same seed, got different ones"
    )
    assert not np.array_equal(first[0], other[0]), (
        "expected different in_bag for generators with different seeds, got the same"
    )
    rng = np.random.default_rng(5)
    a = sub.bootstrap_indices(50, rng)[0]
    b = sub.bootstrap_indices(50, rng)[0]
    _check_int_array(a, "in_bag")
    _check_int_array(b, "in_bag")
    assert not np.array_equal(a, b), "expected two draws from one generator to differ"


@pytest.mark.points(2)
def test_bootstrap_is_uniform_with_replacement():
    """bootstrap_indices draws every index uniformly, with replacement (about 63% unique)."""
    rng = np.random.default_rng(2024)
    n, rounds = 10, 300
    totals = np.zeros(n, dtype=int)
    unique_fraction = []
    for in_bag, _oob in _all_or_raise(repeat(sub.bootstrap_indices, (n, rng), rounds)):
        _check_int_array(in_bag, "in_bag")
        totals += np.bincount(in_bag, minlength=n)[:n]
        unique_fraction.append(len(set(in_bag.tolist())) / n)
    assert totals.min() >= 200 and totals.max() <= 400, (
        f"expected each index drawn about {rounds} times in {rounds} samples of size {n}, "
        f"got counts {totals.tolist()}"
    )
    mean_unique = float(np.mean(unique_fraction))
    assert 0.60 <= mean_unique <= 0.70, (
        f"expected about 65% distinct indices per bootstrap of size 10, got {mean_unique:.1%}"
    )


@pytest.mark.points(1)
def test_bootstrap_edge_cases():
    """bootstrap_indices(1, rng) gives in_bag [0] and an empty oob; n_samples < 1 raises ValueError."""
    in_bag, oob = sub.bootstrap_indices(1, np.random.default_rng(0))
    _check_int_array(in_bag, "in_bag")
    assert in_bag.tolist() == [0], f"expected in_bag [0], got {in_bag!r}"
    _check_int_array(oob, "oob")
    assert oob.shape == (0,), f"expected an empty oob, got {oob!r}"
    for bad in (0, -3):
        with pytest.raises(ValueError):
            sub.bootstrap_indices(bad, np.random.default_rng(0))


# --------------------------------------------------------------------------- majority_vote


@st.composite
def _prediction_matrix(draw):
    n_estimators = draw(st.integers(1, 7))
    n_samples = draw(st.integers(1, 10))
    pool = draw(st.sampled_from([[0, 1], [0, 1, 2], [-3, 2, 1000], [5, -1, 7, 2]]))
    cells = draw(
        st.lists(
            st.sampled_from(pool),
            min_size=n_estimators * n_samples,
            max_size=n_estimators * n_samples,
        )  # fmt: skip
    )
    return np.array(cells).reshape(n_estimators, n_samples)


@pytest.mark.points(3)
@settings(max_examples=60, **NO_SHRINK)
@given(_prediction_matrix())
def test_majority_vote_matches_brute_force(predictions):
    """majority_vote returns the most frequent label per column, ties to the smallest label."""
    got = sub.majority_vote(predictions)
    expected = _brute_majority(predictions)
    assert type(got) is np.ndarray, (
        f"majority_vote: expected a numpy array, got {type(got).__name__}"
    )
    assert np.asarray(got).tolist() == expected, (
        f"predictions={predictions.tolist()}: expected {expected}, got {np.asarray(got).tolist()}"
    )


@pytest.mark.gated_on("test_majority_vote_matches_brute_force")
@pytest.mark.points(2)
def test_majority_vote_ties_go_to_smallest_label():
    """majority_vote breaks ties by the smallest label (numbers and strings, lists accepted)."""
    cases = [
        ([[1, 0], [0, 1]], [0, 0]),
        ([[3, 3, 9], [2, 9, 3], [3, 2, 9], [2, 2, 3]], [2, 2, 3]),
        ([[-1, 4], [4, -1]], [-1, -1]),
        ([["dog", "cat"], ["cat", "dog"], ["emu", "emu"]], ["cat", "cat"]),
        ([[2.5, 1.5]], [2.5, 1.5]),
    ]
    for predictions, expected in cases:
        got = sub.majority_vote(predictions)
        assert np.asarray(got).tolist() == expected, (
            f"majority_vote({predictions}): expected {expected}, got {np.asarray(got).tolist()}"
        )


@pytest.mark.points(1)
def test_majority_vote_shapes():
    """majority_vote: zero samples give an empty array; 1-D, 3-D or zero estimators raise ValueError."""
    got = sub.majority_vote(np.empty((3, 0), dtype=int))
    assert type(got) is np.ndarray and got.shape == (0,), (
        f"majority_vote: expected an empty numpy array of shape (0,), got {got!r}"
    )
    for bad in ([1, 2, 3], np.empty((0, 4), dtype=int), [[[1, 2]]]):
        with pytest.raises(ValueError):
            sub.majority_vote(bad)


# --------------------------------------------------------------------------- BaggingEnsemble


@pytest.mark.points(3)
def test_bagging_estimators_are_fitted_clones():
    """fit returns self; estimators_ holds n_estimators (default 10) distinct fitted clones."""
    X, y = _dataset(0, 30)
    base = RecordingClassifier(tag="custom")
    model = sub.BaggingEnsemble(base, 7, random_state=0)
    returned = model.fit(X, y)
    assert returned is model, "expected fit to return self"
    estimators = list(model.estimators_)
    assert len(estimators) == 7, f"expected 7 estimators, got {len(estimators)}"
    assert len({id(e) for e in estimators}) == 7, "expected 7 distinct estimator objects"
    for est in estimators:
        assert est is not base, "expected clones in estimators_, got the base estimator itself"
        assert type(est) is RecordingClassifier, f"expected clones, got {type(est).__name__}"
        assert est.get_params() == base.get_params(), (
            f"expected clone parameters {base.get_params()}, got {est.get_params()}"
        )
        assert is_fitted(est), "expected every estimator in estimators_ to be fitted"
    assert not is_fitted(base), "expected the base_estimator itself to stay unfitted"
    stored = (model.base_estimator is base, model.n_estimators, model.random_state)
    assert stored == (True, 7, 0), (
        f"expected base_estimator, n_estimators, random_state stored as given, got {stored}"
    )
    default = sub.BaggingEnsemble(RecordingClassifier(), random_state=0).fit(X, y)
    assert len(default.estimators_) == 10, (
        f"expected 10 estimators by default, got {len(default.estimators_)}"
    )


@pytest.mark.points(3)
def test_bagging_fits_each_estimator_on_a_bootstrap_sample():
    """Each estimator is fitted on n rows drawn uniformly with replacement, independently."""
    n = 10
    X, y = _dataset(1, n)
    model = sub.BaggingEnsemble(RecordingClassifier(), 200, random_state=3).fit(X, y)
    totals = np.zeros(n, dtype=int)
    unique_fraction = []
    samples = set()
    for (rows,) in _all_or_raise(read_each(model, True)):
        rows = np.asarray(rows)
        assert rows.shape == (n,), f"expected each estimator to see {n} rows, got {rows.shape[0]}"
        totals += np.bincount(rows, minlength=n)[:n]
        unique_fraction.append(len(set(rows.tolist())) / n)
        samples.add(tuple(rows.tolist()))
    assert totals.min() >= 130 and totals.max() <= 270, (
        f"expected each row in about 200 of 200 bootstrap draws of size {n}, got {totals.tolist()}"
    )
    mean_unique = float(np.mean(unique_fraction))
    assert 0.58 <= mean_unique <= 0.72, (
        f"expected about 65% distinct rows per bootstrap (with replacement), got {mean_unique:.1%}"
    )
    assert len(samples) > 150, (
        f"expected the 200 estimators to get different bootstrap samples, got {len(samples)} distinct"
    )


@pytest.mark.points(4)
@settings(max_examples=30, **NO_SHRINK)
@given(
    st.integers(0, 10_000),
    st.integers(2, 30),
    st.integers(1, 12),
    st.sampled_from(["int", "str", "neg"]),
    st.integers(2, 4),
)
def test_bagging_oob_score_matches_brute_force(seed, n, n_estimators, kind, n_classes):
    """oob_score_ is the accuracy of the vote of the estimators that did not see each sample."""
    X, y = _dataset(seed, n, kind, n_classes)
    model = sub.BaggingEnsemble(RecordingClassifier(), n_estimators, random_state=seed)
    model.fit(X.tolist(), y.tolist())
    expected = _oob_brute_force(model, X, y)
    got = model.oob_score_
    _check_float(got, "oob_score_")
    if math.isnan(expected):
        assert math.isnan(got), f"no sample is out of bag: expected nan, got {got}"
    else:
        assert abs(got - expected) <= 1e-12, (
            f"n={n}, n_estimators={n_estimators}: expected oob_score_ {expected}, got {got}"
        )


@pytest.mark.points(3)
@settings(max_examples=25, **NO_SHRINK)
@given(
    st.integers(0, 10_000),
    st.integers(2, 30),
    st.integers(1, 12),
    st.sampled_from(["int", "str", "neg"]),
)
def test_bagging_predict_is_majority_vote(seed, n, n_estimators, kind):
    """predict returns the majority vote of estimators_ (ties to the smallest label)."""
    X, y = _dataset(seed, n, kind)
    model = sub.BaggingEnsemble(RecordingClassifier(), n_estimators, random_state=seed).fit(X, y)
    X_new = np.column_stack([np.zeros(15), np.random.default_rng(seed + 1).normal(size=15)])
    got = model.predict(X_new)
    expected = _brute_majority(
        [predicted for (predicted,) in _all_or_raise(read_each(model, False, X_new))]
    )
    assert type(got) is np.ndarray, f"predict: expected a numpy array, got {type(got).__name__}"
    assert np.asarray(got).tolist() == expected, (
        f"expected the majority vote {expected}, got {np.asarray(got).tolist()}"
    )


@pytest.mark.points(2)
def test_bagging_random_state():
    """The same random_state gives the same bootstraps and oob_score_; another gives others."""
    X, y = _dataset(4, 40)

    def bootstraps(random_state):
        model = sub.BaggingEnsemble(RecordingClassifier(), 5, random_state=random_state).fit(X, y)
        rows = _all_or_raise(read_each(model, True))
        return [np.asarray(r).tolist() for (r,) in rows], model.oob_score_

    first, first_oob = bootstraps(7)
    again, again_oob = bootstraps(7)
    _check_float(first_oob, "oob_score_")
    _check_float(again_oob, "oob_score_")
    # nan (nothing out of bag) equals nan here: identical fits, identical scores
    same_oob = first_oob == again_oob or all(math.isnan(v) for v in (first_oob, again_oob))
    assert first == again and same_oob, (
        "expected random_state=7 to give identical bootstraps on two fits, got different ones"
    )
    assert bootstraps(8)[0] != first, "expected random_state=8 to give other bootstraps than 7"
    assert bootstraps(None)[0] != bootstraps(None)[0], (
        "expected random_state=None to give fresh bootstraps on each fit"
    )


@pytest.mark.points(1)
def test_bagging_oob_nan_when_nothing_is_out_of_bag():
    """oob_score_ is nan when every sample was in every bootstrap (one training row)."""
    X, y = _dataset(0, 1)
    model = sub.BaggingEnsemble(RecordingClassifier(), 3, random_state=0).fit(X, y)
    got = model.oob_score_
    _check_float(got, "oob_score_")
    assert math.isnan(got), f"expected nan, got {got!r}"
    assert np.asarray(model.predict(X)).tolist() == y.tolist(), "expected predict to still work"


@pytest.mark.gated_on("test_bagging_predict_is_majority_vote")
@pytest.mark.points(1)
def test_bagging_invalid_arguments():
    """BaggingEnsemble raises ValueError for a bad n_estimators, bad X/y, predict before fit."""
    X, y = _dataset(0, 10)
    for bad in (0, -2, 2.5):
        with pytest.raises(ValueError):
            sub.BaggingEnsemble(RecordingClassifier(), bad, random_state=0).fit(X, y)
    with pytest.raises(ValueError):
        sub.BaggingEnsemble(RecordingClassifier(), 3, random_state=0).fit(X, y[:-1])
    with pytest.raises(ValueError):
        sub.BaggingEnsemble(RecordingClassifier(), 3, random_state=0).fit(X[:0], y[:0])
    with pytest.raises(ValueError):
        sub.BaggingEnsemble(RecordingClassifier(), 3, random_state=0).predict(X)


@pytest.mark.points(1)
def test_bagging_decision_trees_end_to_end():
    """BaggingEnsemble of decision trees on an easy problem: good oob score and predictions."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "pos", "neg")
    base = DecisionTreeClassifier(max_depth=3, random_state=0)
    model = sub.BaggingEnsemble(base, 15, random_state=1).fit(X, y)
    _check_float(model.oob_score_, "oob_score_")
    assert 0.75 <= model.oob_score_ < 1.0, (
        f"expected oob_score_ in [0.75, 1), got {model.oob_score_}"
    )
    predicted = np.asarray(model.predict(X))
    accuracy = float(np.mean(predicted == y))
    assert accuracy >= 0.9, f"expected training accuracy >= 0.9, got {accuracy}"
    assert not is_fitted(base), "expected the base_estimator itself to stay unfitted"


# --------------------------------------------------------------------------- adaboost_update


def _adaboost_oracle(weights, y_true, y_pred):
    w = np.asarray(weights, dtype=float)
    yt = np.asarray(y_true, dtype=float)
    yp = np.asarray(y_pred, dtype=float)
    err = w[yt != yp].sum() / w.sum()
    err = min(max(err, 1e-10), 1 - 1e-10)
    alpha = 0.5 * math.log((1 - err) / err)
    new = w * np.exp(-alpha * yt * yp)
    return new / new.sum(), alpha


def _check_adaboost(got, weights, y_true, y_pred):
    assert isinstance(got, tuple) and len(got) == 2, f"expected (new_weights, alpha), got {got!r}"
    new_weights, alpha = got
    expected_w, expected_alpha = _adaboost_oracle(weights, y_true, y_pred)
    _check_float(alpha, "adaboost_update's alpha")
    assert math.isclose(alpha, expected_alpha, rel_tol=1e-9, abs_tol=1e-12), (
        f"expected alpha {expected_alpha!r}, got {alpha!r}"
    )
    assert type(new_weights) is np.ndarray, (
        f"adaboost_update: expected new_weights as a numpy array, got {type(new_weights).__name__}"
    )
    assert np.allclose(new_weights, expected_w, rtol=1e-9, atol=1e-12), (
        f"expected new_weights {expected_w.tolist()}, got {np.asarray(new_weights).tolist()}"
    )


@pytest.mark.points(4)
@settings(max_examples=60, **NO_SHRINK)
@given(st.integers(0, 10_000), st.integers(1, 25), st.floats(0.01, 100.0), st.booleans())
def test_adaboost_matches_formula(seed, n, scale, with_zero):
    """adaboost_update equals the discrete AdaBoost formulas for any positive weights."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.1, 1.0, size=n) * scale
    if with_zero:
        weights[0] = 0.0
        weights[-1] = max(weights[-1], 0.5 * scale)
    y_true = rng.choice([-1, 1], size=n)
    y_pred = np.where(rng.random(n) < rng.uniform(0.1, 0.9), -y_true, y_true)
    got = sub.adaboost_update(weights.copy(), y_true.tolist(), y_pred.tolist())
    _check_adaboost(got, weights, y_true, y_pred)


@pytest.mark.points(1)
def test_adaboost_worked_example():
    """Four equal weights, one mistake: err 0.25, alpha 0.5*ln(3), weights 1/6, 1/6, 1/6, 1/2."""
    new_weights, alpha = sub.adaboost_update([1, 1, 1, 1], [1, -1, 1, -1], [1, -1, 1, 1])
    _check_float(alpha, "adaboost_update's alpha")
    assert type(new_weights) is np.ndarray, (
        f"adaboost_update: expected new_weights as a numpy array, got {type(new_weights).__name__}"
    )
    assert math.isclose(alpha, 0.5 * math.log(3), rel_tol=1e-9), (
        f"expected alpha {0.5 * math.log(3)}, got {alpha}"
    )
    expected = [1 / 6, 1 / 6, 1 / 6, 1 / 2]
    assert np.allclose(new_weights, expected, rtol=1e-9), (
        f"expected new_weights {expected}, got {np.asarray(new_weights).tolist()}"
    )


@pytest.mark.points(2)
def test_adaboost_clips_error_rate():
    """A perfect (err 0) or always-wrong (err 1) learner gives a finite alpha from err clipped to 1e-10."""
    weights = np.array([0.5, 1.5, 2.0])
    y = np.array([1, -1, 1])
    # copies: the expected values come from weights as they were, whatever the call did
    perfect = sub.adaboost_update(weights.copy(), y, y)
    _check_adaboost(perfect, weights, y, y)
    assert math.isclose(perfect[1], 0.5 * math.log((1 - 1e-10) / 1e-10), rel_tol=1e-6), (
        f"err=0: expected alpha 0.5*ln((1-1e-10)/1e-10) ~ 11.51, got {perfect[1]}"
    )
    wrong = sub.adaboost_update(weights.copy(), y, -y)
    _check_adaboost(wrong, weights, y, -y)
    assert math.isclose(wrong[1], -0.5 * math.log((1 - 1e-10) / 1e-10), rel_tol=1e-6), (
        f"err=1: expected alpha -0.5*ln((1-1e-10)/1e-10) ~ -11.51, got {wrong[1]}"
    )


@pytest.mark.points(1)
def test_adaboost_normalises_and_leaves_input_alone():
    """adaboost_update returns float weights summing to 1 and does not modify the weights passed in."""
    weights = np.array([2.0, 3.0, 5.0, 10.0])
    before = weights.copy()
    new_weights, _ = sub.adaboost_update(weights, [1, 1, -1, -1], [1, -1, -1, 1])
    left = left_by_candidate(weights)
    assert np.array_equal(left, before), f"expected weights unchanged, got {left.tolist()}"
    assert type(new_weights) is np.ndarray, (
        f"adaboost_update: expected new_weights as a numpy array, got {type(new_weights).__name__}"
    )
    assert np.issubdtype(np.asarray(new_weights).dtype, np.floating), (
        f"expected float weights, got dtype {np.asarray(new_weights).dtype}"
    )
    total = float(np.sum(new_weights))
    assert abs(total - 1.0) <= 1e-12, f"expected new weights summing to 1, got {total!r}"


@pytest.mark.gated_on("test_adaboost_worked_example")
@pytest.mark.points(1)
def test_adaboost_invalid_arguments():
    """adaboost_update raises ValueError for labels outside {-1, +1}, bad weights, bad lengths."""
    bad_calls = [
        ([1, 1], [1, 0], [1, 1]),  # 0/1 labels
        ([1, 1], [1, 1], [2, 1]),
        ([1, 1, 1], [1, -1], [1, -1]),  # lengths differ
        ([1, 1], [1, -1], [1, -1, 1]),
        ([], [], []),
        ([1, -0.5], [1, -1], [1, 1]),  # negative weight
        ([0, 0], [1, -1], [1, 1]),  # zero total weight
        ([1, np.inf], [1, -1], [1, 1]),  # not finite
        ([np.nan, 1], [1, -1], [1, 1]),
    ]
    for weights, y_true, y_pred in bad_calls:
        with pytest.raises(ValueError):
            sub.adaboost_update(weights, y_true, y_pred)
