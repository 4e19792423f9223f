"""Hidden suite for the ``monitoring`` exercise (drift detection and live accuracy)."""

import json
import math
import time
import warnings

import monitoring as sub
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp, norm

from grader.judge.suite_tools import define

# ---------------------------------------------------------------------------
# Oracles written from the contract
# ---------------------------------------------------------------------------


# A value is checked only on a real number (a float or a numpy float scalar), never on
# an object that may claim to equal anything; that it is a built-in float exactly is the
# type tests' to check.
NUMBER_TYPES = (float, np.float64, np.float32)


def oracle_psi(reference, current, bins=10, eps=1e-4):
    """PSI by the contract's definition, one value at a time."""
    reference = [float(v) for v in reference]
    current = [float(v) for v in current]
    edges = np.quantile(reference, np.linspace(0, 1, bins + 1))
    inner = [float(e) for e in edges[1:-1]]

    def proportions(values):
        counts = [0] * bins
        for v in values:
            # a value equal to an inner edge goes to the bin on its right
            counts[sum(1 for e in inner if v >= e)] += 1
        return [max(c / len(values), eps) for c in counts]

    ref_p = proportions(reference)
    cur_p = proportions(current)
    return sum((c - r) * math.log(c / r) for r, c in zip(ref_p, cur_p, strict=True))


def off_edges(reference, current, bins):
    """True when no value lies within 1e-9 of an inner quantile edge (no floating ties)."""
    inner = np.quantile(reference, np.linspace(0, 1, bins + 1))[1:-1]
    values = np.concatenate([reference, current])
    if inner.size == 0:
        return True
    gaps = np.abs(values[:, None] - inner[None, :])
    return bool(np.min(gaps) > 1e-9 * (1 + np.max(np.abs(values))))


def ks_oracle(reference, current):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # p-value warnings are irrelevant to the statistic
        return float(ks_2samp(reference, current, method="asymp").statistic)


@st.composite
def drift_samples(draw, bins):
    """A reference (size bins*k + 2, so no quantile edge coincides with a data point) and a
    shifted/rescaled current sample, both continuous."""
    seed = draw(st.integers(0, 2**32 - 1))
    k = draw(st.integers(1, 6))
    n_cur = draw(st.integers(1, 60))
    shift = draw(st.floats(-3, 3))
    scale = draw(st.floats(0.3, 3))
    rng = np.random.default_rng(seed)
    reference = rng.normal(size=bins * k + 2)
    current = rng.normal(loc=shift, scale=scale, size=n_cur)
    return reference, current


def expect_value_error(case, func, *args, **kwargs):
    """Call func and fail with a clear message unless it raises ValueError."""
    try:
        func(*args, **kwargs)
    except ValueError:
        return
    except Exception as exc:  # noqa: BLE001 - report what was raised instead
        pytest.fail(f"{case}: expected ValueError, got {type(exc).__name__}: {exc}")
    pytest.fail(f"{case}: expected ValueError, nothing was raised")


# The updates timed by the cost test run in the candidate's process, next to its code:
# one call from the judge per measurement, so the time is the tracker's, not the link's.
# So do a test's stream of updates: one call for the stream instead of a request per
# update and per read; the test checks the same values in the same order, and the first
# update or read that failed raises its error where it would have.
_DRIVE = """
def drive(tracker, n):
    '''n updates of tracker, each followed by a read of its value; return the last value.'''
    value = None
    for i in range(n):
        tracker.update(i % 3, i % 2)
        value = tracker.value
    return value


def update_with_each(tracker, pairs, read_each):
    '''tracker.update(prediction, actual) for each pair, reading tracker.value after
    each when read_each: (the values read, the error that stopped the stream or None).'''
    values = []
    for prediction, actual in pairs:
        try:
            tracker.update(prediction, actual)
            if read_each:
                values.append(tracker.value)
        except BaseException as error:
            return values, error
    return values, None
"""
drive, update_with_each = define(_DRIVE, "drive", "update_with_each")


def reference_accuracy(pairs, window):
    last = pairs[-window:]
    return sum(p == a for p, a in last) / len(last)


# ---------------------------------------------------------------------------
# psi
# ---------------------------------------------------------------------------


@pytest.mark.points(3)
@settings(max_examples=40)
@given(
    data=st.data(),
    bins=st.sampled_from([1, 2, 3, 5, 10, 20]),
    eps=st.sampled_from([1e-4, 1e-3, 0.05]),
)
def test_psi_matches_definition(data, bins, eps):
    """psi equals the contract's definition (quantile bins, eps clipping) within 1e-9."""
    reference, current = data.draw(drift_samples(bins))
    assume(off_edges(reference, current, bins))
    expected = oracle_psi(reference, current, bins=bins, eps=eps)
    got = sub.psi(reference, current, bins=bins, eps=eps)
    assert type(got) in NUMBER_TYPES, f"psi: expected a float, got {type(got).__name__}"
    assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9), (
        f"bins={bins}, eps={eps}: expected PSI {expected!r}, got {got!r}"
    )


@pytest.mark.gated_on("test_psi_matches_definition")
@pytest.mark.points(1)
def test_psi_returns_a_python_float():
    """psi returns a plain Python float, not a numpy scalar, for lists and arrays alike."""
    reference = [0.1, 0.4, 0.35, 0.8, 0.9, 0.2, 0.6, 0.75]
    current = [0.5, 0.55, 0.7, 0.95, 0.85, 0.3, 0.65, 0.9]
    for kind, convert in (("lists", list), ("numpy arrays", np.asarray)):
        got = sub.psi(convert(reference), convert(current), bins=4)
        assert type(got) is float, (
            f"psi on {kind}: got a {type(got).__name__}, expected a Python float (float(...))"
        )


@pytest.mark.points(2)
@settings(max_examples=20)
@given(data=st.data())
def test_psi_defaults(data):
    """psi uses bins=10 and eps=1e-4 by default and accepts plain lists."""
    reference, current = data.draw(drift_samples(10))
    assume(off_edges(reference, current, 10))
    expected = oracle_psi(reference, current, bins=10, eps=1e-4)
    got = sub.psi(reference.tolist(), current.tolist())
    assert type(got) in NUMBER_TYPES, f"psi: expected a float, got {type(got).__name__}"
    assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9), (
        f"expected PSI {expected!r} with the defaults, got {got!r}"
    )


@pytest.mark.points(2)
def test_psi_clipping_of_empty_bins():
    """Empty bins get proportion eps: a current sample far away gives the exact clipped PSI."""
    reference = np.arange(20, dtype=float) + 0.5  # 20 values, bins=4 -> 5 per bin
    current = np.full(7, 100.0)  # everything in the last bin
    eps = 1e-3
    expected = 3 * (eps - 0.25) * math.log(eps / 0.25) + (1 - 0.25) * math.log(1 / 0.25)
    got = sub.psi(reference, current, bins=4, eps=eps)
    assert type(got) in NUMBER_TYPES, f"psi: expected a float, got {type(got).__name__}"
    assert math.isclose(got, expected, rel_tol=1e-9), f"expected {expected!r}, got {got!r}"


@pytest.mark.points(2)
def test_psi_value_on_inner_edge_goes_right():
    """A value equal to an inner bin edge is counted in the bin on its right."""
    reference = [0.0, 1.0, 2.0, 3.0, 4.0]  # bins=4 -> inner edges exactly 1, 2, 3
    current = [3.0, 3.0, 3.0, 1.0]
    eps = 1e-4
    ref_p = [0.2, 0.2, 0.2, 0.4]  # 0 | 1 | 2 | 3, 4
    cur_p = [eps, 0.25, eps, 0.75]  # 1 -> bin 1, 3 -> bin 3
    expected = sum((c - r) * math.log(c / r) for r, c in zip(ref_p, cur_p, strict=True))
    got = sub.psi(reference, current, bins=4, eps=eps)
    assert type(got) in NUMBER_TYPES, f"psi: expected a float, got {type(got).__name__}"
    assert math.isclose(got, expected, rel_tol=1e-9), f"expected {expected!r}, got {got!r}"


@pytest.mark.points(1)
def test_psi_identical_samples_is_zero():
    """The PSI of a sample against itself is 0."""
    reference = norm.ppf((np.arange(101) + 0.5) / 101)
    got = sub.psi(reference, reference.copy())
    assert type(got) in NUMBER_TYPES, f"expected a float, got {type(got).__name__}"
    assert got == 0.0, f"expected 0.0, got {got!r}"


@pytest.mark.gated_on("test_psi_matches_definition")
@pytest.mark.points(2)
def test_psi_rejects_bad_samples():
    """psi raises ValueError for an empty, 2-D or non-finite (NaN, inf) sample."""
    ok = [1.0, 2.0, 3.0]
    cases = {
        "empty reference": ([], ok),
        "empty current": (ok, []),
        "NaN in reference": ([1.0, float("nan"), 3.0], ok),
        "inf in current": (ok, [1.0, float("inf")]),
        "2-D reference": ([[1.0, 2.0], [3.0, 4.0]], ok),
    }
    for case, (reference, current) in cases.items():
        expect_value_error(case, sub.psi, reference, current)


@pytest.mark.gated_on("test_psi_matches_definition")
@pytest.mark.points(2)
def test_psi_rejects_bad_bins_or_eps():
    """psi raises ValueError when bins is not an integer >= 1 or eps is not a finite number > 0."""
    ok = [1.0, 2.0, 3.0]
    cases = {
        "bins=0": {"bins": 0},
        "bins=-2": {"bins": -2},
        "bins=2.5": {"bins": 2.5},
        "eps=0": {"eps": 0.0},
        "eps=-1e-4": {"eps": -1e-4},
        "eps=inf": {"eps": float("inf")},
    }
    for case, kwargs in cases.items():
        expect_value_error(case, sub.psi, ok, ok, **kwargs)


# ---------------------------------------------------------------------------
# ks_statistic
# ---------------------------------------------------------------------------


@pytest.mark.points(2)
@settings(max_examples=40)
@given(
    reference=st.lists(st.integers(-5, 5), min_size=1, max_size=30),
    current=st.lists(st.integers(-5, 5), min_size=1, max_size=30),
)
def test_ks_matches_scipy_with_ties(reference, current):
    """ks_statistic equals scipy's ks_2samp statistic (within 1e-12), also with repeated values."""
    expected = ks_oracle(reference, current)
    got = sub.ks_statistic(reference, current)
    assert type(got) in NUMBER_TYPES, f"expected a float, got {type(got).__name__}"
    assert abs(got - expected) <= 1e-12, f"expected {expected!r}, got {got!r}"


@pytest.mark.gated_on("test_ks_matches_scipy_with_ties")
@pytest.mark.points(1)
def test_ks_returns_a_python_float():
    """ks_statistic returns a plain Python float, not a numpy scalar, for lists and arrays alike."""
    reference, current = [1.0, 2.0, 2.0, 3.0, 5.0], [2.0, 4.0, 4.0, 6.0]
    for kind, convert in (("lists", list), ("numpy arrays", np.asarray)):
        got = sub.ks_statistic(convert(reference), convert(current))
        assert type(got) is float, (
            f"ks_statistic on {kind}: got a {type(got).__name__}, expected a Python float "
            "(float(...))"
        )


@pytest.mark.points(2)
@settings(max_examples=25)
@given(data=st.data())
def test_ks_matches_scipy_continuous(data):
    """ks_statistic equals scipy's ks_2samp statistic on continuous samples of different sizes."""
    reference, current = data.draw(drift_samples(10))
    expected = ks_oracle(reference, current)
    got = sub.ks_statistic(np.asarray(reference), np.asarray(current))
    assert type(got) in NUMBER_TYPES, f"expected a float, got {type(got).__name__}"
    assert abs(got - expected) <= 1e-12, f"expected {expected!r}, got {got!r}"


@pytest.mark.gated_on("test_ks_matches_scipy_with_ties")
@pytest.mark.points(1)
def test_ks_rejects_bad_arguments():
    """ks_statistic raises ValueError for an empty, 2-D or non-finite sample."""
    cases = {
        "empty reference": ([], [1.0]),
        "empty current": ([1.0], []),
        "NaN": ([1.0, float("nan")], [1.0]),
        "2-D reference": ([[1.0], [2.0]], [1.0]),
    }
    for case, (reference, current) in cases.items():
        expect_value_error(case, sub.ks_statistic, reference, current)


# ---------------------------------------------------------------------------
# detect_drift
# ---------------------------------------------------------------------------


def _deterministic_reference():
    return norm.ppf((np.arange(1000) + 0.5) / 1000)


@pytest.mark.points(2)
def test_detect_drift_returns_plain_python_types():
    """detect_drift returns exactly {"psi": float, "ks": float, "drifted": bool}; json.dumps works."""
    reference = _deterministic_reference()
    result = sub.detect_drift(reference, reference + 0.3)
    assert type(result) is dict, f"expected a dict, got {type(result).__name__}"
    assert set(result) == {"psi", "ks", "drifted"}, (
        f"expected keys psi, ks, drifted, got {sorted(result)}"
    )
    assert type(result["psi"]) is float, f"psi: expected float, got {type(result['psi']).__name__}"
    assert type(result["ks"]) is float, f"ks: expected float, got {type(result['ks']).__name__}"
    assert type(result["drifted"]) is bool, (
        f"drifted: expected bool, got {type(result['drifted']).__name__}"
    )
    json.dumps(result)


@pytest.mark.points(2)
def test_detect_drift_figures_match_oracles():
    """The psi and ks figures of detect_drift equal psi (default bins/eps) and ks_2samp."""
    reference = _deterministic_reference()
    current = reference * 1.4 + 0.2
    result = sub.detect_drift(reference, current)
    expected_psi = oracle_psi(reference, current)
    expected_ks = ks_oracle(reference, current)
    assert type(result) is dict, f"detect_drift: expected a dict, got {type(result).__name__}"
    for key in ("psi", "ks"):
        assert type(result.get(key)) in NUMBER_TYPES, (
            f"detect_drift: expected {key} as a float, got {type(result.get(key)).__name__}"
        )
    assert math.isclose(result["psi"], expected_psi, rel_tol=1e-9), (
        f"psi: expected {expected_psi!r}, got {result['psi']!r}"
    )
    assert abs(result["ks"] - expected_ks) <= 1e-12, (
        f"ks: expected {expected_ks!r}, got {result['ks']!r}"
    )


@pytest.mark.points(3)
def test_detect_drift_default_thresholds():
    """With the defaults (psi 0.2, ks 0.1) drift is flagged when either figure is above its threshold."""
    reference = _deterministic_reference()
    q40, q50 = np.quantile(reference, [0.4, 0.5])
    band = (reference > q40) & (reference < q50)
    thinned = np.concatenate([reference[~band], reference[band][:4]])  # a hole in one bin
    cases = {
        "small shift (psi low, ks low)": (reference + 0.1, False),
        "shift 0.3 (psi low, ks high)": (reference + 0.3, True),
        "hole in one bin (psi high, ks low)": (thinned, True),
        "shift 1.0 (both high)": (reference + 1.0, True),
    }
    for name, (current, expected) in cases.items():
        p, k = oracle_psi(reference, current), ks_oracle(reference, current)
        assert expected == (p > 0.2 or k > 0.1)  # sanity of the case itself
        got = sub.detect_drift(reference, current)["drifted"]
        assert got is expected, (
            f"{name} (psi={p:.3f}, ks={k:.3f}): expected drifted={expected}, got {got!r}"
        )


@pytest.mark.points(2)
def test_detect_drift_either_figure_triggers():
    """drifted is True when only psi, or only ks, is above its threshold; False when neither is."""
    reference = _deterministic_reference()
    current = reference + 0.3  # psi ~ 0.09, ks = 0.12
    cases = [
        ({"psi_threshold": 0.05, "ks_threshold": 0.5}, True),
        ({"psi_threshold": 0.5, "ks_threshold": 0.05}, True),
        ({"psi_threshold": 0.5, "ks_threshold": 0.5}, False),
        ({"psi_threshold": 0.05, "ks_threshold": 0.05}, True),
    ]
    for kwargs, expected in cases:
        got = sub.detect_drift(reference, current, **kwargs)["drifted"]
        assert got is expected, f"{kwargs}: expected drifted={expected}, got {got!r}"


@pytest.mark.points(2)
def test_detect_drift_threshold_is_strict():
    """A figure exactly equal to its threshold does not count as drift (strictly above only)."""
    reference = [1.0, 2.0, 3.0, 4.0]
    current = [2.5, 3.5, 4.5, 5.5]  # KS exactly 0.5
    at_ks = sub.detect_drift(reference, current, psi_threshold=100.0, ks_threshold=0.5)
    assert at_ks["drifted"] is False, (
        f"ks == threshold 0.5: expected drifted=False, got {at_ks['drifted']!r}"
    )
    below_ks = sub.detect_drift(reference, current, psi_threshold=100.0, ks_threshold=0.49)
    assert below_ks["drifted"] is True, (
        f"ks 0.5 > 0.49: expected drifted=True, got {below_ks['drifted']!r}"
    )
    same = sub.detect_drift(reference, list(reference), psi_threshold=0.0, ks_threshold=0.0)
    assert same["drifted"] is False, (
        f"identical samples (psi == ks == 0) with thresholds 0: expected drifted=False, got {same['drifted']!r}"
    )


# ---------------------------------------------------------------------------
# RollingAccuracy
# ---------------------------------------------------------------------------


@pytest.mark.points(2)
def test_rolling_value_none_then_float():
    """value is None before the first update and a Python float afterwards."""
    acc = sub.RollingAccuracy(window=3)
    assert acc.value is None, f"expected None before any update, got {acc.value!r}"
    acc.update(1, 1)
    assert type(acc.value) is float, f"expected a float, got {type(acc.value).__name__}"
    assert abs(acc.value - 1.0) <= 1e-12, f"expected 1.0, got {acc.value!r}"
    acc.update(1, 0)
    got = acc.value
    assert type(got) in NUMBER_TYPES, f"expected a float, got {type(got).__name__}"
    assert abs(got - 0.5) <= 1e-12, f"expected 0.5, got {got!r}"


@pytest.mark.points(4)
@settings(max_examples=40)
@given(
    window=st.integers(1, 8),
    pairs=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=30),
)
def test_rolling_matches_last_window(window, pairs):
    """After every update, value is the accuracy over the last `window` pairs (within 1e-12)."""
    acc = sub.RollingAccuracy(window=window)
    # A tuple: the candidate's code can reach the helper's copy from its frames, and a
    # tuple holds still (the expected values come from this test's own list either way).
    values, error = update_with_each(acc, tuple(pairs), True)
    for i, got in enumerate(values, start=1):
        expected = reference_accuracy(pairs[:i], window)
        assert type(got) in NUMBER_TYPES, (
            f"window={window}, after {i} updates: expected a float, got {type(got).__name__}"
        )
        assert abs(got - expected) <= 1e-12, (
            f"window={window}, after {i} updates {pairs[:i]}: expected {expected!r}, got {got!r}"
        )
    if error is not None:
        raise error


@pytest.mark.points(1)
def test_rolling_default_window_is_100():
    """The default window is 100 pairs."""
    acc = sub.RollingAccuracy()
    _, error = update_with_each(acc, ((0, 1),) * 50 + ((1, 1),) * 100, False)
    if error is not None:
        raise error
    assert type(acc.value) in NUMBER_TYPES, f"expected a float, got {type(acc.value).__name__}"
    assert abs(acc.value - 1.0) <= 1e-12, (
        f"expected 1.0 (last 100 pairs all correct), got {acc.value!r}"
    )
    acc.update(0, 1)
    got = acc.value
    assert type(got) in NUMBER_TYPES, f"expected a float, got {type(got).__name__}"
    assert abs(got - 0.99) <= 1e-12, f"expected 0.99, got {got!r}"


@pytest.mark.points(1)
def test_rolling_any_labels():
    """update compares labels with ==: strings, numpy scalars and floats work."""
    acc = sub.RollingAccuracy(window=4)
    acc.update("cat", "cat")
    acc.update("cat", "dog")
    acc.update(np.int64(2), 2)
    acc.update(np.float64(1.0), 1)
    assert type(acc.value) in NUMBER_TYPES, f"expected a float, got {type(acc.value).__name__}"
    assert abs(acc.value - 0.75) <= 1e-12, f"expected 0.75, got {acc.value!r}"


@pytest.mark.gated_on("test_rolling_matches_last_window")
@pytest.mark.points(1)
def test_rolling_rejects_bad_window():
    """RollingAccuracy raises ValueError when window is not an integer >= 1."""
    for window in (0, -1, 2.5):
        expect_value_error(f"window={window}", sub.RollingAccuracy, window=window)


@pytest.mark.gated_on("test_rolling_matches_last_window")
@pytest.mark.points(3)
def test_rolling_update_cost_independent_of_window():
    """update and value cost O(1): a 100_000 window is not much slower than a 10 window."""
    n = 20_000

    def run(window):
        acc = sub.RollingAccuracy(window=window)
        start = time.perf_counter()
        drive(acc, n)  # n updates, each followed by a read of value
        return time.perf_counter() - start

    run(10)  # warm-up
    # Interleaved runs, keeping the fastest of each: on a busy machine a run may be
    # slowed down by others, never sped up, so the minima converge to the true costs.
    # An O(window) answer takes seconds per large run: the time budget ends it early.
    small = large = math.inf
    budget_end = time.perf_counter() + 3.0
    for attempt in range(8):
        small = min(small, run(10))
        large = min(large, run(100_000))
        if attempt >= 2 and large < 2 * small:  # clearly O(1)
            break
        if time.perf_counter() > budget_end:
            break
    assert large < 5 * small, (
        f"expected window=100_000 to take < 5x the time of window=10 for {n} updates, "
        f"got {large:.4f}s vs {small:.4f}s ({large / small:.1f}x)"
    )
