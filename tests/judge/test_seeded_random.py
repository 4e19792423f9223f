"""Python's generators saved, seeded and compared through snapshots: what `getstate` and
`setstate` would do, and hypothesis' examples and warnings unchanged once installed."""

from __future__ import annotations

import ast
import random
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.judge.seeded_random import (
    Snapshot,
    SnapshotSeeding,
    as_tuple,
    layout_holds,
    restore,
    snapshot,
)

SEEDS = st.integers(0, 2**64)
# What hypothesis does to a registered generator: "enter" saves its state and seeds it
# (by `seed`, or by `setstate` of a seeded generator's state, as it does for the global
# one), "exit" puts the last saved state back, "draw" takes numbers from it.
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["enter by seed", "enter by state"]), st.integers(0, 3)),
        st.just(("exit",)),
        st.tuples(st.just("draw"), st.integers(1, 700)),
        st.just(("gauss",)),
    ),
    max_size=25,
)
# hypothesis keeps one seeded state per seed: the same tuple each time.
SEEDED_STATES = {seed: random.Random(seed).getstate() for seed in range(4)}


class _Plain:
    """Hypothesis' own protocol for a registered generator: its getstate and setstate."""

    def __init__(self, generator: random.Random) -> None:
        self.seed = generator.seed
        self.getstate = generator.getstate
        self.setstate = generator.setstate


def replay(generator: random.Random, managed, operations, start: int) -> list[object]:
    """The draws a run of `operations` sees, and the states `getstate` reads on the way."""
    generator.seed(start)
    saved = []
    seen: list[object] = []
    for operation in operations:
        if operation[0] == "enter by seed":
            saved.append(managed.getstate())
            managed.seed(operation[1])
        elif operation[0] == "enter by state":
            saved.append(managed.getstate())
            managed.setstate(SEEDED_STATES[operation[1]])
        elif operation[0] == "exit" and saved:
            managed.setstate(saved.pop())
        elif operation[0] == "draw":
            seen.append([generator.random() for _ in range(operation[1])])
        elif operation[0] == "gauss":
            seen.append(generator.gauss(0.0, 1.0))
        seen.append(generator.getstate())
    while saved:
        managed.setstate(saved.pop())
    seen.append([generator.random() for _ in range(3)])
    return seen


@given(OPERATIONS, SEEDS)
def test_snapshots_draw_what_copying_the_state_draws(operations, start):
    plain, copied = random.Random(), random.Random()
    expected = replay(plain, _Plain(plain), operations, start)
    assert replay(copied, SnapshotSeeding(copied), operations, start) == expected


@given(SEEDS, st.integers(0, 1500), st.booleans())
def test_a_snapshot_is_the_state_getstate_reads(seed, draws, gauss):
    generator = random.Random(seed)
    for _ in range(draws):
        generator.random()
    if gauss:
        generator.gauss(0.0, 1.0)
    state = snapshot(generator)
    assert as_tuple(state) == generator.getstate()
    ahead = [generator.random() for _ in range(5)]
    assert snapshot(generator) != state  # what hypothesis compares to see a draw
    restore(generator, state)
    assert snapshot(generator) == state and hash(snapshot(generator)) == hash(state)
    assert [generator.random() for _ in range(5)] == ahead


def test_snapshots_of_different_states_differ_and_equal_ones_are_equal():
    first, second = random.Random(1), random.Random(1)
    assert snapshot(first) == snapshot(second)
    second.random()
    assert snapshot(first) != snapshot(second)
    first.random()
    first.gauss(0.0, 1.0)  # the same words, a cached second normal value
    second.gauss(0.0, 1.0)
    assert snapshot(first) == snapshot(second)
    assert isinstance(snapshot(first), Snapshot) and snapshot(first) != first.getstate()


def test_this_interpreter_lays_generators_out_as_copied():
    assert layout_holds()


def test_a_short_snapshot_is_refused_not_copied():
    generator = random.Random(3)
    before = generator.getstate()
    with pytest.raises(ValueError):
        restore(generator, Snapshot(b"\0" * 16, None))
    assert generator.getstate() == before


# Installed in a fresh interpreter (it changes hypothesis for the whole process): every
# example starts from the same seeded state, the stream outside goes on where it was, a
# strategy that draws from the global generator is still reported, one that does not is
# not, and the examples themselves are the same as without it.
INSTALLED = textwrap.dedent(
    """
    import random, sys, warnings
    from hypothesis import given, settings, strategies as st
    from hypothesis.errors import HypothesisDeprecationWarning
    import hypothesis.control
    from grader.judge import seeded_random

    seen = []

    @settings(max_examples=15, database=None, derandomize=True, deadline=None)
    @given(st.integers(), st.lists(st.floats(allow_nan=False)), st.data())
    def prop(x, xs, data):
        seen.append((x, xs, data.draw(st.integers(0, 10**6)), random.random(), random.gauss(0, 1)))

    @settings(max_examples=3, database=None, derandomize=True, deadline=None)
    @given(st.builds(lambda: random.random()))
    def draws_in_strategy(value):
        pass

    prop()  # hypothesis makes its own generator at its first property
    installed = seeded_random.install() if sys.argv[1] == "installed" else False
    random.seed(11)
    follow = random.Random(11)
    follow.random()
    random.random()
    seen.clear()
    prop()
    outside = random.random() == follow.random()

    def notes(run):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run()
        return [
            str(w.message) for w in caught if issubclass(w.category, HypothesisDeprecationWarning)
        ]

    in_strategy, in_body = notes(draws_in_strategy), notes(prop)
    print(repr(seen[:15]))
    print(repr((
        installed,
        type(hypothesis.control.random).__name__,
        len(seen[:15]),
        len({example[3:] for example in seen}) == 1,
        outside,
        len(in_strategy) > 0 and all("random" in note for note in in_strategy),
        in_body == [],
    )))
    """
)


def _run(mode: str) -> tuple[str, tuple]:
    run = subprocess.run(
        [sys.executable, "-c", INSTALLED, mode], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    examples, flags = run.stdout.splitlines()
    return examples, ast.literal_eval(flags)


def test_installed_hypothesis_gives_the_same_examples_and_warnings():
    plain_examples, plain = _run("plain")
    examples, installed = _run("installed")
    assert examples == plain_examples  # the same examples, the same draws in them
    assert installed[:3] == (True, "_RandomModuleView", 15)
    assert plain[:3] == (False, "module", 15)
    # Every example starts from the same seeded state; the stream outside goes on; a
    # strategy drawing from the global generator is reported, a test body is not.
    assert installed[3:] == plain[3:] == (True, True, True, True)
