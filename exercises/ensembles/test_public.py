"""Example tests for the `ensembles` exercise. The hidden suite checks much more."""

import importlib
import math
import types

import ensembles
import numpy as np


def made_where_ensembles_runs(module_name, class_name):
    """The class `class_name` of `module_name` in the process that runs ensembles.py.

    Run with plain pytest, that is this process. `mlgrade run` imports your module in a
    process of its own (`ensembles` here is then a stand-in for it), and an estimator
    your code clones must be made there.
    """
    if type(ensembles) is types.ModuleType:
        return getattr(importlib.import_module(module_name), class_name)
    from grader.judge.suite_tools import define

    return define(f"from {module_name} import {class_name}", class_name)


def test_bootstrap_indices_example():
    in_bag, oob = ensembles.bootstrap_indices(20, np.random.default_rng(0))
    assert len(in_bag) == 20
    assert set(oob.tolist()) == set(range(20)) - set(in_bag.tolist())
    assert oob.tolist() == sorted(oob.tolist())


def test_majority_vote_with_a_tie():
    predictions = [[0, 1, 2], [1, 1, 2], [1, 0, 0], [0, 2, 0]]
    # column 0: 0 and 1 twice each -> the smaller label 0 wins
    assert ensembles.majority_vote(predictions).tolist() == [0, 1, 0]


def test_bagging_fits_clones_and_predicts():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    DecisionTreeClassifier = made_where_ensembles_runs("sklearn.tree", "DecisionTreeClassifier")
    base = DecisionTreeClassifier(max_depth=2)
    model = ensembles.BaggingEnsemble(base, 5, random_state=0).fit(X, y)
    assert len(model.estimators_) == 5
    assert all(est is not base for est in model.estimators_)
    assert 0.0 <= model.oob_score_ <= 1.0
    assert model.predict(X).shape == (60,)


def test_adaboost_update_example():
    new_weights, alpha = ensembles.adaboost_update(
        [0.25, 0.25, 0.25, 0.25], [1, 1, -1, -1], [1, 1, -1, 1]
    )
    assert math.isclose(alpha, 0.5 * math.log(3))
    assert np.allclose(new_weights, [1 / 6, 1 / 6, 1 / 6, 1 / 2])
