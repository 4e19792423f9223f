"""numpy's global generator swapped around examples draws what hypothesis' copying draws."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.internal.entropy import NumpyRandomWrapper

from grader.judge.seeded_numpy import SwappedGlobalGenerator

SEEDS = st.integers(0, 2**32 - 1)
# What hypothesis does to a registered generator: "enter" saves its state and seeds it
# (an example starts, or a nested st.random_module() one), "exit" puts the last saved
# state back, "draw" takes numbers from numpy's global functions.
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("enter"), SEEDS),
        st.just(("exit",)),
        st.tuples(st.just("draw"), st.integers(1, 4)),
    ),
    max_size=30,
)


@contextmanager
def global_generator_kept() -> Iterator[None]:
    bit_generator = np.random.get_bit_generator()
    state = np.random.get_state()
    try:
        yield
    finally:
        np.random.set_bit_generator(bit_generator)
        np.random.set_state(state)


def replay(generator, operations, start: int) -> list[list[float]]:
    """The draws a run of `operations` sees, then the outer stream's next ones."""
    np.random.seed(start)
    saved = []
    draws = []
    for operation in operations:
        if operation[0] == "enter":
            saved.append(generator.getstate())
            generator.seed(operation[1])
        elif operation[0] == "exit" and saved:
            generator.setstate(saved.pop())
        elif operation[0] == "draw":
            draws.append(np.random.random_sample(operation[1]).tolist())
            draws.append(np.random.randint(0, 1000, operation[1]).tolist())
    while saved:
        generator.setstate(saved.pop())
    draws.append(np.random.random_sample(3).tolist())
    return draws


@given(OPERATIONS, SEEDS)
def test_swapping_draws_what_copying_the_state_draws(operations, start):
    with global_generator_kept():
        expected = replay(NumpyRandomWrapper(), operations, start)
        found = replay(SwappedGlobalGenerator(), operations, start)
    assert found == expected


def test_a_bit_generator_the_suite_installed_is_never_reseeded():
    with global_generator_kept():
        swapped = SwappedGlobalGenerator()
        outer = swapped.getstate()
        swapped.seed(1)
        own = np.random.MT19937(7)
        np.random.set_bit_generator(own)
        key = own.state["state"]["key"].copy()
        swapped.setstate(outer)
        swapped.seed(2)
        assert np.random.get_bit_generator() is not own
        assert np.array_equal(own.state["state"]["key"], key)


# Installed in a fresh interpreter (it changes hypothesis for the whole process), before
# or after hypothesis made its own wrapper: every example starts from seed 0, the outer
# stream goes on where it was, and hypothesis' copying wrapper is gone.
INSTALLED = textwrap.dedent(
    """
    import sys
    import numpy as np
    from hypothesis import given, settings, strategies as st
    from hypothesis.internal import entropy
    from grader.judge.seeded_numpy import SwappedGlobalGenerator, install

    seen = []

    @settings(max_examples=10, database=None, derandomize=True)
    @given(st.integers())
    def prop(x):
        seen.append(np.random.randint(0, 2**31, 4).tolist())

    if sys.argv[1] == "after":
        prop()
    print(install())
    np.random.seed(11)
    follow = np.random.RandomState(11)
    follow.randint(0, 2**31, 2)
    np.random.randint(0, 2**31, 2)
    seen.clear()
    prop()
    first = np.random.RandomState(0).randint(0, 2**31, 4).tolist()
    print(
        len(seen) > 1 and all(drawn == first for drawn in seen),
        np.random.randint(0, 2**31, 3).tolist() == follow.randint(0, 2**31, 3).tolist(),
        isinstance(entropy.NP_RANDOM, SwappedGlobalGenerator),
        sum(isinstance(r, entropy.NumpyRandomWrapper) for r in entropy.RANDOMS_TO_MANAGE.values()),
    )
    """
)


def test_installed_hypothesis_seeds_every_example_and_restores_the_stream():
    for when in ("before", "after"):
        run = subprocess.run(
            [sys.executable, "-c", INSTALLED, when],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.split() == ["True", "True", "True", "True", "0"], when
