"""Where a similar pair's code lives, function by function: which function each line
belongs to, and the side-by-side view of one function shared by two candidates."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from grader.parsing import parse

MODULE_LEVEL = "<module level>"
VIEW_MAX_LINES = 120  # lines shown per side of one function: the page stays small


@dataclass(frozen=True)
class ShownLine:
    """One source line in a side-by-side view, and whether it lies in a matched region."""

    number: int
    text: str
    matched: bool


@dataclass(frozen=True)
class FunctionView:
    """One function (or the module level) as both candidates wrote it, matches marked."""

    name: str
    left: tuple[ShownLine, ...]
    right: tuple[ShownLine, ...]
    left_cut: int = 0  # lines left out past VIEW_MAX_LINES
    right_cut: int = 0


def function_of_lines(source: str) -> dict[int, str]:
    """The qualified name of the innermost function holding each line (absent: module level)."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return {}
    owner: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                    for line in range(first, (child.end_lineno or child.lineno) + 1):
                        owner[line] = name  # inner definitions overwrite, visited later
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return owner


def _span(owner: dict[int, str], name: str, lines: list[str]) -> list[int]:
    if name == MODULE_LEVEL:
        return [n for n in range(1, len(lines) + 1) if n not in owner]
    return sorted(n for n, owned in owner.items() if owned == name)


def _side(
    numbers: list[int], lines: list[str], matched: set[int]
) -> tuple[tuple[ShownLine, ...], int]:
    # Blank lines at the module level carry nothing: keep only those inside a match.
    shown = [
        ShownLine(n, lines[n - 1], n in matched)
        for n in numbers
        if n <= len(lines) and (lines[n - 1].strip() or n in matched)
    ]
    return tuple(shown[:VIEW_MAX_LINES]), max(0, len(shown) - VIEW_MAX_LINES)


def function_views(
    left_text: str,
    right_text: str,
    left_owner: dict[int, str],
    right_owner: dict[int, str],
    regions: Iterable[tuple[int, int, int, int]],
) -> tuple[FunctionView, ...]:
    """One view per function holding matched lines on both sides, regions given as (left
    first, left last, right first, right last) merged per function, in the left's order."""
    left_lines = left_text.split("\n")
    right_lines = right_text.split("\n")
    marked: dict[str, tuple[set[int], set[int]]] = {}
    for left_first, left_last, right_first, right_last in regions:
        on_left: dict[str, set[int]] = {}
        on_right: dict[str, set[int]] = {}
        for n in range(left_first, left_last + 1):
            on_left.setdefault(left_owner.get(n, MODULE_LEVEL), set()).add(n)
        for n in range(right_first, right_last + 1):
            on_right.setdefault(right_owner.get(n, MODULE_LEVEL), set()).add(n)
        # A region running over several functions pairs each with its namesake only.
        for name in on_left.keys() & on_right.keys():
            left_marks, right_marks = marked.setdefault(name, (set(), set()))
            left_marks |= on_left[name]
            right_marks |= on_right[name]
    views = []
    for name, (on_left_marks, on_right_marks) in sorted(
        marked.items(), key=lambda item: min(item[1][0])
    ):
        left, left_cut = _side(_span(left_owner, name, left_lines), left_lines, on_left_marks)
        right, right_cut = _side(_span(right_owner, name, right_lines), right_lines, on_right_marks)
        if any(line.matched and line.text.strip() for line in left):
            views.append(FunctionView(name, left, right, left_cut, right_cut))
    return tuple(views)
