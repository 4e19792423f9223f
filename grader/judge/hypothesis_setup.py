"""Hypothesis in the judge's process: settings that make grades repeatable, and the
lazy set-up a warm fork server does once instead of in every child."""

from __future__ import annotations

import sys
import warnings

import hypothesis
from hypothesis import HealthCheck, Phase

from grader.userdirs import cache_root

_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target)
_SETTINGS = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "print_blob": False,
    "suppress_health_check": (HealthCheck.too_slow, HealthCheck.data_too_large),
}
# Registered once here; a child only loads one.
hypothesis.settings.register_profile(
    "mlgrade", phases=(*_PHASES, Phase.shrink), report_multiple_bugs=True, **_SETTINGS
)
hypothesis.settings.register_profile(
    "mlgrade-verdict", phases=_PHASES, report_multiple_bugs=False, **_SETTINGS
)


def configure_hypothesis(*, shrink: bool = True) -> None:
    """Derandomized, no example database, no deadline: the same grade every time.

    Without `shrink` (mutation analysis needs a verdict, not a minimal example) a
    failing property stops at its first counterexample.
    """
    hypothesis.settings.load_profile("mlgrade" if shrink else "mlgrade-verdict")


def warm_hypothesis_tables() -> None:
    """Build hypothesis' Unicode tables here, once, rather than in every child.

    Any text strategy needs them; built from scratch they cost a second per process,
    and a child's storage folder is thrown away with it. Hypothesis keeps them on disk
    in its storage folder, so point that at our cache while building.
    """
    from hypothesis import configuration
    from hypothesis.internal import charmap

    configuration.set_hypothesis_home_dir(cache_root() / f"hypothesis-{hypothesis.__version__}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            charmap.charmap()
            charmap.intervals_from_codec("utf-8")
    except Exception:  # noqa: BLE001 - internal API: without it, children build their own
        pass
    finally:
        # Children must use their own run folder (HYPOTHESIS_STORAGE_DIRECTORY).
        configuration.set_hypothesis_home_dir(None)


def warm_hypothesis_engine() -> None:
    """Run one tiny property here, so each child starts with hypothesis' engine warm.

    A forked child pays for every lazy set-up its first property triggers: done once
    in the warm parent, a child's first property runs up to a fifth faster. Examples
    depend only on each test's own seed (derandomized), never on this run.
    """
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=20, database=None, derandomize=True, deadline=None)
    @given(
        st.lists(st.tuples(st.integers(0, 3), st.floats(allow_nan=False)), max_size=4),
        st.text(max_size=3),
        st.sampled_from(["a", "b"]) | st.booleans() | st.none(),
    )
    def warm_up(pairs: list, text: str, choice: object) -> None:
        pass

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warm_up()
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


def remember_function_digests() -> None:
    """Let hypothesis digest each test's source once per process, not at every use.

    A property's seed (derandomized) and its database key are both the digest of its
    source, worked out from scratch each time (tokenized twice and parsed once): twice
    a property. The digest depends only on the function, its signature and the
    parametrization hypothesis notes on it, so those make the key.
    """
    try:
        from hypothesis import core
        from hypothesis.internal.reflection import function_digest
    except ImportError:  # internal API: each property digests its source itself
        return
    if getattr(core.function_digest, "remembers", False):
        return
    remembered: dict[tuple[object, object, object], bytes] = {}

    def digest(function: object) -> bytes:
        try:
            key = (
                function,
                getattr(function, "_hypothesis_internal_add_digest", None),
                getattr(function, "__signature__", None),
            )
            known = remembered.get(key)
        except TypeError:  # something unhashable: no key, digest it again
            return function_digest(function)
        if known is None:
            known = remembered[key] = function_digest(function)
        return known

    digest.remembers = True  # type: ignore[attr-defined]
    core.function_digest = digest


def seal_hypothesis_constants() -> None:
    """Let hypothesis draw its "local constants" from the candidate's code alone.

    Hypothesis mixes literals found in modules it deems local (not installed) into the
    examples it generates, and mlgrade's own modules are local in a source checkout.
    Marking everything loaded so far as seen keeps the examples independent of how
    mlgrade was installed; done in the fork server, it also spares each child a scan
    of the ~1000 modules loaded there after its first property ran (14 ms per child).
    """
    try:
        from hypothesis.internal.conjecture import providers

        # The same cheap test hypothesis makes: touching every module in a forked
        # child would copy the pages they live on.
        if len(sys.modules) != providers._sys_modules_len:
            providers._seen_modules.update(id(module) for module in list(sys.modules.values()))
            providers._sys_modules_len = len(sys.modules)
        found = providers._local_constants
        if any((found.integers, found.floats, found.bytes, found.strings)):
            for kind in (found.integers, found.floats, found.bytes, found.strings):
                kind.clear()
            providers.CONSTANTS_CACHE.cache.clear()
    except (ImportError, AttributeError):  # internal API: only the examples' sources differ
        pass
