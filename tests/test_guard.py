"""The trusted-function snapshot: what it watches, what it reports, what it restores."""

from __future__ import annotations

import json
import sys
import types

import pytest

from grader import guard


@pytest.fixture
def fake_oracle(monkeypatch):
    """A stand-in for a scikit-learn module a suite imports."""
    module = types.ModuleType("sklearn.fake_oracle")
    module.score = lambda: 1.0
    monkeypatch.setitem(sys.modules, "sklearn.fake_oracle", module)
    return module


def test_a_replaced_trusted_function_is_named_and_put_back(monkeypatch):
    snapshot = guard.take_snapshot()
    original = json.dumps
    monkeypatch.setattr(json, "dumps", lambda *a, **k: "forged")
    assert guard.changes(snapshot) == ["json.dumps"]
    guard.restore(snapshot)
    assert json.dumps is original
    assert guard.changes(snapshot) == []


def test_a_suites_oracle_imports_are_watched(fake_oracle):
    snapshot = guard.take_snapshot(("sklearn.fake_oracle",))
    fake_oracle.score = lambda: 0.0
    assert guard.changes(snapshot) == ["sklearn.fake_oracle.score"]
    assert guard.changes(guard.take_snapshot()) == []


def test_standard_library_imports_of_a_suite_are_not_watched(monkeypatch):
    # pytest and warnings.catch_warnings swap these during ordinary tests.
    import warnings

    snapshot = guard.take_snapshot(("warnings",))
    monkeypatch.setattr(warnings, "showwarning", lambda *a, **k: None)
    assert guard.changes(snapshot) == []


def test_a_replaced_module_is_reported(monkeypatch):
    snapshot = guard.take_snapshot()
    monkeypatch.setitem(sys.modules, "math", types.ModuleType("math"))
    assert guard.changes(snapshot) == ["sys.modules['math']"]


def test_a_replacement_is_found_whatever_else_the_namespace_gained_or_lost(fake_oracle):
    fake_oracle.helper = lambda: "kept"
    snapshot = guard.take_snapshot(("sklearn.fake_oracle",))
    fake_oracle.cache = {}  # a module may add names of its own while tests run
    assert guard.changes(snapshot) == []
    del fake_oracle.helper
    fake_oracle.score = lambda: 0.0
    assert guard.changes(snapshot) == [
        "sklearn.fake_oracle.score",
        "sklearn.fake_oracle.helper",
    ]


class ClaimsEquality:
    """A planted object that says it equals anything."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None

    def __call__(self) -> float:
        return 1.0


def test_identity_decides_not_equality(fake_oracle):
    snapshot = guard.take_snapshot(("sklearn.fake_oracle",))
    fake_oracle.score = ClaimsEquality()
    assert guard.changes(snapshot) == ["sklearn.fake_oracle.score"]


def test_a_snapshot_built_on_an_earlier_one_records_what_changed_since(fake_oracle):
    base = guard.take_snapshot(("sklearn.fake_oracle",))
    ours = lambda: 0.5  # noqa: E731 - set up before the snapshot, like the import guard
    fake_oracle.score = ours
    snapshot = guard.take_snapshot(("sklearn.fake_oracle",), base=base)
    assert snapshot.modules["json"] is base.modules["json"]  # unchanged: reused
    assert guard.changes(snapshot) == []
    fake_oracle.score = lambda: 0.0
    assert guard.changes(snapshot) == ["sklearn.fake_oracle.score"]
    guard.restore(snapshot)
    assert fake_oracle.score is ours
