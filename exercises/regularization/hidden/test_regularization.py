"""Hidden suite for the regularization exercise: scikit-learn and numpy are the oracles."""

import warnings

import numpy as np
import pytest
import regularization as sub
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Lasso, Ridge

from grader.judge.suite_tools import left_by_candidate

RTOL, ATOL = 1e-6, 1e-8
# No "explain" phase: it costs tens of seconds per failing property and adds nothing here.
PHASES = [phase for phase in Phase if phase is not Phase.explain]
SEEDS = st.integers(0, 2**32 - 1)
# The exact types of a float result (numpy's float64 is a float too); an object of any
# other class, which might claim to equal anything, is not compared by value.
FLOAT_TYPES = (float, np.float64)


def make_data(seed, n, p, *, shift=0.0):
    """A well-conditioned random regression problem with uneven column scales."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p) + rng.normal(0, 3, size=p)
    true_coef = rng.normal(size=p) * (rng.random(p) < 0.7)
    y = X @ true_coef + 0.5 * rng.normal(size=n) + shift
    return X, y


def lasso_objective(X, y, coef, intercept, alpha):
    """(1 / (2 n)) * ||y - X w - b||^2 + alpha * ||w||_1."""
    residual = y - X @ np.asarray(coef, dtype=float) - intercept
    return 0.5 / len(y) * float(residual @ residual) + alpha * float(np.abs(coef).sum())


def alpha_max(X, y, fit_intercept):
    """The smallest alpha for which the lasso solution is all zeros."""
    if fit_intercept:
        X, y = X - X.mean(axis=0), y - y.mean()
    return float(np.abs(X.T @ y).max()) / len(y)


def sklearn_lasso_objective(X, y, alpha, fit_intercept):
    """The objective scikit-learn's tightly converged Lasso reaches."""
    model = Lasso(alpha=alpha, fit_intercept=fit_intercept, max_iter=100_000, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return lasso_objective(X, y, model.coef_, model.intercept_, alpha)


def check_fit_types(result, n_features):
    """(coef, intercept) with a float ndarray of shape (n_features,) and a float."""
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected a (coef, intercept) tuple, got {type(result)}"
    )
    coef, intercept = result
    assert type(coef) is np.ndarray, f"coef: expected numpy.ndarray, got {type(coef).__name__}"
    assert coef.shape == (n_features,), f"coef: expected shape {(n_features,)}, got {coef.shape}"
    assert np.issubdtype(coef.dtype, np.floating), f"coef: expected a float dtype, got {coef.dtype}"
    assert type(intercept) in FLOAT_TYPES, (
        f"intercept: expected a float, got {type(intercept).__name__}"
    )
    return coef, intercept


def check_lasso_objective(X, y, alpha, fit_intercept, **kwargs):
    """The candidate's lasso reaches scikit-learn's objective within 1e-6 * max(1, objective)."""
    coef, intercept = check_fit_types(
        sub.lasso_fit(X, y, alpha, fit_intercept=fit_intercept, **kwargs), X.shape[1]
    )
    if not fit_intercept:
        assert intercept == 0.0, f"fit_intercept=False: expected intercept 0.0, got {intercept}"
    expected = sklearn_lasso_objective(X, y, alpha, fit_intercept)
    got = lasso_objective(X, y, coef, intercept, alpha)
    assert got <= expected + 1e-6 * max(1.0, expected), (
        f"alpha={alpha:.4g}, fit_intercept={fit_intercept}: expected objective <= {expected:.10g} "
        f"(scikit-learn), got {got:.10g} with coef={coef}, intercept={intercept}"
    )
    return coef, intercept


# --------------------------------------------------------------------------- ridge


@pytest.mark.points(4)
@settings(max_examples=30, phases=PHASES)
@given(
    seed=SEEDS,
    n=st.integers(2, 25),
    p=st.integers(1, 7),
    log_alpha=st.floats(-2, 2),
    shift=st.floats(-50, 50),
)
def test_ridge_matches_sklearn_with_intercept(seed, n, p, log_alpha, shift):
    """ridge_fit equals scikit-learn's Ridge coef_ and intercept_ (also with more features than rows)."""
    X, y = make_data(seed, n, p, shift=shift)
    alpha = 10.0**log_alpha
    model = Ridge(alpha=alpha).fit(X, y)
    coef, intercept = check_fit_types(sub.ridge_fit(X, y, alpha), p)
    np.testing.assert_allclose(coef, model.coef_, rtol=RTOL, atol=ATOL, err_msg="coef")
    np.testing.assert_allclose(
        intercept, model.intercept_, rtol=RTOL, atol=ATOL, err_msg="intercept"
    )


@pytest.mark.points(2)
@settings(max_examples=25, phases=PHASES)
@given(seed=SEEDS, n=st.integers(2, 25), p=st.integers(1, 7), log_alpha=st.floats(-2, 2))
def test_ridge_matches_sklearn_without_intercept(seed, n, p, log_alpha):
    """ridge_fit(fit_intercept=False) equals Ridge(fit_intercept=False) and returns intercept 0.0."""
    X, y = make_data(seed, n, p, shift=5.0)
    alpha = 10.0**log_alpha
    model = Ridge(alpha=alpha, fit_intercept=False).fit(X, y)
    coef, intercept = check_fit_types(sub.ridge_fit(X, y, alpha, fit_intercept=False), p)
    np.testing.assert_allclose(coef, model.coef_, rtol=RTOL, atol=ATOL, err_msg="coef")
    assert intercept == 0.0, f"expected intercept 0.0, got {intercept}"


@pytest.mark.points(3)
def test_ridge_intercept_is_not_penalised():
    """With a huge alpha the slopes vanish but the intercept still equals the mean of y."""
    X, y = make_data(7, 30, 3, shift=1000.0)
    for alpha in (1e4, 1e8):
        model = Ridge(alpha=alpha).fit(X, y)
        coef, intercept = check_fit_types(sub.ridge_fit(X, y, alpha), X.shape[1])
        np.testing.assert_allclose(coef, model.coef_, rtol=RTOL, atol=ATOL, err_msg="coef")
        assert abs(intercept - model.intercept_) <= ATOL + RTOL * abs(model.intercept_), (
            f"alpha={alpha}: expected intercept {model.intercept_}, got {intercept}"
        )
    assert abs(intercept - y.mean()) < 1e-3, f"expected intercept near {y.mean()}, got {intercept}"


@pytest.mark.points(1)
def test_ridge_alpha_zero_is_least_squares():
    """alpha=0 gives the ordinary least-squares solution."""
    X, y = make_data(3, 40, 4, shift=2.0)
    design = np.column_stack([X, np.ones(len(y))])
    expected = np.linalg.lstsq(design, y, rcond=None)[0]
    coef, intercept = check_fit_types(sub.ridge_fit(X, y, 0.0), X.shape[1])
    np.testing.assert_allclose(coef, expected[:-1], rtol=RTOL, atol=ATOL, err_msg="coef")
    assert abs(intercept - expected[-1]) <= 1e-7, (
        f"expected intercept {expected[-1]}, got {intercept}"
    )
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    coef, _ = check_fit_types(sub.ridge_fit(X, y, 0.0, fit_intercept=False), X.shape[1])
    np.testing.assert_allclose(coef, expected, rtol=RTOL, atol=ATOL, err_msg="coef, no intercept")


@pytest.mark.points(1)
def test_ridge_accepts_lists_of_ints_and_leaves_inputs_alone():
    """ridge_fit accepts nested lists of integers and does not modify numpy inputs."""
    X_list = [[1, 2], [2, 0], [3, 5], [4, 4], [6, 1]]
    y_list = [3, 1, 9, 7, 4]
    model = Ridge(alpha=0.5).fit(np.array(X_list, dtype=float), np.array(y_list, dtype=float))
    coef, intercept = check_fit_types(sub.ridge_fit(X_list, y_list, 0.5), 2)
    np.testing.assert_allclose(coef, model.coef_, rtol=RTOL, atol=ATOL, err_msg="coef")
    assert abs(intercept - model.intercept_) <= 1e-7, (
        f"expected {model.intercept_}, got {intercept}"
    )
    X, y = make_data(1, 10, 3, shift=4.0)
    X_before, y_before = X.copy(), y.copy()
    sub.ridge_fit(X, y, 1.0)
    assert np.array_equal(left_by_candidate(X), X_before) and np.array_equal(
        left_by_candidate(y), y_before
    ), "X or y was modified"


@pytest.mark.gated_on("test_ridge_matches_sklearn_with_intercept")
@pytest.mark.points(2)
def test_ridge_rejects_bad_arguments():
    """ridge_fit raises ValueError for bad shapes, empty or non-finite data and a bad alpha."""
    X, y = make_data(2, 8, 2)
    bad_calls = {
        "negative alpha": lambda: sub.ridge_fit(X, y, -1.0),
        "NaN alpha": lambda: sub.ridge_fit(X, y, float("nan")),
        "1-D X": lambda: sub.ridge_fit(X[:, 0], y),
        "2-D y": lambda: sub.ridge_fit(X, y.reshape(-1, 1)),
        "y shorter than X": lambda: sub.ridge_fit(X, y[:-1]),
        "X shorter than y": lambda: sub.ridge_fit(X[:-1], y),
        "no rows": lambda: sub.ridge_fit(np.empty((0, 2)), np.empty(0)),
        "no columns": lambda: sub.ridge_fit(np.empty((8, 0)), y),
        "NaN in X": lambda: sub.ridge_fit(np.where(X.max() - 1e-9 < X, np.nan, X), y),
        "inf in y": lambda: sub.ridge_fit(X, np.append(y[:-1], np.inf)),
    }
    for what, call in bad_calls.items():
        with pytest.raises(ValueError):
            call()
            pytest.fail(f"{what}: expected ValueError, nothing was raised")


# --------------------------------------------------------------------------- soft_threshold


@pytest.mark.points(2)
@settings(max_examples=30, phases=PHASES)
@given(
    z=st.lists(st.floats(-100, 100), min_size=1, max_size=12),
    gamma=st.floats(0, 50),
    as_matrix=st.booleans(),
)
def test_soft_threshold_matches_formula(z, gamma, as_matrix):
    """soft_threshold equals sign(z) * max(|z| - gamma, 0) elementwise and keeps the shape."""
    z = np.array(z)
    if as_matrix and len(z) % 2 == 0:
        z = z.reshape(2, -1)
    expected = np.sign(z) * np.maximum(np.abs(z) - gamma, 0.0)
    got = sub.soft_threshold(z, gamma)
    assert type(got) is np.ndarray, (
        f"soft_threshold: expected numpy.ndarray, got {type(got).__name__}"
    )
    assert got.shape == z.shape, f"expected shape {z.shape}, got {got.shape}"
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    got = sub.soft_threshold(z.tolist(), gamma)
    assert type(got) is np.ndarray, (
        f"soft_threshold, list input: expected numpy.ndarray, got {type(got).__name__}"
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.points(2)
def test_soft_threshold_scalars():
    """A scalar z gives a float: shrunk towards 0 by gamma, exactly 0 inside [-gamma, gamma]."""
    cases = [
        (3.0, 1.0, 2.0),
        (-3.0, 1.0, -2.0),
        (0.5, 1.0, 0.0),
        (-0.5, 1.0, 0.0),
        (1.0, 1.0, 0.0),
        (-1.0, 1.0, 0.0),
        (2.5, 0.0, 2.5),
        (0.0, 0.0, 0.0),
        (7, 2, 5.0),
        (np.float64(-4.5), 0.5, -4.0),
    ]
    for z, gamma, expected in cases:
        got = sub.soft_threshold(z, gamma)
        assert type(got) in FLOAT_TYPES, (
            f"soft_threshold({z}, {gamma}): expected a float, got {type(got).__name__}"
        )
        assert got == expected, f"soft_threshold({z}, {gamma}): expected {expected}, got {got}"
    got = sub.soft_threshold([3, -1, 0, -7], 2)
    assert type(got) is np.ndarray and np.issubdtype(got.dtype, np.floating), (
        f"integer list input: expected a float ndarray, got {got!r}"
    )
    assert got.tolist() == [1.0, 0.0, 0.0, -5.0], f"expected [1.0, 0.0, 0.0, -5.0], got {got}"


@pytest.mark.gated_on("test_soft_threshold_matches_formula")
@pytest.mark.points(1)
def test_soft_threshold_rejects_negative_gamma():
    """A negative or NaN gamma raises ValueError."""
    for gamma in (-0.1, -5.0, float("nan")):
        with pytest.raises(ValueError):
            sub.soft_threshold(np.array([1.0, -2.0]), gamma)
            pytest.fail(f"gamma={gamma}: expected ValueError")


# --------------------------------------------------------------------------- lasso


@pytest.mark.points(5)
@settings(max_examples=30, phases=PHASES)
@given(
    seed=SEEDS,
    n=st.integers(10, 40),
    p=st.integers(1, 6),
    fraction=st.floats(0.01, 0.9),
    shift=st.floats(-50, 50),
)
def test_lasso_reaches_sklearn_objective_with_intercept(seed, n, p, fraction, shift):
    """lasso_fit reaches scikit-learn's Lasso objective (the intercept is not penalised)."""
    X, y = make_data(seed, n, p, shift=shift)
    alpha = fraction * alpha_max(X, y, True)
    check_lasso_objective(X, y, alpha, True, max_iter=100_000, tol=1e-10)


@pytest.mark.points(3)
@settings(max_examples=20, phases=PHASES)
@given(seed=SEEDS, n=st.integers(10, 40), p=st.integers(1, 6), fraction=st.floats(0.01, 0.9))
def test_lasso_reaches_sklearn_objective_without_intercept(seed, n, p, fraction):
    """lasso_fit(fit_intercept=False) reaches Lasso(fit_intercept=False)'s objective, intercept 0.0."""
    X, y = make_data(seed, n, p, shift=3.0)
    alpha = fraction * alpha_max(X, y, False)
    check_lasso_objective(X, y, alpha, False, max_iter=100_000, tol=1e-10)


@pytest.mark.points(3)
def test_lasso_large_alpha_gives_exact_zeros_and_mean_intercept():
    """Above alpha_max every coefficient is exactly 0 and the intercept is the mean of y."""
    for seed in range(3):
        X, y = make_data(seed, 25, 4, shift=100.0)
        alpha = 1.05 * alpha_max(X, y, True)
        coef, intercept = check_fit_types(sub.lasso_fit(X, y, alpha), 4)
        assert np.all(coef == 0.0), f"alpha={alpha:.4g} > alpha_max: expected all zeros, got {coef}"
        assert abs(intercept - y.mean()) <= 1e-9 * max(1.0, abs(y.mean())), (
            f"expected intercept mean(y) = {y.mean()}, got {intercept}"
        )


@pytest.mark.points(2)
def test_lasso_shifted_target_with_strong_alpha():
    """A large offset in y goes into the intercept, not into the penalised coefficients."""
    X, y = make_data(11, 30, 3, shift=0.0)
    for offset in (0.0, 500.0, -2000.0):
        alpha = 0.5 * alpha_max(X, y, True)
        coef, intercept = check_lasso_objective(
            X, y + offset, alpha, True, max_iter=100_000, tol=1e-10
        )
        model = Lasso(alpha=alpha, max_iter=100_000, tol=1e-10).fit(X, y + offset)
        # Graded by objective, not by coefficients: only the distance to the optimum that the
        # objective tolerance implies is checked. The problem is strongly convex with Hessian
        # H = [X, 1]^T [X, 1] / n, so F(w, b) - F* >= |delta|^2 * lambda_min(H) / 2.
        optimum = lasso_objective(X, y + offset, model.coef_, model.intercept_, alpha)
        design = np.column_stack([X, np.ones(len(y))])
        lam_min = float(np.linalg.eigvalsh(design.T @ design / len(y)).min())
        radius = 1.1 * np.sqrt(2 * 1e-6 * max(1.0, optimum) / lam_min) + 1e-6
        np.testing.assert_allclose(coef, model.coef_, rtol=0, atol=radius, err_msg="coef")


@pytest.mark.points(2)
def test_lasso_constant_column_gets_zero():
    """A constant column (all zeros without an intercept) gets coefficient 0, never NaN."""
    X, y = make_data(5, 30, 3, shift=2.0)
    alpha = 0.1 * alpha_max(X, y, True)
    X_const = np.column_stack([X[:, 0], np.full(30, 3.0), X[:, 1:]])
    coef, _ = check_lasso_objective(X_const, y, alpha, True, max_iter=100_000, tol=1e-10)
    assert np.all(np.isfinite(coef)) and coef[1] == 0.0, f"expected coef[1] == 0.0, got {coef}"
    X_zero = np.column_stack([X[:, :2], np.zeros(30), X[:, 2:]])
    alpha = 0.1 * alpha_max(X_zero, y, False)
    coef, _ = check_lasso_objective(X_zero, y, alpha, False, max_iter=100_000, tol=1e-10)
    assert np.all(np.isfinite(coef)) and coef[2] == 0.0, f"expected coef[2] == 0.0, got {coef}"


@pytest.mark.points(2)
def test_lasso_defaults_converge_on_orthogonal_design():
    """With the default max_iter and tol, lasso_fit converges on an orthogonal design."""
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.normal(size=(40, 5)))
    q -= q.mean(axis=0)
    q, _ = np.linalg.qr(q)  # orthonormal columns, each with mean ~0
    X = q * np.array([3.0, 5.0, 2.0, 4.0, 6.0])
    y = X @ np.array([1.0, -0.02, 0.5, 0.0, -0.8]) + 0.05 * rng.normal(size=40) + 7.0
    for alpha in (0.001, 0.01, 0.05):
        check_lasso_objective(X, y, alpha, True)
        check_lasso_objective(X, y, alpha, False)


@pytest.mark.points(1)
def test_lasso_alpha_zero_is_least_squares():
    """alpha=0 reaches the least-squares objective."""
    X, y = make_data(8, 40, 3, shift=-4.0)
    design = np.column_stack([X, np.ones(len(y))])
    solution = np.linalg.lstsq(design, y, rcond=None)[0]
    expected = lasso_objective(X, y, solution[:-1], solution[-1], 0.0)
    coef, intercept = check_fit_types(
        sub.lasso_fit(X, y, 0.0, max_iter=100_000, tol=1e-12), X.shape[1]
    )
    got = lasso_objective(X, y, coef, intercept, 0.0)
    assert got <= expected + 1e-6 * max(1.0, expected), f"expected objective {expected}, got {got}"


def correlated_problem():
    """Two strongly correlated features: coordinate descent needs many sweeps."""
    rng = np.random.default_rng(12)
    x1 = rng.normal(size=60)
    x2 = x1 + 0.2 * rng.normal(size=60)
    X = np.column_stack([x1, x2])
    y = 4.0 * x1 - 3.0 * x2 + 0.01 * rng.normal(size=60) + 2.0
    return X, y, 1e-4


@pytest.mark.points(2)
def test_lasso_max_iter_limits_the_sweeps():
    """max_iter=1 stops after one sweep (far from the optimum) without raising."""
    X, y, alpha = correlated_problem()
    optimum = sklearn_lasso_objective(X, y, alpha, True)
    coef, intercept = check_fit_types(sub.lasso_fit(X, y, alpha, max_iter=1, tol=0.0), 2)
    got = lasso_objective(X, y, coef, intercept, alpha)
    assert np.all(np.isfinite(coef)), f"expected finite coefficients, got {coef}"
    assert got > 3 * optimum, (
        f"one sweep should stay far from the optimum {optimum:.6g}; got objective {got:.6g}"
    )
    coef, intercept = check_fit_types(
        sub.lasso_fit(X, y, alpha, max_iter=100_000, tol=1e-10), X.shape[1]
    )
    got = lasso_objective(X, y, coef, intercept, alpha)
    assert got <= optimum + 1e-6 * max(1.0, optimum), f"expected objective {optimum}, got {got}"


def cyclic_sweeps(X, y, alpha, sweeps):
    """Brute-force cyclic coordinate descent without intercept, from w = 0."""
    n, p = len(X), len(X[0])
    w = [0.0] * p
    for _ in range(sweeps):
        for j in range(p):
            partial = [y[i] - sum(X[i][k] * w[k] for k in range(p) if k != j) for i in range(n)]
            rho = sum(X[i][j] * partial[i] for i in range(n)) / n
            norm = sum(X[i][j] ** 2 for i in range(n)) / n
            w[j] = float(np.sign(rho)) * max(abs(rho) - alpha, 0.0) / norm
    return np.array(w)


@pytest.mark.points(2)
def test_lasso_sweeps_are_cyclic_from_zero():
    """Without intercept, max_iter=k gives exactly k cyclic sweeps (j = 0, 1, ...) from w = 0."""
    X, y, alpha = correlated_problem()
    X = np.column_stack([X, X[:, 0] - 0.5 * X[:, 1]])[:20]
    y = y[:20]
    for sweeps in (1, 2, 3):
        expected = cyclic_sweeps(X.tolist(), y.tolist(), alpha, sweeps)
        coef, intercept = check_fit_types(
            sub.lasso_fit(X, y, alpha, fit_intercept=False, max_iter=sweeps, tol=0.0), X.shape[1]
        )
        np.testing.assert_allclose(
            coef, expected, rtol=1e-9, atol=1e-12, err_msg=f"after {sweeps} sweep(s)"
        )
    coef, _ = check_fit_types(
        sub.lasso_fit(X, y, alpha, fit_intercept=False, max_iter=50, tol=1e6), X.shape[1]
    )
    np.testing.assert_allclose(
        coef,
        cyclic_sweeps(X.tolist(), y.tolist(), alpha, 1),
        rtol=1e-9,
        atol=1e-12,
        err_msg="tol=1e6 must stop after one sweep",
    )


@pytest.mark.points(1)
def test_lasso_stops_after_first_sweep_within_tol():
    """lasso_fit stops after the first sweep in which no coefficient moved by more than tol."""
    X, y, alpha = correlated_problem()
    X = np.column_stack([X, X[:, 0] - 0.5 * X[:, 1]])[:20]
    y = y[:20]
    iterates = [cyclic_sweeps(X.tolist(), y.tolist(), alpha, s) for s in range(6)]
    moves = [float(np.max(np.abs(iterates[s] - iterates[s - 1]))) for s in range(1, 6)]
    # the largest move shrinks sweep after sweep here (1.55, 0.56, 0.51, 0.47, ...): a tol
    # between the 3rd and the 4th move makes the 4th sweep the first one within tol
    tol = float(np.sqrt(moves[2] * moves[3]))
    assert moves[3] < tol < min(moves[:3]), f"the test's data no longer fits: moves {moves}"
    coef, _ = check_fit_types(
        sub.lasso_fit(X, y, alpha, fit_intercept=False, max_iter=1000, tol=tol), X.shape[1]
    )
    np.testing.assert_allclose(
        coef,
        iterates[4],
        rtol=1e-9,
        atol=1e-12,
        err_msg=(
            f"with tol={tol:.4g} the largest moves per sweep are {[round(m, 4) for m in moves]}: "
            "expected the estimate after sweep 4, the first whose largest move is <= tol"
        ),
    )


# Stopping early is a rule of a solver: a function that solves nothing stops early too.
@pytest.mark.gated_on("test_lasso_reaches_sklearn_objective_with_intercept")
@pytest.mark.points(1)
def test_lasso_tol_stops_early():
    """A huge tol stops after the first sweep; a tiny tol reaches the optimum."""
    X, y, alpha = correlated_problem()
    optimum = sklearn_lasso_objective(X, y, alpha, True)
    coef, intercept = check_fit_types(
        sub.lasso_fit(X, y, alpha, max_iter=100_000, tol=1e6), X.shape[1]
    )
    got = lasso_objective(X, y, coef, intercept, alpha)
    assert got > 3 * optimum, f"tol=1e6 should stop early; got objective {got:.6g}"


@pytest.mark.points(1)
def test_lasso_leaves_inputs_alone():
    """lasso_fit accepts lists and does not modify numpy inputs."""
    X, y = make_data(9, 15, 3, shift=6.0)
    X_before, y_before = X.copy(), y.copy()
    sub.lasso_fit(X, y, 0.1)
    assert np.array_equal(left_by_candidate(X), X_before) and np.array_equal(
        left_by_candidate(y), y_before
    ), "X or y was modified"
    alpha = 0.2 * alpha_max(X, y, True)
    coef, intercept = check_fit_types(
        sub.lasso_fit(X.tolist(), y.tolist(), alpha, max_iter=100_000, tol=1e-10), X.shape[1]
    )
    expected = sklearn_lasso_objective(X, y, alpha, True)
    got = lasso_objective(X, y, coef, intercept, alpha)
    assert got <= expected + 1e-6 * max(1.0, expected), (
        f"list input: expected objective at most {expected!r} (+1e-6), got {got!r}"
    )


@pytest.mark.gated_on("test_lasso_reaches_sklearn_objective_with_intercept")
@pytest.mark.points(2)
def test_lasso_rejects_bad_arguments():
    """lasso_fit raises ValueError for bad data, a bad alpha, max_iter < 1 or a negative tol."""
    X, y = make_data(2, 8, 2)
    bad_calls = {
        "negative alpha": lambda: sub.lasso_fit(X, y, -0.5),
        "infinite alpha": lambda: sub.lasso_fit(X, y, float("inf")),
        "max_iter=0": lambda: sub.lasso_fit(X, y, 0.1, max_iter=0),
        "negative tol": lambda: sub.lasso_fit(X, y, 0.1, tol=-1e-3),
        "1-D X": lambda: sub.lasso_fit(X[:, 0], y, 0.1),
        "y shorter than X": lambda: sub.lasso_fit(X, y[:-1], 0.1),
        "no rows": lambda: sub.lasso_fit(np.empty((0, 2)), np.empty(0), 0.1),
        "no columns": lambda: sub.lasso_fit(np.empty((8, 0)), y, 0.1),
        "NaN in y": lambda: sub.lasso_fit(X, np.append(y[:-1], np.nan), 0.1),
    }
    for what, call in bad_calls.items():
        with pytest.raises(ValueError):
            call()
            pytest.fail(f"{what}: expected ValueError, nothing was raised")
