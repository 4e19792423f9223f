"""Example tests for the monitoring exercise. The hidden suite checks much more."""

import json
import math

import monitoring
import numpy as np
from scipy.stats import ks_2samp


def test_psi_of_a_sample_against_itself_is_zero():
    reference = np.linspace(0.05, 9.95, 100)
    assert monitoring.psi(reference, reference) == 0.0


def test_psi_small_example():
    # reference quartile edges are 5.75, 11.0, 16.25; the current sample sits in the last bin
    reference = np.arange(22) + 0.5
    current = [30.0, 31.0]
    ref_p = [6 / 22, 5 / 22, 5 / 22, 6 / 22]
    cur_p = [1e-4, 1e-4, 1e-4, 1.0]
    expected = sum((c - r) * math.log(c / r) for r, c in zip(ref_p, cur_p, strict=True))
    assert math.isclose(monitoring.psi(reference, current, bins=4), expected, rel_tol=1e-9)


def test_ks_statistic_matches_scipy():
    reference = [0.1, 0.4, 0.5, 0.9, 1.3]
    current = [0.2, 0.7, 1.1, 1.5]
    expected = ks_2samp(reference, current).statistic
    assert abs(monitoring.ks_statistic(reference, current) - expected) <= 1e-12


def test_detect_drift_is_json_ready():
    reference = np.linspace(-2, 2, 200)
    result = monitoring.detect_drift(reference, reference + 1.0)
    assert set(result) == {"psi", "ks", "drifted"}
    assert result["drifted"] is True
    json.dumps(result)


def test_rolling_accuracy_window():
    acc = monitoring.RollingAccuracy(window=2)
    assert acc.value is None
    acc.update(1, 1)
    acc.update(0, 1)
    acc.update(1, 1)  # the first pair has left the window
    assert acc.value == 0.5
