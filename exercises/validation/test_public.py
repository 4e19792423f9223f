"""Example tests for the `validation` exercise. The hidden suite checks much more."""

import importlib
import types

import numpy as np
import validation
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def made_where_validation_runs(module_name, class_name):
    """The class `class_name` of `module_name` in the process that runs validation.py.

    Run with plain pytest, that is this process. `mlgrade run` imports your module in a
    process of its own (`validation` here is then a stand-in for it), and an estimator
    your code clones must be made there.
    """
    if type(validation) is types.ModuleType:
        return getattr(importlib.import_module(module_name), class_name)
    from grader.judge.suite_tools import define

    return define(f"from {module_name} import {class_name}", class_name)


def test_kfold_matches_sklearn_example():
    got = validation.kfold_indices(7, 3)
    expected = list(KFold(3).split(np.zeros(7)))
    assert len(got) == 3
    for (train, test), (e_train, e_test) in zip(got, expected, strict=True):
        assert test.tolist() == e_test.tolist()
        assert train.tolist() == e_train.tolist()


def test_kfold_shuffled_fold_sizes():
    got = validation.kfold_indices(10, 3, shuffle=True, seed=0)
    assert [len(test) for _, test in got] == [4, 3, 3]
    assert sorted(np.concatenate([test for _, test in got]).tolist()) == list(range(10))


def test_stratified_each_class_spread_evenly():
    y = np.array([0] * 6 + [1] * 3)
    for _, test in validation.stratified_kfold_indices(y, 3, seed=0):
        assert np.sum(y[test] == 0) == 2
        assert np.sum(y[test] == 1) == 1


def test_time_series_split_with_gap():
    got = validation.time_series_split(10, 3, gap=1)
    expected = list(TimeSeriesSplit(3, gap=1).split(np.zeros(10)))
    assert [(tr.tolist(), te.tolist()) for tr, te in got] == [
        (tr.tolist(), te.tolist()) for tr, te in expected
    ]


def test_scaled_cv_scores_equals_pipeline():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)) * [1.0, 50.0] + [0.0, 100.0]
    y = (X[:, 0] > 0).astype(int)
    TheirLogisticRegression = made_where_validation_runs(
        "sklearn.linear_model", "LogisticRegression"
    )
    got = validation.scaled_cv_scores(TheirLogisticRegression(), X, y, 3)
    expected = cross_val_score(
        make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=KFold(3)
    )
    assert np.allclose(got, expected)
