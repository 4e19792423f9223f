"""The judges' fork server learns pytest's plugins once: sessions find the same fixtures
and warnings as pytest's own scan, without reading every name of every plugin again."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import _pytest.fixtures
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.judge import plugin_fixtures

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plugin_fixtures"

# Two sessions in one process, as a fork server's rehearsal and then a judge: what the
# first learned, the second reads. Prints each session's output and how many names the
# fixture manager checked for hidden fixtures.
SESSIONS = textwrap.dedent(
    """
    import contextlib, io, json, sys
    import _pytest.fixtures
    import pytest
    from grader.judge import plugin_fixtures

    sys.path.insert(0, sys.argv[1])
    if sys.argv[2] == "learned":
        assert plugin_fixtures.install()
    checked = [0]
    check = _pytest.fixtures.FixtureManager._check_for_wrapped_fixture

    def counting(self, name, obj):
        checked[0] += 1
        return check(self, name, obj)

    _pytest.fixtures.FixtureManager._check_for_wrapped_fixture = counting
    base = [sys.argv[1], "--noconftest", "-p", "fixture_plugin", "-W", "always"]
    found = []
    for extra in (["--fixtures", "-v"], ["-rA"]):
        checked[0] = 0
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = int(pytest.main(base + extra))
        found.append({"code": code, "out": out.getvalue(), "checked": checked[0]})
    print(json.dumps(found))
    """
)


def _sessions(mode: str) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", SESSIONS, str(FIXTURES), mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    for session in found:
        session["out"] = re.sub(r"in \d+\.\d+s", "in Ts", session["out"])
    return found


needs_views = pytest.mark.skipif(
    not plugin_fixtures.supported()
    or not hasattr(_pytest.fixtures.FixtureManager, "_check_for_wrapped_fixture")
    or not hasattr(_pytest.fixtures.FixtureManager, "_find_wrapped_fixture_def"),
    reason="this pytest's fixture manager is not one the views fit",
)


@needs_views
def test_sessions_find_the_same_fixtures_warnings_and_outcomes_as_pytest_alone():
    plain, learned = _sessions("plain"), _sessions("learned")

    listing, run = learned
    assert [s["out"] for s in learned] == [s["out"] for s in plain]
    assert [s["code"] for s in learned] == [s["code"] for s in plain]
    # The listing and the run show what the plugin holds, found through the views.
    for name in ("plain", "renamed", "recorded", "always"):
        assert re.search(rf"^{name} ", listing["out"], re.MULTILINE), name
    assert "cannot discover fixture 'hidden'" in run["out"]
    assert "PASSED" in run["out"] and "test_plain" in run["out"]
    assert "test_autouse_and_hooks_ran" in run["out"]
    assert "fixture 'hidden' not found" in run["out"]


@needs_views
def test_a_second_session_reads_far_fewer_names():
    plain, learned = _sessions("plain"), _sessions("learned")
    # The second session is the judge's: it finds what the first one learned.
    assert learned[1]["checked"] * 5 < plain[1]["checked"], (learned, plain)


def _fixture() -> object:
    @pytest.fixture
    def made():
        return 1

    return made


def _wrap(function: object) -> object:
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)

    return wrapper


LAYERS = {
    "wraps": _wrap,
    "classmethod": classmethod,
    "staticmethod": staticmethod,
    "partial": lambda inner: functools.partial(lambda *a: a, inner),
}


@needs_views
@given(
    inner=st.sampled_from(["fixture", "function", "number"]),
    layers=st.lists(st.sampled_from(sorted(LAYERS)), max_size=4),
)
def test_acts_on_agrees_with_pytest_on_any_wrapping(inner, layers):
    value = {"fixture": _fixture(), "function": lambda: 1, "number": 3}[inner]
    for layer in layers:
        try:
            value = LAYERS[layer](value)
        except TypeError:
            continue
    # What pytest does with a raw attribute: register it, or warn of a hidden fixture.
    definition = _pytest.fixtures.FixtureFunctionDefinition
    hidden = _pytest.fixtures.FixtureManager._find_wrapped_fixture_def(None, value)
    pytest_acts = type(value) is definition or hidden is not None
    # A view may keep more than pytest acts on (pytest then decides), never less; and
    # nothing without a fixture inside.
    if pytest_acts:
        assert plugin_fixtures.acts_on(value)
    if inner != "fixture":
        assert not plugin_fixtures.acts_on(value)


def test_a_module_view_keeps_fixtures_and_anything_wrapped_only():
    module = types.ModuleType("plugin")
    module.made = _fixture()
    module.hidden = _wrap(_fixture())
    module.helper = lambda: 1
    module.wrapped_helper = _wrap(lambda: 1)
    module.CONSTANT = 3

    view = plugin_fixtures.module_view(module)

    assert view is not None and view.__name__ == "plugin"
    assert view.made is module.made and view.hidden is module.hidden
    assert not hasattr(view, "helper") and not hasattr(view, "CONSTANT")
    assert not hasattr(view, "wrapped_helper")


def test_a_module_answering_for_its_own_names_is_read_by_pytest_itself():
    module = types.ModuleType("lazy")
    module.__getattr__ = lambda name: _fixture()
    assert plugin_fixtures.module_view(module) is None


def test_a_plugin_class_with_a_fixture_is_not_barren():
    class WithFixture:
        made = _fixture()

    class Without:
        def pytest_configure(self, config):
            pass

    assert plugin_fixtures.barren(Without)
    assert not plugin_fixtures.barren(WithFixture)


def test_an_unsupported_pytest_is_left_alone(monkeypatch):
    monkeypatch.delattr(_pytest.fixtures, "FixtureFunctionDefinition", raising=False)
    before = _pytest.fixtures.FixtureManager.parsefactories
    plugin_fixtures.uninstall()
    try:
        assert plugin_fixtures.install() is False
        assert _pytest.fixtures.FixtureManager.parsefactories is before
    finally:
        plugin_fixtures.uninstall()
