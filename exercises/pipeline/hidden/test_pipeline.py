"""Hidden suite for the `pipeline` exercise (errors in an ML pipeline, Q4)."""

import logging

import joblib
import numpy as np
import pipeline as sub
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from grader.judge.suite_tools import define

LOGGER = "pipeline"

# The candidate's code runs in a process of its own: the spy on the estimators' fit is
# installed there (its records reach caplog with the candidate's own, in order), and an
# exception's explicit cause (`raise ... from exc`, not the implicit context) is read
# there, on the exception the candidate raised.
_CANDIDATE_SIDE = """
import logging

from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

_saved = []


def install_fit_spy():
    for cls in (LogisticRegression, RandomForestClassifier):
        original = cls.fit

        def spying_fit(self, *args, _original=original, **kwargs):
            logging.getLogger("hidden.fit_spy").warning("FIT CALLED")
            return _original(self, *args, **kwargs)

        _saved.append((cls, cls.__dict__.get("fit")))
        cls.fit = spying_fit


def remove_fit_spy():
    while _saved:
        cls, own = _saved.pop()
        if own is None:
            del cls.fit
        else:
            cls.fit = own


def cause_of(exc):
    return exc.__cause__
"""
install_fit_spy, remove_fit_spy, cause_of = define(
    _CANDIDATE_SIDE, "install_fit_spy", "remove_fit_spy", "cause_of"
)


def make_data(n, n_features=3, seed=0):
    """Two balanced, roughly separable classes (labels 0/1, both present from n=2)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, n_features)) + 2.0 * y[:, None]
    return X, y


def pipeline_records(caplog, level=None):
    records = [r for r in caplog.records if r.name == LOGGER or r.name.startswith(LOGGER + ".")]
    if level is not None:
        records = [r for r in records if r.levelno == level]
    return records


def assert_fitted(model):
    try:
        check_is_fitted(model)
    except NotFittedError:
        pytest.fail(f"expected a fitted estimator, got an unfitted {type(model).__name__}")


# --------------------------------------------------------------------------- train_model


@pytest.fixture
def fit_spy():
    """Each call of an estimator's fit in the candidate's process logs a WARNING on
    "hidden.fit_spy"."""
    install_fit_spy()
    try:
        yield
    finally:
        remove_fit_spy()


@pytest.mark.points(3)
def test_default_is_fitted_random_forest():
    """train_model defaults to a fitted RandomForestClassifier with random_state=0."""
    X, y = make_data(120, n_features=4)
    model = sub.train_model(X, y)
    assert isinstance(model, RandomForestClassifier), (
        f"expected RandomForestClassifier, got {type(model).__name__}"
    )
    assert_fitted(model)
    assert model.n_features_in_ == 4, f"expected 4 features seen in fit, got {model.n_features_in_}"
    assert list(model.classes_) == [0, 1], f"expected classes [0, 1], got {list(model.classes_)}"
    assert model.get_params()["random_state"] == 0, (
        f"expected random_state=0, got {model.get_params()['random_state']!r}"
    )
    # hyperparameters are the candidate's choice: even a forest of a few depth-1 trees
    # scores above 0.8 here, while an unfitted or constant model scores 0.5
    acc = float(np.mean(model.predict(X) == y))
    assert acc > 0.75, f"expected the model to fit its training data (accuracy > 0.75), got {acc}"


@pytest.mark.points(2)
def test_logistic_regression_is_fitted():
    """model_type="logistic_regression" returns a fitted LogisticRegression."""
    X, y = make_data(110, n_features=2, seed=1)
    model = sub.train_model(X, y, "logistic_regression")
    assert isinstance(model, LogisticRegression), (
        f"expected LogisticRegression, got {type(model).__name__}"
    )
    assert_fitted(model)
    assert model.coef_.shape == (1, 2), f"expected coef_ of shape (1, 2), got {model.coef_.shape}"
    acc = float(np.mean(model.predict(X) == y))
    assert acc > 0.9, f"expected training accuracy > 0.9, got {acc}"


@pytest.mark.points(1)
def test_random_state_is_passed():
    """random_state is passed to the estimator, for both model types."""
    X, y = make_data(30, seed=2)
    for model_type in ("random_forest", "logistic_regression"):
        model = sub.train_model(X, y, model_type, min_samples=10, random_state=7)
        got = model.get_params()["random_state"]
        assert got == 7, f"{model_type}: expected random_state=7, got {got!r}"


@pytest.mark.points(1)
def test_accepts_python_lists():
    """X and y given as plain Python lists are accepted."""
    # well above min_samples: the boundary is test_min_samples_boundary's to check
    X, y = make_data(40, seed=3)
    model = sub.train_model(X.tolist(), y.tolist(), "logistic_regression", min_samples=10)
    assert isinstance(model, LogisticRegression), (
        f"expected LogisticRegression, got {type(model).__name__}"
    )
    assert_fitted(model)


@pytest.mark.gated_on("test_default_is_fitted_random_forest")
@pytest.mark.points(2)
def test_length_mismatch_raises_value_error():
    """len(X) != len(y) raises ValueError, even when there is also too little data."""
    X, y = make_data(120)
    with pytest.raises(ValueError):
        sub.train_model(X, y[:-1], "logistic_regression")
    with pytest.raises(ValueError):
        sub.train_model(X[:-1], y, "logistic_regression")
    # Too little data AND mismatched: the argument error wins.
    with pytest.raises(ValueError):
        sub.train_model(X[:5], y[:4], "logistic_regression")


@pytest.mark.gated_on("test_default_is_fitted_random_forest")
@pytest.mark.points(2)
def test_unknown_model_type_lists_allowed_types():
    """An unknown model_type raises ValueError naming both allowed types."""
    X, y = make_data(120)
    for bad in ("svm", "RandomForest", ""):
        with pytest.raises(ValueError) as info:
            sub.train_model(X, y, bad)
        msg = str(info.value)
        for allowed in ("random_forest", "logistic_regression"):
            assert allowed in msg, f"expected {allowed!r} in the error message, got {msg!r}"
    # Too little data AND an unknown type: the argument error wins.
    with pytest.raises(ValueError):
        sub.train_model(X[:3], y[:3], "svm")


@pytest.mark.points(3)
@settings(max_examples=15, deadline=None)
@given(min_samples=st.integers(2, 40))
def test_min_samples_boundary(min_samples):
    """Fewer than min_samples rows raises InsufficientDataError (a ModelTrainingError); exactly min_samples trains."""
    X, y = make_data(min_samples, seed=min_samples)
    model = sub.train_model(X, y, "logistic_regression", min_samples=min_samples)
    assert_fitted(model)
    with pytest.raises(sub.InsufficientDataError) as info:
        sub.train_model(X[:-1], y[:-1], "logistic_regression", min_samples=min_samples)
    assert isinstance(info.value, sub.ModelTrainingError), (
        "expected InsufficientDataError to be a subclass of ModelTrainingError"
    )


@pytest.mark.points(1)
def test_default_min_samples_is_100():
    """The default min_samples is 100: 99 rows are rejected, 100 are accepted."""
    X, y = make_data(100, seed=4)
    with pytest.raises(sub.InsufficientDataError):
        sub.train_model(X[:99], y[:99], "logistic_regression")
    assert_fitted(sub.train_model(X, y, "logistic_regression"))
    with pytest.raises(sub.InsufficientDataError):
        sub.train_model(X[:0], y[:0], "logistic_regression")


@pytest.mark.points(1)
def test_insufficient_data_message_has_counts():
    """The InsufficientDataError message states the rows given and the rows required."""
    X, y = make_data(7)
    with pytest.raises(sub.InsufficientDataError) as info:
        sub.train_model(X, y, "logistic_regression", min_samples=53)
    msg = str(info.value)
    assert "7" in msg and "53" in msg, f"expected both 7 and 53 in the message, got {msg!r}"


@pytest.mark.gated_on("test_default_is_fitted_random_forest")
@pytest.mark.points(1)
def test_min_samples_must_be_positive():
    """min_samples below 1 raises ValueError; min_samples=1 is valid."""
    X, y = make_data(2)
    for bad in (0, -5):
        with pytest.raises(ValueError):
            sub.train_model(X, y, "logistic_regression", min_samples=bad)
    assert_fitted(sub.train_model(X, y, "logistic_regression", min_samples=1))


@pytest.mark.gated_on("test_default_is_fitted_random_forest")
@pytest.mark.points(2)
def test_fit_failure_wrapped_in_model_training_error():
    """A failure inside fit is raised as ModelTrainingError chained from the original error."""
    X, _ = make_data(20)
    y = np.zeros(20, dtype=int)  # one class: LogisticRegression.fit raises ValueError
    with pytest.raises(sub.ModelTrainingError) as info:
        sub.train_model(X, y, "logistic_regression", min_samples=10)
    assert not isinstance(info.value, sub.InsufficientDataError), (
        "expected a plain ModelTrainingError, got InsufficientDataError"
    )
    cause = cause_of(info.value)
    assert isinstance(cause, ValueError), (
        f"expected __cause__ to be scikit-learn's ValueError, got {cause!r}"
    )


@pytest.mark.points(1)
def test_fit_failure_logged_at_error(caplog):
    """A failure inside fit is logged at ERROR level on the "pipeline" logger."""
    caplog.set_level(logging.DEBUG)
    X, _ = make_data(20)
    with pytest.raises(sub.ModelTrainingError):
        sub.train_model(X, np.zeros(20, dtype=int), "logistic_regression", min_samples=10)
    errors = pipeline_records(caplog, logging.ERROR)
    assert errors, "expected an ERROR record on the 'pipeline' logger, got none"


@pytest.mark.points(2)
def test_logs_start_before_fit_and_end_after_fit(caplog, fit_spy):
    """An INFO record is logged before fit starts and another after fit returns."""
    caplog.set_level(logging.DEBUG)
    X, y = make_data(30)
    sub.train_model(X, y, "logistic_regression", min_samples=10)
    names = [r.name for r in caplog.records]
    assert "hidden.fit_spy" in names, "expected the estimator's fit to be called"
    fit_at = names.index("hidden.fit_spy")
    mine = [
        (i, r)
        for i, r in enumerate(caplog.records)
        if (r.name == LOGGER or r.name.startswith(LOGGER + ".")) and r.levelno == logging.INFO
    ]
    before = [r.getMessage() for i, r in mine if i < fit_at]
    after = [r.getMessage() for i, r in mine if i > fit_at]
    assert before, "expected an INFO record on 'pipeline' before fit, got none"
    assert after, "expected an INFO record on 'pipeline' after fit, got none"


@pytest.mark.points(1)
def test_start_log_mentions_type_and_size(caplog, fit_spy):
    """An INFO record logged before fit names the model type and the number of rows."""
    caplog.set_level(logging.DEBUG)
    X, y = make_data(37)
    sub.train_model(X, y, "logistic_regression", min_samples=10)
    names = [r.name for r in caplog.records]
    assert "hidden.fit_spy" in names, "expected the estimator's fit to be called"
    fit_at = names.index("hidden.fit_spy")
    before = [
        r.getMessage()
        for r in caplog.records[:fit_at]
        if (r.name == LOGGER or r.name.startswith(LOGGER + ".")) and r.levelno == logging.INFO
    ]
    assert before, "expected an INFO record on the 'pipeline' logger before fit, got none"
    assert any("logistic_regression" in m and "37" in m for m in before), (
        f"expected an INFO record before fit naming 'logistic_regression' and '37', got {before!r}"
    )


# ------------------------------------------------------------------ train_with_fallback


@pytest.mark.points(3)
def test_fallback_returns_fitted_most_frequent_dummy():
    """With too little data (even 1 row), train_with_fallback returns a fitted most-frequent DummyClassifier."""
    for n in (9, 1):
        rng = np.random.default_rng(n)
        X = rng.normal(size=(n, 3))
        y = np.array(["spam"] * (n - n // 3) + ["ham"] * (n // 3))
        model = sub.train_with_fallback(X, y, min_samples=10)
        assert isinstance(model, DummyClassifier), (
            f"n={n}: expected DummyClassifier, got {type(model).__name__}"
        )
        assert model.strategy == "most_frequent", (
            f"n={n}: expected strategy='most_frequent', got {model.strategy!r}"
        )
        assert_fitted(model)
        pred = model.predict(rng.normal(size=(4, 3)))
        assert list(pred) == ["spam"] * 4, (
            f"n={n}: expected the majority label 'spam' 4 times, got {list(pred)}"
        )


@pytest.mark.points(1)
def test_fallback_logs_warning_only_when_falling_back(caplog):
    """A WARNING is logged when falling back, and none when training normally."""
    caplog.set_level(logging.DEBUG)
    X, y = make_data(20)
    sub.train_with_fallback(X, y, "logistic_regression", min_samples=10)
    got = pipeline_records(caplog, logging.WARNING)
    assert not got, f"expected no WARNING on normal training, got {[r.getMessage() for r in got]}"
    caplog.clear()
    sub.train_with_fallback(X[:5], y[:5], "logistic_regression", min_samples=10)
    got = pipeline_records(caplog, logging.WARNING)
    assert got, "expected a WARNING record on the 'pipeline' logger when falling back, got none"


@pytest.mark.points(2)
def test_fallback_trains_requested_model_when_enough_data():
    """train_with_fallback trains the requested type when rows >= min_samples (default 100)."""
    X, y = make_data(20)
    model = sub.train_with_fallback(X, y, "logistic_regression", min_samples=10)
    assert isinstance(model, LogisticRegression), (
        f"expected LogisticRegression, got {type(model).__name__}"
    )
    assert_fitted(model)
    X, y = make_data(100)
    model = sub.train_with_fallback(X, y, "logistic_regression")
    assert isinstance(model, LogisticRegression), (
        f"expected LogisticRegression for 100 rows (default min_samples=100), "
        f"got {type(model).__name__}"
    )
    model = sub.train_with_fallback(X[:99], y[:99], "logistic_regression")
    assert isinstance(model, DummyClassifier), (
        f"expected DummyClassifier for 99 rows (default min_samples=100), got {type(model).__name__}"
    )


@pytest.mark.gated_on("test_fallback_trains_requested_model_when_enough_data")
@pytest.mark.points(2)
def test_fallback_propagates_value_errors():
    """train_with_fallback lets ValueError (bad type, length mismatch) through, even on tiny data."""
    X, y = make_data(5)
    with pytest.raises(ValueError):
        sub.train_with_fallback(X, y, "svm", min_samples=10)
    with pytest.raises(ValueError):
        sub.train_with_fallback(X, y[:4], "logistic_regression", min_samples=10)


@pytest.mark.gated_on("test_fallback_returns_fitted_most_frequent_dummy")
@pytest.mark.points(1)
def test_fallback_propagates_fit_failure():
    """A ModelTrainingError that is not InsufficientDataError propagates unchanged."""
    X, _ = make_data(20)
    with pytest.raises(sub.ModelTrainingError) as info:
        sub.train_with_fallback(X, np.zeros(20, dtype=int), "logistic_regression", min_samples=10)
    assert not isinstance(info.value, sub.InsufficientDataError), (
        "expected the fit failure, got InsufficientDataError"
    )


@pytest.mark.gated_on("test_fallback_returns_fitted_most_frequent_dummy")
@pytest.mark.points(1)
def test_fallback_with_no_rows_raises():
    """With zero rows there is nothing to fall back to: InsufficientDataError propagates."""
    X = np.empty((0, 3))
    y = np.empty(0, dtype=int)
    with pytest.raises(sub.InsufficientDataError):
        sub.train_with_fallback(X, y, min_samples=10)


# -------------------------------------------------------------------------- ModelLoader


@pytest.fixture
def saved_model(tmp_path):
    X, y = make_data(40, seed=9)
    model = LogisticRegression().fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    return path, model, X


@pytest.mark.points(2)
def test_loader_loads_model_for_the_block(saved_model):
    """ModelLoader (str or Path) returns the joblib-loaded model from __enter__; .model is None outside."""
    path, model, X = saved_model
    for given_path in (path, str(path)):
        loader = sub.ModelLoader(given_path)
        assert loader.model is None, f"expected .model None before entering, got {loader.model!r}"
        with loader as loaded:
            assert isinstance(loaded, LogisticRegression), (
                f"expected the saved LogisticRegression, got {type(loaded).__name__}"
            )
            np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
            assert loader.model is loaded, "expected loader.model to be what __enter__ returned"
        assert loader.model is None, f"expected .model None after the block, got {loader.model!r}"


@pytest.mark.gated_on("test_loader_loads_model_for_the_block")
@pytest.mark.points(2)
def test_loader_missing_file_raises_file_not_found(tmp_path):
    """A missing file raises FileNotFoundError when the block is entered, and the body never runs."""
    loader = sub.ModelLoader(tmp_path / "nope.joblib")  # creating the loader reads nothing
    ran = []
    with pytest.raises(FileNotFoundError), loader:
        ran.append(True)
    assert not ran, "expected the with-body not to run"


@pytest.mark.gated_on("test_loader_loads_model_for_the_block")
@pytest.mark.points(1)
def test_loader_reads_file_on_enter(tmp_path):
    """The file is read when the block is entered, not when the loader is created."""
    path = tmp_path / "later.joblib"
    loader = sub.ModelLoader(path)
    joblib.dump({"weights": [1, 2, 3]}, path)
    with loader as loaded:
        assert loaded == {"weights": [1, 2, 3]}, f"expected the object saved later, got {loaded!r}"


@pytest.mark.gated_on("test_loader_loads_model_for_the_block")
@pytest.mark.points(2)
def test_loader_never_suppresses_exceptions(saved_model):
    """An exception raised inside the block propagates, and .model is None afterwards."""
    path, _, _ = saved_model
    loader = sub.ModelLoader(path)
    with pytest.raises(KeyError, match="boom"), loader:
        raise KeyError("boom")
    assert loader.model is None, f"expected .model to be None after the error, got {loader.model!r}"
    loader.__enter__()
    suppressed = loader.__exit__(RuntimeError, RuntimeError("x"), None)
    assert not suppressed, f"expected __exit__ to return a falsy value, got {suppressed!r}"
    assert loader.model is None, f"expected .model to be None after __exit__, got {loader.model!r}"
