"""Python's random generators as hypothesis saves, seeds and compares them around every
example, at a fraction of the cost: their state is copied as bytes, not read out as ints."""

from __future__ import annotations

import ctypes
import random
import struct
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Around every example hypothesis saves the global generator's state, seeds it and puts
# the state back, does the same for a generator of its own, and reads the global state
# again before and after drawing each argument, to warn when a strategy draws from it.
# `getstate` builds a tuple of 625 ints (14 µs), and comparing two takes 6 µs: some
# 100 µs an example. The same state, copied out of the generator as bytes, takes 1 µs.

# CPython's generator object: the object's header, then an int (the index into the
# state) and the 624 words of the Mersenne Twister, in that order.
_OFFSET = object.__basicsize__
_LAYOUT = struct.Struct("=i624I")
_KEPT = 64  # seeds and seeded states remembered: hypothesis only ever uses a few


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A generator's whole state: equal exactly when `getstate` would be."""

    words: bytes
    gauss_next: float | None


def snapshot(generator: random.Random) -> Snapshot:
    """The generator's state, copied."""
    return Snapshot(ctypes.string_at(id(generator) + _OFFSET, _LAYOUT.size), generator.gauss_next)


def restore(generator: random.Random, state: Snapshot) -> None:
    """Put a state `snapshot` copied back into the generator."""
    if len(state.words) != _LAYOUT.size:  # never copy more than the snapshot holds
        raise ValueError("not a snapshot of a generator's state")
    ctypes.memmove(id(generator) + _OFFSET, state.words, _LAYOUT.size)
    generator.gauss_next = state.gauss_next


def as_tuple(state: Snapshot) -> tuple[Any, ...]:
    """The state as `random.Random.getstate` gives it."""
    index, *words = _LAYOUT.unpack(state.words)
    return (random.Random.VERSION, (*words, index), state.gauss_next)


class SnapshotSeeding:
    """Hypothesis' seed / getstate / setstate protocol for one generator, through snapshots.

    `getstate` gives a Snapshot; `setstate` takes one, or a tuple `getstate` of a generator
    gave (hypothesis seeds the global one with such a tuple, kept for each seed);
    `seed` seeds as `random.Random.seed` does. A seeded state is computed once per seed
    or tuple and copied in from then on.
    """

    def __init__(
        self, generator: random.Random, on_seeded: Callable[[Snapshot], object] | None = None
    ) -> None:
        self.generator = generator
        self.on_seeded = on_seeded  # told of each seeded state's Snapshot, once
        self._seeds: dict[int, Snapshot] = {}
        self._tuples: dict[int, tuple[Any, Snapshot]] = {}

    def getstate(self) -> Snapshot:
        return snapshot(self.generator)

    def seed(self, seed: Any = None) -> None:
        known = self._seeds.get(seed) if type(seed) is int else None
        if known is not None:
            restore(self.generator, known)
            return
        self.generator.seed(seed)
        if type(seed) is int and len(self._seeds) < _KEPT:
            self._seeds[seed] = snapshot(self.generator)

    def setstate(self, state: Any) -> None:
        if type(state) is Snapshot:
            restore(self.generator, state)
            return
        # Keyed by identity, the tuple held alongside so that its id stays its own.
        known = self._tuples.get(id(state))
        if known is not None and known[0] is state:
            restore(self.generator, known[1])
            return
        self.generator.setstate(state)
        if len(self._tuples) < _KEPT:
            self._tuples[id(state)] = (state, self._told(snapshot(self.generator)))

    def _told(self, state: Snapshot) -> Snapshot:
        if self.on_seeded is not None:
            self.on_seeded(state)
        return state


class _RandomModuleView(types.ModuleType):
    """The `random` module as hypothesis' strategies see it: `getstate` gives a Snapshot
    of the generator behind the module's functions (hypothesis only compares and hashes
    what it gives); the rest is the module's own."""

    def __init__(self, generator: random.Random) -> None:
        super().__init__("random")
        self._generator = generator

    def getstate(self) -> Snapshot:
        return snapshot(self._generator)

    def __getattr__(self, name: str) -> Any:
        return getattr(random, name)


def layout_holds() -> bool:
    """Whether this interpreter's generators are laid out as copied here: checked against
    `getstate`, `setstate` and the draws themselves."""
    if type(getattr(random.getstate, "__self__", None)) is not random.Random:
        return False
    try:
        for seed in (1, 2**40 + 7):
            generator = random.Random(seed)
            for draws in (0, 623):
                for _ in range(draws):
                    generator.random()
                generator.gauss(0.0, 1.0)  # leaves a cached second value
                copied = snapshot(generator)
                if as_tuple(copied) != generator.getstate():
                    return False
                expected = [generator.random() for _ in range(630)], generator.gauss(0.0, 1.0)
                restore(generator, copied)
                if generator.getstate() != as_tuple(copied):
                    return False
                if ([generator.random() for _ in range(630)], generator.gauss(0.0, 1.0)) != (
                    expected
                ):
                    return False
    except (TypeError, ValueError, OSError, struct.error):
        return False
    return True


# The objects hypothesis' registry refers to weakly, kept alive here.
_INSTALLED: list[Any] = []


def install() -> bool:
    """Make hypothesis save, seed and compare Python's generators through snapshots: the
    global one and its own (once it made it: after a first property ran). False, and
    hypothesis left as it was, where the layout or hypothesis' internals are not as
    expected."""
    if _INSTALLED or not layout_holds():
        return bool(_INSTALLED)
    try:
        import hypothesis.control
        import hypothesis.core
        from hypothesis.internal import entropy

        managed = entropy.RANDOMS_TO_MANAGE
        known = entropy._known_random_state_hashes
        global_key = entropy._global_random_rkey
        own = hypothesis.core.threadlocal._hypothesis_global_random
        if managed.get(global_key) is not random or hypothesis.control.random is not random:
            return False
    except (ImportError, AttributeError):  # internal API: hypothesis' own copying
        return False
    # The generator the module's functions are bound to (whatever `random._inst` holds).
    generator = random.getstate.__self__  # type: ignore[attr-defined]
    # A seeded state is one hypothesis itself set: a strategy that finds the generator
    # there has not drawn from it (see hypothesis.control._note_random_in_strategy).
    global_seeding = SnapshotSeeding(generator, on_seeded=lambda state: known.add(hash(state)))
    view = _RandomModuleView(generator)
    _INSTALLED.extend([global_seeding, view])
    managed[global_key] = global_seeding  # type: ignore[assignment]
    hypothesis.control.random = view  # type: ignore[attr-defined]
    if type(own) is random.Random:
        for key, value in list(managed.items()):
            if value is own:
                own_seeding = SnapshotSeeding(own)
                _INSTALLED.append(own_seeding)
                managed[key] = own_seeding  # type: ignore[assignment]
    return True
