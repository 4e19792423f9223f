"""AST mutation operators and the equivalent-mutant list."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.errors import KitError
from grader.quality.mutation import load_equivalents, mutants, sample

SOURCE = '''
"""Docstring stays."""
LIMIT = 3


def clip(values, low, high):
    """Clip each value."""
    out = []
    for v in values:
        if v < low:
            out.append(low)
        elif v > high and high is not None:
            out.append(high)
        else:
            out.append(pow(v, 1) * 1 + 0)
    return out
'''


def operators(items):
    return {m.operator for m in items}


def test_every_operator_family_is_applied():
    found = mutants(SOURCE)
    assert {
        "compare",
        "arithmetic",
        "boolean",
        "constant+1",
        "constant-1",
        "negate-condition",
        "swap-arguments",
        "drop-statement",
    } <= operators(found)


def test_mutants_compile_differ_and_show_a_one_line_diff():
    for mutant in mutants(SOURCE):
        compile(mutant.source, "<m>", "exec")
        assert ast.unparse(ast.parse(mutant.source)) != ast.unparse(ast.parse(SOURCE))
        assert mutant.diff.startswith("-") and "\n+" in mutant.diff


def test_docstrings_module_constants_and_defs_are_never_dropped():
    keys = [m.key for m in mutants(SOURCE) if m.operator == "drop-statement"]
    assert not any("Docstring" in k or "Clip each" in k or "LIMIT = 3 =>" in k for k in keys)
    assert not any(k.startswith("drop-statement: def ") for k in keys)


def test_mutation_is_deterministic_and_keys_survive_line_shifts():
    first = mutants(SOURCE)
    assert [m.key for m in first] == [m.key for m in mutants(SOURCE)]
    shifted = mutants("\n\n\n" + SOURCE)
    assert {m.key for m in shifted} == {m.key for m in first}


@settings(max_examples=50)
@given(st.integers(0, 40), st.integers(1, 40))
def test_sample_is_an_evenly_spread_ordered_subset(count, limit):
    items = mutants(SOURCE)[:count]
    chosen = sample(items, limit)
    assert len(chosen) == min(limit, len(items))
    assert [items.index(m) for m in chosen] == sorted(items.index(m) for m in chosen)
    assert sample(items, None) == items


def test_equivalents_need_a_reason(tmp_path):
    path = tmp_path / "equivalent_mutants.toml"
    path.write_text('[[equivalent]]\nmutant = "compare: a => b"\nwhy = ""\n')
    with pytest.raises(KitError, match="needs a reason"):
        load_equivalents(path)
    path.write_text('[[equivalent]]\nmutant = "compare: a => b"\nwhy = "same for ints"\n')
    assert load_equivalents(path)[0].why == "same for ints"
    assert load_equivalents(tmp_path / "absent.toml") == ()
