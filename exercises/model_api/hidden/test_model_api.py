"""Hidden suite for the ``model_api`` exercise: MLModel's static and class methods."""

import types

import model_api as sub
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.judge.suite_tools import left_by_candidate

ATOL = 1e-7  # tolerance for standardized values
ZERO_ATOL = 1e-12  # a constant column must be zero within this


def _oracle(X):
    """Brute-force column-wise z-scores with the population std; constant columns -> 0."""
    X = np.asarray(X, dtype=float)
    out = np.zeros_like(X)
    for j in range(X.shape[1]):
        col = X[:, j]
        if np.all(col == col[0]):
            continue
        out[:, j] = (col - col.mean()) / col.std(ddof=0)
    return out


@st.composite
def _matrices(draw):
    """2-D float arrays of at least two rows whose every column clearly varies (constant
    columns are test_standardize_constant_columns_become_zeros')."""
    n_rows = draw(st.integers(2, 8))
    n_cols = draw(st.integers(1, 5))
    columns = []
    for _ in range(n_cols):
        col = draw(st.lists(st.integers(-400, 400), min_size=n_rows, max_size=n_rows))
        if len(set(col)) == 1:
            col[0] += 1
        columns.append([v / 4 for v in col])
    return np.array(columns, dtype=float).T.copy()


def _check_standardized(got, X, label):
    assert type(got) is np.ndarray, f"{label}: expected a numpy.ndarray, got {type(got).__name__}"
    assert got.shape == X.shape, f"{label}: expected shape {X.shape}, got {got.shape}"
    assert np.issubdtype(got.dtype, np.floating), (
        f"{label}: expected a float array, got {got.dtype}"
    )
    expected = _oracle(X)
    assert np.all(np.isfinite(got)), f"{label}: expected finite values, got\n{got}"
    np.testing.assert_allclose(
        got, expected, rtol=0, atol=ATOL, err_msg=f"{label}: standardize({X.tolist()})"
    )


def text(value):
    """A name or model_type the candidate's object holds, once checked to be a str."""
    assert type(value) is str, f"expected a str, got {type(value).__name__}"
    return value


# ------------------------------------------------------------------ class basics


@pytest.mark.points(1)
def test_model_type_and_name():
    """MLModel.model_type is 'classifier' and MLModel(name) stores self.name."""
    assert text(sub.MLModel.model_type) == "classifier", (
        f"expected MLModel.model_type == 'classifier', got {sub.MLModel.model_type!r}"
    )
    model = sub.MLModel("forest")
    assert text(model.name) == "forest", f"expected name 'forest', got {model.name!r}"
    assert text(sub.MLModel(name="svm").name) == "svm", "expected MLModel(name='svm') to work"
    assert text(model.model_type) == "classifier", (
        f"expected instance model_type 'classifier', got {model.model_type!r}"
    )


# ------------------------------------------------------------------ standardize


@pytest.mark.points(4)
@settings(max_examples=40)
@given(X=_matrices())
def test_standardize_matches_zscore(X):
    """standardize equals (X - mean) / std per column (population std), on varying columns."""
    original = X.copy()
    got = sub.MLModel.standardize(X)
    _check_standardized(got, original, "MLModel.standardize")


@pytest.mark.points(2)
def test_standardize_uses_population_std():
    """The std is the population std (ddof=0): [[1], [3]] becomes [[-1], [1]]."""
    got = sub.MLModel.standardize(np.array([[1.0], [3.0]]))
    expected = np.array([[-1.0], [1.0]])
    assert type(got) is np.ndarray, (
        f"standardize: expected a numpy.ndarray, got {type(got).__name__}"
    )
    np.testing.assert_allclose(got, expected, atol=ATOL, err_msg="expected the population std")


@pytest.mark.points(3)
def test_standardize_constant_columns_become_zeros():
    """A column whose values are all equal becomes all zeros, never NaN or +-1."""
    X = np.array([[0.1, 1.0, 5.0], [0.1, 2.0, 5.0], [0.1, 3.0, 5.0]])
    got = sub.MLModel.standardize(X)
    assert type(got) is np.ndarray, (
        f"standardize: expected a numpy.ndarray, got {type(got).__name__}"
    )
    assert not np.isnan(got).any(), f"expected no NaN, got\n{got}"
    for j in (0, 2):
        assert np.all(np.abs(got[:, j]) <= ZERO_ATOL), (
            f"expected constant column {j} ({X[0, j]}) to become zeros, got {got[:, j]}"
        )
    np.testing.assert_allclose(got[:, 1], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)], atol=ATOL)
    single = sub.MLModel.standardize([[4.0, -1.0, 1e6 + 0.1]])
    assert single.shape == (1, 3) and np.all(np.abs(single) <= ZERO_ATOL), (
        f"expected a single row to become zeros, got {single}"
    )


@pytest.mark.points(2)
def test_standardize_on_class_instance_and_subclass():
    """standardize is a static method: same result via the class, an instance or a subclass."""
    X = [[1.0, 10.0], [2.0, 20.0], [4.0, 25.0]]
    expected = _oracle(X)

    class Sub(sub.MLModel):
        model_type = "regressor"

    for label, fn in (
        ("MLModel.standardize", sub.MLModel.standardize),
        ("MLModel('m').standardize", sub.MLModel("m").standardize),
        ("Sub('s').standardize", Sub("s").standardize),
    ):
        got = fn(X)
        assert type(got) is np.ndarray, (
            f"{label}: expected a numpy.ndarray, got {type(got).__name__}"
        )
        np.testing.assert_allclose(got, expected, atol=ATOL, err_msg=label)


@pytest.mark.gated_on("test_standardize_matches_zscore")
@pytest.mark.points(2)
def test_standardize_does_not_mutate_input():
    """standardize returns a new array and leaves its input unchanged."""
    X = np.array([[1.0, 7.0], [2.0, 7.0], [6.0, 7.0]])
    before = X.copy()
    got = sub.MLModel.standardize(X)
    np.testing.assert_array_equal(
        left_by_candidate(X), before, err_msg="the input array was modified"
    )
    assert got is not X and not np.shares_memory(got, X), "expected a new array, not a view of X"
    rows = [[1, 2], [3, 4], [5, 9]]
    sub.MLModel.standardize(rows)
    left = left_by_candidate(rows)
    assert left == [[1, 2], [3, 4], [5, 9]], f"the input list was modified: {left}"


@pytest.mark.points(1)
def test_standardize_integer_and_list_input():
    """Integer arrays and nested lists give a float ndarray of the same shape."""
    # No constant column: that rule is test_standardize_constant_columns_become_zeros'.
    X_int = np.array([[1, 5], [2, 7], [3, 5], [10, 8]], dtype=np.int64)
    got = sub.MLModel.standardize(X_int)
    _check_standardized(got, X_int.astype(float), "int64 input")
    got_list = sub.MLModel.standardize([[1, 5], [2, 7], [3, 5], [10, 8]])
    _check_standardized(got_list, X_int.astype(float), "list input")


@pytest.mark.gated_on("test_standardize_matches_zscore")
@pytest.mark.points(2)
def test_standardize_rejects_bad_input():
    """Non-2-D, empty, NaN/inf or non-numeric X raises ValueError."""
    bad = {
        "1-D": [1.0, 2.0, 3.0],
        "3-D": np.ones((2, 2, 2)),
        "no rows": np.empty((0, 3)),
        "no columns": np.empty((3, 0)),
        "NaN": [[1.0, np.nan], [2.0, 3.0]],
        "inf": [[1.0, np.inf], [2.0, 3.0]],
        "strings": [["a", "b"], ["c", "d"]],
    }
    for label, X in bad.items():
        with pytest.raises(ValueError):
            sub.MLModel.standardize(X)
            pytest.fail(f"expected ValueError for {label} input")


# ------------------------------------------------------------------ create_default


@pytest.mark.points(2)
def test_create_default():
    """MLModel.create_default() returns MLModel(name='default_classifier')."""
    model = sub.MLModel.create_default()
    assert type(model) is sub.MLModel, f"expected an MLModel, got {type(model)}"
    assert text(model.name) == "default_classifier", (
        f"expected 'default_classifier', got {model.name!r}"
    )


@pytest.mark.points(3)
def test_create_default_on_subclass():
    """On a subclass, create_default returns that subclass, named after its model_type."""

    class Regressor(sub.MLModel):
        model_type = "regressor"

    class Forest(sub.MLModel):
        pass

    for cls, expected in ((Regressor, "default_regressor"), (Forest, "default_classifier")):
        model = cls.create_default()
        assert type(model) is cls, f"expected a {cls.__name__}, got {type(model).__name__}"
        assert text(model.name) == expected, (
            f"{cls.__name__}: expected name {expected!r}, got {model.name!r}"
        )
        assert text(model.model_type) == cls.model_type, (
            f"{cls.__name__}: expected model_type {cls.model_type!r}, got {model.model_type!r}"
        )
    from_instance = Regressor("x").create_default()
    assert type(from_instance) is Regressor and text(from_instance.name) == "default_regressor", (
        "expected create_default called on an instance to behave as on its class"
    )


@pytest.mark.points(1)
def test_class_methods_pass_name_by_keyword():
    """Both class methods call cls(name=...), so a subclass with a keyword-only name works."""

    class Tagged(sub.MLModel):
        model_type = "ranker"

        def __init__(self, *, name, version=1):
            super().__init__(name)
            self.version = version

    default = Tagged.create_default()
    assert type(default) is Tagged and text(default.name) == "default_ranker", (
        f"expected Tagged(name='default_ranker'), got {type(default).__name__} {default.name!r}"
    )
    configured = Tagged.from_config({"name": "lambdamart"})
    assert type(configured) is Tagged and text(configured.name) == "lambdamart", (
        f"expected Tagged(name='lambdamart'), got {type(configured).__name__} {configured.name!r}"
    )


# ------------------------------------------------------------------ from_config


@pytest.mark.points(2)
def test_from_config():
    """from_config returns MLModel(name=config['name']) and ignores other keys."""
    model = sub.MLModel.from_config({"name": "gbm", "max_depth": 3})
    assert type(model) is sub.MLModel, f"expected an MLModel, got {type(model)}"
    assert text(model.name) == "gbm", f"expected name 'gbm', got {model.name!r}"
    spaced = sub.MLModel.from_config({"name": " rf v2 "})
    assert text(spaced.name) == " rf v2 ", (
        f"expected the name unchanged (' rf v2 '), got {spaced.name!r}"
    )


@pytest.mark.points(1)
def test_from_config_accepts_any_mapping_and_keeps_it():
    """from_config accepts any mapping (e.g. a read-only one) and does not modify it."""
    config = {"name": "svm", "C": 1.0}
    model = sub.MLModel.from_config(config)
    assert text(model.name) == "svm", f"expected name 'svm', got {model.name!r}"
    left = left_by_candidate(config)
    assert left == {"name": "svm", "C": 1.0}, f"the config was modified: {left}"
    frozen = sub.MLModel.from_config(types.MappingProxyType({"name": "knn"}))
    assert text(frozen.name) == "knn", (
        f"expected name 'knn' from a read-only mapping, got {frozen.name!r}"
    )


@pytest.mark.points(2)
def test_from_config_on_subclass():
    """On a subclass, from_config returns an instance of that subclass."""

    class Regressor(sub.MLModel):
        model_type = "regressor"

    model = Regressor.from_config({"name": "ridge"})
    assert type(model) is Regressor, f"expected a Regressor, got {type(model).__name__}"
    assert text(model.name) == "ridge", f"expected name 'ridge', got {model.name!r}"
    assert text(model.model_type) == "regressor", (
        f"expected model_type 'regressor', got {model.model_type!r}"
    )


@pytest.mark.gated_on("test_from_config")
@pytest.mark.points(3)
def test_from_config_missing_or_empty_name():
    """A missing name or an empty name raises ValueError (not KeyError)."""
    for config in ({}, {"model": "rf"}, {"name": ""}):
        with pytest.raises(ValueError):
            sub.MLModel.from_config(config)
            pytest.fail(f"expected ValueError for {config!r}, nothing was raised")


@pytest.mark.gated_on("test_from_config")
@pytest.mark.points(2)
def test_from_config_rejects_invalid_names_and_configs():
    """A blank, None or non-string name, or a config that is not a mapping, raises ValueError."""
    for config in ({"name": "   "}, {"name": None}, {"name": 42}, [("name", "rf")], None, "name"):
        with pytest.raises(ValueError):
            sub.MLModel.from_config(config)
            pytest.fail(f"expected ValueError for {config!r}, nothing was raised")
