"""Example tests for the `pipeline` exercise."""

import numpy as np
import pipeline
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier


def make_data(n):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    return rng.normal(size=(n, 3)) + y[:, None], y


def test_train_model_returns_random_forest():
    X, y = make_data(120)
    model = pipeline.train_model(X, y)
    assert isinstance(model, RandomForestClassifier)
    assert model.predict(X).shape == (120,)


def test_too_little_data():
    X, y = make_data(20)
    with pytest.raises(pipeline.InsufficientDataError):
        pipeline.train_model(X, y)


def test_unknown_model_type():
    X, y = make_data(120)
    with pytest.raises(ValueError, match="logistic_regression"):
        pipeline.train_model(X, y, "svm")


def test_fallback_baseline():
    X, y = make_data(20)
    model = pipeline.train_with_fallback(X, y)
    assert isinstance(model, DummyClassifier)


def test_model_loader(tmp_path):
    import joblib

    path = tmp_path / "m.joblib"
    joblib.dump({"a": 1}, path)
    loader = pipeline.ModelLoader(path)
    with loader as model:
        assert model == {"a": 1}
    assert loader.model is None
