"""Hidden suite for the metrics exercise: scikit-learn is the oracle."""

import warnings

import metrics as sub
import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from grader.judge.suite_tools import define

TOL = 1e-12
AVERAGES = ["binary", "micro", "macro", "weighted"]
MULTI_AVERAGES = ["micro", "macro", "weighted"]
SCORES = ["precision_score", "recall_score", "f1_score"]
INT_LABELS = [-1, 0, 1, 2, 3, 7]
STR_LABELS = ["ant", "cat", "dog", "emu", "yak"]
CONTAINERS = [list, tuple, np.array]
# No "explain" phase: it costs tens of seconds per failing property and adds nothing here.
PHASES = [phase for phase in Phase if phase is not Phase.explain]


def oracle(name, y_true, y_pred, **kwargs):
    """scikit-learn's result for the same call, warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(skm, name)(list(y_true), list(y_pred), **kwargs)


# A score's value is checked only on a real number: a float or a numpy float scalar, not
# an object of some other class that may claim to equal anything. That the score is a
# built-in float exactly is test_results_are_python_floats' to check, and only its.
NUMBER_TYPES = (float, np.float64, np.float32)


def as_score(value, name):
    """A score the candidate returned, checked to be a real number before its value."""
    assert type(value) in NUMBER_TYPES, f"{name}: expected a float, got {type(value).__name__}"
    return value


# The three scores of one example, asked with one call from the judge: the candidate's
# functions run one after the other next to its code, in the order the checks read them.
_CANDIDATE_SIDE = """
def each_score(functions, y_true, y_pred, kwargs):
    '''function(y_true, y_pred, **kwargs) for each function in turn: (the scores, the
    error that stopped them or None).'''
    scores = []
    for function in functions:
        try:
            scores.append(function(y_true, y_pred, **kwargs))
        except BaseException as error:
            return scores, error
    return scores, None
"""
each_score = define(_CANDIDATE_SIDE, "each_score")


def check_scores(y_true, y_pred, **kwargs):
    """Compare the candidate's precision, recall and F1 with scikit-learn's.

    scikit-learn's three scores are views of one ``precision_recall_fscore_support``
    call: asking it once keeps the oracle's cost per example low. Its own default
    ``average`` is None (per class), the scores' default is "binary".
    """
    wanted = {"average": "binary", **kwargs}
    expected = oracle("precision_recall_fscore_support", y_true, y_pred, **wanted)[:3]
    found, error = each_score([getattr(sub, name) for name in SCORES], y_true, y_pred, kwargs)
    for name, want, score in zip(SCORES, expected, found, strict=False):
        got = as_score(score, name)
        assert abs(got - want) <= TOL, (
            f"{name}({list(y_true)}, {list(y_pred)}, **{kwargs}): expected {want!r}, got {got!r}"
        )
    if error is not None:
        raise error


@st.composite
def label_pairs(draw, alphabet, max_size=25):
    """Two equally long label vectors drawn from ``alphabet`` in a random container."""
    n = draw(st.integers(1, max_size))
    y_true = draw(st.lists(st.sampled_from(alphabet), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(alphabet), min_size=n, max_size=n))
    container = draw(st.sampled_from(CONTAINERS))
    return container(y_true), container(y_pred)


# --------------------------------------------------------------------------- confusion_matrix


@pytest.mark.points(3)
@settings(max_examples=30, phases=PHASES)
@given(pair=label_pairs(INT_LABELS))
def test_confusion_matrix_matches_sklearn_integer_labels(pair):
    """confusion_matrix on integer labels equals scikit-learn's, as an integer ndarray."""
    y_true, y_pred = pair
    expected = oracle("confusion_matrix", y_true, y_pred)
    got = sub.confusion_matrix(y_true, y_pred)
    assert type(got) is np.ndarray, (
        f"confusion_matrix: expected a numpy.ndarray, got {type(got).__name__}"
    )
    assert np.issubdtype(got.dtype, np.integer), f"expected an integer dtype, got {got.dtype}"
    assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
    assert np.array_equal(got, expected), f"expected\n{expected}\ngot\n{got}"


@pytest.mark.points(2)
@settings(max_examples=25, phases=PHASES)
@given(pair=label_pairs(STR_LABELS))
def test_confusion_matrix_matches_sklearn_string_labels(pair):
    """confusion_matrix on string labels uses their sorted order, as scikit-learn does."""
    y_true, y_pred = pair
    expected = oracle("confusion_matrix", y_true, y_pred)
    got = sub.confusion_matrix(y_true, y_pred)
    assert type(got) is np.ndarray, (
        f"confusion_matrix: expected a numpy.ndarray, got {type(got).__name__}"
    )
    assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
    assert np.array_equal(got, expected), f"expected\n{expected}\ngot\n{got}"


@pytest.mark.points(3)
@settings(max_examples=30, phases=PHASES)
@given(data=st.data(), alphabet=st.sampled_from([INT_LABELS, STR_LABELS]))
def test_confusion_matrix_labels_give_order_and_subset(data, alphabet):
    """labels= sets the row/column order; unlisted labels are ignored, unseen ones give zeros."""
    y_true, y_pred = data.draw(label_pairs(alphabet))
    first = data.draw(st.sampled_from(sorted(set(list(y_true)))))
    others = data.draw(st.lists(st.sampled_from(alphabet), unique=True, max_size=len(alphabet)))
    labels = data.draw(st.permutations([first] + [lab for lab in others if lab != first]))
    expected = oracle("confusion_matrix", y_true, y_pred, labels=labels)
    got = sub.confusion_matrix(y_true, y_pred, labels=labels)
    assert type(got) is np.ndarray, (
        f"confusion_matrix: expected a numpy.ndarray, got {type(got).__name__}"
    )
    assert got.shape == expected.shape, (
        f"labels={labels}: expected {expected.shape}, got {got.shape}"
    )
    assert np.array_equal(got, expected), f"labels={labels}: expected\n{expected}\ngot\n{got}"


@pytest.mark.gated_on("test_confusion_matrix_matches_sklearn_integer_labels")
@pytest.mark.points(1)
def test_confusion_matrix_rejects_bad_targets():
    """confusion_matrix raises ValueError for different lengths and for empty input."""
    with pytest.raises(ValueError):
        sub.confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(ValueError):
        sub.confusion_matrix([0, 1], [0, 1, 1])
    with pytest.raises(ValueError):
        sub.confusion_matrix([], [])


@pytest.mark.gated_on("test_confusion_matrix_matches_sklearn_integer_labels")
@pytest.mark.points(2)
def test_confusion_matrix_rejects_bad_labels():
    """labels= that is empty, repeats a label or names no label of y_true raises ValueError."""
    y_true, y_pred = [0, 1, 2, 1], [0, 2, 2, 1]
    with pytest.raises(ValueError):
        sub.confusion_matrix(y_true, y_pred, labels=[])
    with pytest.raises(ValueError):
        sub.confusion_matrix(y_true, y_pred, labels=[1, 0, 1])
    with pytest.raises(ValueError):
        sub.confusion_matrix(y_true, y_pred, labels=[5, 9])
    got = sub.confusion_matrix(y_true, y_pred, labels=[2])
    assert type(got) is np.ndarray, (
        f"confusion_matrix(labels=[2]): expected a numpy.ndarray, got {type(got).__name__}"
    )
    assert np.array_equal(got, [[1]]), f"labels=[2]: expected [[1]], got {got}"


# --------------------------------------------------------------------------- scores vs oracle


@pytest.mark.points(4)
@settings(max_examples=30, phases=PHASES)
@given(
    pair=label_pairs([0, 1]),
    pos_label=st.sampled_from([0, 1]),
    zero_division=st.sampled_from([0.0, 1.0]),
)
def test_binary_scores_match_sklearn(pair, pos_label, zero_division):
    """Binary precision, recall and F1 on 0/1 labels equal scikit-learn's for both pos_labels."""
    y_true, y_pred = pair
    check_scores(y_true, y_pred, pos_label=pos_label, zero_division=zero_division)


@pytest.mark.points(2)
@settings(max_examples=25, phases=PHASES)
@given(
    pair=label_pairs(["ham", "spam"]),
    pos_label=st.sampled_from(["ham", "spam"]),
    zero_division=st.sampled_from([0.0, 1.0]),
)
def test_binary_scores_with_string_pos_label(pair, pos_label, zero_division):
    """Binary scores on string labels use pos_label as the positive class."""
    y_true, y_pred = pair
    check_scores(y_true, y_pred, pos_label=pos_label, zero_division=zero_division)


@pytest.mark.points(5)
@settings(max_examples=40, phases=PHASES)
@given(
    pair=st.sampled_from([INT_LABELS, STR_LABELS]).flatmap(label_pairs),
    average=st.sampled_from(MULTI_AVERAGES),
    zero_division=st.sampled_from([0.0, 1.0]),
)
def test_multiclass_averages_match_sklearn(pair, average, zero_division):
    """micro, macro and weighted precision, recall and F1 equal scikit-learn's."""
    y_true, y_pred = pair
    check_scores(y_true, y_pred, average=average, zero_division=zero_division)


# --------------------------------------------------------------------------- worked examples


@pytest.mark.points(2)
def test_zero_division_for_a_class_never_predicted():
    """A class that is never predicted has precision zero_division in the macro average."""
    y_true, y_pred = [0, 1, 2, 2, 1], [0, 1, 1, 1, 0]
    # per-class precision: 0 -> 1/2, 1 -> 1/3, 2 -> undefined
    for zd, expected in [(0.0, (1 / 2 + 1 / 3 + 0.0) / 3), (1.0, (1 / 2 + 1 / 3 + 1.0) / 3)]:
        got = as_score(
            sub.precision_score(y_true, y_pred, average="macro", zero_division=zd),
            "precision_score",
        )
        assert abs(got - expected) <= TOL, f"zero_division={zd}: expected {expected}, got {got}"
    # per-class weighted precision: supports 1, 2, 2
    for zd, expected in [(0.0, (1 / 2 + 2 / 3 + 0.0) / 5), (1.0, (1 / 2 + 2 / 3 + 2.0) / 5)]:
        got = as_score(
            sub.precision_score(y_true, y_pred, average="weighted", zero_division=zd),
            "precision_score",
        )
        assert abs(got - expected) <= TOL, (
            f"weighted, zero_division={zd}: expected {expected}, got {got}"
        )


@pytest.mark.points(2)
def test_zero_division_for_a_class_never_true():
    """A class that occurs only in y_pred has recall zero_division in the macro average."""
    y_true, y_pred = [0, 0, 1, 1], [0, 2, 1, 1]
    # per-class recall: 0 -> 1/2, 1 -> 1, 2 -> undefined; per-class F1: 2/3, 1, 0
    for zd in (0.0, 1.0):
        expected = (0.5 + 1.0 + zd) / 3
        got = as_score(
            sub.recall_score(y_true, y_pred, average="macro", zero_division=zd), "recall_score"
        )
        assert abs(got - expected) <= TOL, f"zero_division={zd}: expected {expected}, got {got}"
        expected_f1 = (2 / 3 + 1.0 + 0.0) / 3
        got = as_score(sub.f1_score(y_true, y_pred, average="macro", zero_division=zd), "f1_score")
        assert abs(got - expected_f1) <= TOL, (
            f"macro F1, zero_division={zd}: expected {expected_f1}, got {got}"
        )


@pytest.mark.points(2)
def test_binary_no_positive_predictions():
    """With no positive prediction, precision is zero_division while recall and F1 are 0."""
    y_true, y_pred = [1, 0, 1, 0], [0, 0, 0, 0]
    for zd in (0.0, 1.0):
        p = as_score(sub.precision_score(y_true, y_pred, zero_division=zd), "precision_score")
        r = as_score(sub.recall_score(y_true, y_pred, zero_division=zd), "recall_score")
        f = as_score(sub.f1_score(y_true, y_pred, zero_division=zd), "f1_score")
        assert (p, r, f) == (zd, 0.0, 0.0), (
            f"zero_division={zd}: expected precision, recall, F1 = {(zd, 0.0, 0.0)}, got {(p, r, f)}"
        )


@pytest.mark.points(1)
def test_binary_single_label_without_pos_label():
    """One label only, not pos_label: precision, recall and F1 all equal zero_division."""
    for y in ([0, 0, 0], ["a", "a"]):
        for zd in (0.0, 1.0):
            got = tuple(
                as_score(getattr(sub, name)(y, y, zero_division=zd), name) for name in SCORES
            )
            assert got == (zd, zd, zd), (
                f"y={y}, zero_division={zd}: expected {(zd,) * 3}, got {got}"
            )


@pytest.mark.points(2)
def test_macro_f1_is_mean_of_per_class_f1():
    """Macro F1 averages the per-class F1 values, not the averaged precision and recall."""
    y_true = [0, 0, 0, 0, 1, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 1, 1, 2, 0, 0]
    # per class (tp, fp, fn): 0 -> (1, 2, 3), 1 -> (2, 2, 0), 2 -> (1, 1, 2)
    expected = (2 / 7 + 4 / 6 + 2 / 5) / 3
    got = as_score(sub.f1_score(y_true, y_pred, average="macro"), "f1_score")
    assert abs(got - expected) <= TOL, f"expected {expected}, got {got}"
    # weighted by support 4, 2, 3
    expected = (4 * 2 / 7 + 2 * 4 / 6 + 3 * 2 / 5) / 9
    got = as_score(sub.f1_score(y_true, y_pred, average="weighted"), "f1_score")
    assert abs(got - expected) <= TOL, f"weighted: expected {expected}, got {got}"
    # micro F1 equals accuracy for single-label data
    got = as_score(sub.f1_score(y_true, y_pred, average="micro"), "f1_score")
    assert abs(got - 4 / 9) <= TOL, f"micro: expected {4 / 9}, got {got}"


@pytest.mark.points(2)
def test_results_are_python_floats():
    """Every score, for every average, is a built-in Python float (not numpy.float64)."""
    cases = {
        "binary": ([0, 1, 1, 0], [0, 1, 0, 0]),
        "micro": ([0, 1, 2, 2], [0, 2, 1, 2]),
        "macro": (["a", "b", "c"], ["a", "c", "c"]),
        "weighted": (np.array([3, 1, 2, 2]), np.array([3, 1, 1, 2])),
    }
    for average, (y_true, y_pred) in cases.items():
        for name in SCORES:
            got = as_score(getattr(sub, name)(y_true, y_pred, average=average), name)
            assert type(got) is float, (
                f"{name}(average={average!r}): expected float, got {type(got)}"
            )


# --------------------------------------------------------------------------- arguments


@pytest.mark.gated_on("test_binary_scores_match_sklearn")
@pytest.mark.points(2)
def test_scores_reject_length_mismatch_and_empty_input():
    """All three scores raise ValueError for different lengths and for empty input."""
    for name in SCORES:
        for average in AVERAGES:
            with pytest.raises(ValueError):
                getattr(sub, name)([0, 1, 1], [0, 1], average=average)
            with pytest.raises(ValueError):
                getattr(sub, name)([0, 1], [0, 1, 1], average=average)
            with pytest.raises(ValueError):
                getattr(sub, name)([], [], average=average)


@pytest.mark.gated_on("test_binary_scores_match_sklearn")
@pytest.mark.points(1)
def test_two_dimensional_input_is_rejected():
    """A y_true or y_pred that is not 1-D (2-D array, nested list, column, scalar) raises ValueError in every function."""
    flat = np.array([0, 1, 1, 0])
    square = np.array([[0, 1], [1, 0]])
    column = flat.reshape(-1, 1)
    nested = [[0, 1], [1, 0]]
    cases = [(square, square), (column, flat), (flat, column), (nested, nested)]
    cases += [(nested, [0, 1]), ([0, 1, 1, 0], column.tolist()), (np.int64(1), np.int64(1))]
    for bad_true, bad_pred in cases:
        with pytest.raises(ValueError):
            sub.confusion_matrix(bad_true, bad_pred)
        with pytest.raises(ValueError):
            sub.confusion_matrix(bad_true, bad_pred, labels=[0, 1])
        for name in SCORES:
            with pytest.raises(ValueError):
                getattr(sub, name)(bad_true, bad_pred, average="macro")


@pytest.mark.gated_on("test_multiclass_averages_match_sklearn")
@pytest.mark.points(2)
def test_scores_reject_unknown_average_and_zero_division():
    """An unknown average or a zero_division other than 0.0/1.0 raises ValueError."""
    for name in SCORES:
        for average in ("samples", "Macro", "mean", None):
            with pytest.raises(ValueError):
                getattr(sub, name)([0, 1, 2], [0, 1, 1], average=average)
        for zero_division in (0.5, -1.0, 2.0, "warn"):
            with pytest.raises(ValueError):
                getattr(sub, name)(
                    [0, 1, 2], [0, 1, 1], average="macro", zero_division=zero_division
                )


@pytest.mark.gated_on("test_binary_scores_match_sklearn")
@pytest.mark.points(2)
def test_binary_rejects_more_than_two_labels():
    """average='binary' raises ValueError when y_true and y_pred hold more than two labels."""
    for name in SCORES:
        with pytest.raises(ValueError):
            getattr(sub, name)([0, 1, 2, 1], [0, 1, 1, 1])
        with pytest.raises(ValueError):
            getattr(sub, name)([0, 1, 1, 1], [0, 1, 2, 1])  # third label only predicted
        with pytest.raises(ValueError):
            getattr(sub, name)(["a", "b", "c"], ["a", "b", "c"], pos_label="a")


@pytest.mark.gated_on("test_binary_scores_match_sklearn")
@pytest.mark.points(2)
def test_binary_rejects_pos_label_not_present():
    """average='binary' with two labels, neither of them pos_label, raises ValueError."""
    for name in SCORES:
        with pytest.raises(ValueError):
            getattr(sub, name)(["neg", "pos", "pos"], ["neg", "pos", "neg"])
        with pytest.raises(ValueError):
            getattr(sub, name)([2, 3, 3], [3, 3, 2])
        with pytest.raises(ValueError):
            getattr(sub, name)([0, 1, 1], [0, 1, 0], pos_label=2)


@pytest.mark.points(1)
def test_pos_label_ignored_for_other_averages():
    """pos_label is ignored (no error) when average is not 'binary'."""
    y_true, y_pred = ["x", "y", "z", "x"], ["x", "z", "z", "y"]
    for name in SCORES:
        for average in MULTI_AVERAGES:
            expected = oracle(name, y_true, y_pred, average=average)
            got = as_score(
                getattr(sub, name)(y_true, y_pred, average=average, pos_label="nope"), name
            )
            assert abs(got - expected) <= TOL, f"{name}({average}): expected {expected}, got {got}"
