"""Example tests for the `persistence` exercise."""

import hashlib
import json
from datetime import datetime

import persistence
import pytest

NOW = datetime(2024, 3, 5, 14, 7, 9)


def test_save_names_and_sidecar(tmp_path):
    path = persistence.save_model({"w": [1, 2]}, tmp_path, metadata={"acc": 0.9}, now=NOW)
    assert path.name == "model_20240305_140709.joblib"
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert side["metadata"] == {"acc": 0.9}


def test_second_save_gets_suffix(tmp_path):
    persistence.save_model([1], tmp_path, now=NOW)
    second = persistence.save_model([2], tmp_path, now=NOW)
    assert second.name == "model_20240305_140709_1.joblib"


def test_round_trip(tmp_path):
    path = persistence.save_model({"w": [1, 2]}, tmp_path, now=NOW)
    assert persistence.load_model(path) == {"w": [1, 2]}


def test_missing_sidecar(tmp_path):
    path = persistence.save_model([1], tmp_path, now=NOW)
    path.with_suffix(".json").unlink()
    with pytest.raises(persistence.ModelIntegrityError):
        persistence.load_model(path)
    assert persistence.load_model(path, verify=False) == [1]


def test_latest_model(tmp_path):
    assert persistence.latest_model(tmp_path) is None
    persistence.save_model([1], tmp_path, now=datetime(2024, 1, 1))
    newest = persistence.save_model([2], tmp_path, now=datetime(2024, 6, 1))
    assert persistence.latest_model(tmp_path) == newest
