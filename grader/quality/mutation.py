"""AST mutation operators: small, realistic bugs planted in a reference solution.

A hidden suite that lets a mutant keep full marks has a gap, unless the mutant is
equivalent to the original; reviewed equivalent mutants are listed, with the reason,
in the exercise's `equivalent_mutants.toml`.
"""

from __future__ import annotations

import ast
import copy
import difflib
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.errors import KitError
from grader.parsing import compile_source, parse

COMPARE_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
BINOP_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
BOOLOP_SWAPS: dict[type, type] = {ast.And: ast.Or, ast.Or: ast.And}


@dataclass(frozen=True)
class Mutant:
    """One planted bug: what changed, where, and the mutated source."""

    index: int
    operator: str
    line: int
    key: str  # stable across line shifts: operator, statement before and after
    diff: str
    source: str


@dataclass(frozen=True)
class _Site:
    operator: str
    node_index: int
    apply: Callable[[ast.AST], bool]


def _is_docstring(node: ast.stmt, parent_body: list[ast.stmt]) -> bool:
    return (
        parent_body
        and node is parent_body[0]
        and isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _sites(tree: ast.Module) -> Iterator[_Site]:
    """Every mutation the operators can make, in a deterministic order."""
    nodes = list(ast.walk(tree))
    for index, node in enumerate(nodes):
        if isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAPS:

                    def swap(n: ast.AST, k: int = k) -> bool:
                        n.ops[k] = COMPARE_SWAPS[type(n.ops[k])]()
                        return True

                    yield _Site("compare", index, swap)
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOP_SWAPS:

            def swap_op(n: ast.AST) -> bool:
                n.op = BINOP_SWAPS[type(n.op)]()
                return True

            yield _Site("arithmetic", index, swap_op)
        elif isinstance(node, ast.BoolOp) and type(node.op) in BOOLOP_SWAPS:

            def swap_bool(n: ast.AST) -> bool:
                n.op = BOOLOP_SWAPS[type(n.op)]()
                return True

            yield _Site("boolean", index, swap_bool)
        elif (
            isinstance(node, ast.Constant)
            and type(node.value) is int
            and not isinstance(node.value, bool)
        ):
            for delta, name in ((1, "constant+1"), (-1, "constant-1")):

                def shift(n: ast.AST, delta: int = delta) -> bool:
                    n.value = n.value + delta
                    return True

                yield _Site(name, index, shift)
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):

            def negate(n: ast.AST) -> bool:
                n.test = ast.UnaryOp(op=ast.Not(), operand=n.test)
                return True

            yield _Site("negate-condition", index, negate)
        elif (
            isinstance(node, ast.Call)
            and len(node.args) >= 2
            and not any(isinstance(a, ast.Starred) for a in node.args[:2])
        ):

            def swap_args(n: ast.AST) -> bool:
                n.args[0], n.args[1] = n.args[1], n.args[0]
                return True

            yield _Site("swap-arguments", index, swap_args)
        for field_name in ("body", "orelse", "finalbody"):
            body = getattr(node, field_name, None)
            if not isinstance(body, list):
                continue
            for position, statement in enumerate(body):
                if _is_docstring(statement, body) or isinstance(
                    statement, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Pass)
                ):
                    continue
                if isinstance(node, ast.Module) and isinstance(statement, ast.Assign):
                    continue  # module constants: dropping them is an import error, not a bug

                def drop(
                    n: ast.AST, field_name: str = field_name, position: int = position
                ) -> bool:
                    getattr(n, field_name)[position] = ast.Pass()
                    return True

                yield _Site("drop-statement", index, drop)


def _statement_lines(source: str, line: int) -> str:
    lines = source.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def mutants(source: str) -> list[Mutant]:
    """Every mutant of a Python source, each compiling, in a deterministic order."""
    original = parse(source)
    baseline = ast.unparse(original)
    result: list[Mutant] = []
    seen: set[str] = set()
    for number, site in enumerate(_sites(original)):
        tree = copy.deepcopy(original)
        node = list(ast.walk(tree))[site.node_index]
        line = getattr(node, "lineno", 0)
        site_node = node
        if not site.apply(site_node):
            continue
        ast.fix_missing_locations(tree)
        try:
            mutated = ast.unparse(tree)
            compile_source(mutated, "<mutant>")
        except (SyntaxError, ValueError):
            continue
        if mutated == baseline or mutated in seen:
            continue
        seen.add(mutated)
        diff_lines = [
            d
            for d in difflib.unified_diff(
                baseline.splitlines(), mutated.splitlines(), "reference", "mutant", n=0, lineterm=""
            )
            if not d.startswith(("---", "+++", "@@"))
        ]
        before = " / ".join(d[1:].strip() for d in diff_lines if d.startswith("-"))
        after = " / ".join(d[1:].strip() for d in diff_lines if d.startswith("+"))
        result.append(
            Mutant(
                index=number,
                operator=site.operator,
                line=line,
                key=f"{site.operator}: {before} => {after}",
                diff="\n".join(diff_lines),
                source=mutated + "\n",
            )
        )
    return result


def sample(items: list[Mutant], limit: int | None) -> list[Mutant]:
    """An evenly spread, deterministic subset (all of them when limit is None)."""
    if limit is None or len(items) <= limit:
        return list(items)
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


@dataclass(frozen=True)
class Equivalent:
    """A reviewed mutant that no test can tell apart from the reference."""

    key: str
    why: str


def load_equivalents(path: Path) -> tuple[Equivalent, ...]:
    """Read an exercise's equivalent_mutants.toml (absent: none)."""
    if not path.is_file():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        entries = tuple(
            Equivalent(key=e["mutant"], why=e["why"]) for e in data.get("equivalent", [])
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise KitError(f"{path}: {exc}") from None
    for entry in entries:
        if not entry.why.strip():
            raise KitError(f"{path}: mutant {entry.key!r} needs a reason in `why`")
    return entries
