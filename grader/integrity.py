"""Static integrity scan: suspicious constructs in a submission, with file and line.

Findings inform the interviewer; they never change a score by themselves.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from grader.catalogue import Exercise
from grader.parsing import SourceTooDeep, parse
from grader.results import Finding
from grader.workspace import Submission

SUSPICIOUS_MODULES = {
    "ctypes": "loads native code (ctypes)",
    "gc": "inspects the garbage collector",
    "inspect": "introspects frames or source",
    "_pytest": "reaches into pytest internals",
    "pytest": "imports the test framework",
    "hypothesis": "imports the test framework",
    "builtins": "touches builtins",
    "subprocess": "starts processes",
    "multiprocessing": "starts processes",
    "signal": "handles signals",
    "socket": "opens network sockets",
    "importlib": "imports modules dynamically",
    "resource": "changes resource limits",
    "marshal": "loads code objects",
}
SUSPICIOUS_CALLS = {
    "exec": "executes a string as code",
    "eval": "evaluates a string as code",
    "compile": "compiles code at run time",
    "__import__": "imports a module by name at run time",
    "globals": "reads or changes module globals",
}
SUSPICIOUS_ATTRIBUTES = {
    "_getframe": "introspects the call stack",
    "f_back": "walks the call stack",
    "f_globals": "reads another frame's globals",
    "f_locals": "reads another frame's locals",
    "modules": "reads or changes sys.modules",
    "_exit": "exits the process abruptly",
    "kill": "signals processes",
    "fork": "forks the process",
    "system": "runs shell commands",
    "popen": "runs shell commands",
    "walk": "walks the filesystem",
    "settrace": "installs a trace function",
    "setprofile": "installs a profile function",
    "get_referrers": "inspects the garbage collector",
    "get_objects": "inspects the garbage collector",
    "__code__": "rewrites function code",
    "__class__": "changes an object's class",
    "__subclasses__": "walks the class hierarchy",
    "__builtins__": "touches builtins",
}
# Names whose attributes a submission has no business assigning.
PATCHED_OWNERS = {
    "np",
    "numpy",
    "pytest",
    "hypothesis",
    "builtins",
    "math",
    "sys",
    "os",
    "sklearn",
    "scipy",
    "time",
    "random",
    "operator",
    "functools",
    "json",
    "logging",
}
# `exit` / `sys.exit` at module level end the grading run early.
PROCESS_EXITS = {"exit", "quit"}
# Keywords that continue the previous top-level statement rather than start one.
CONTINUATIONS = {"else", "elif", "except", "finally"}


@dataclass(frozen=True)
class _Hit:
    line: int
    rule: str
    message: str


class _Scanner:
    """Checks every node of a tree, walked without recursion (a tree may be very deep)."""

    def __init__(self, forbidden: tuple[str, ...]) -> None:
        self.forbidden = forbidden
        self.hits: list[_Hit] = []

    def scan(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            check = getattr(self, f"visit_{type(node).__name__}", None)
            if check is not None:
                check(node)

    def _module(self, name: str, line: int) -> None:
        top = name.partition(".")[0]
        if top in self.forbidden:
            self.hits.append(_Hit(line, "forbidden-import", f"imports {name}, not allowed here"))
        elif top in SUSPICIOUS_MODULES:
            self.hits.append(
                _Hit(line, "suspicious-import", f"import {name}: {SUSPICIOUS_MODULES[top]}")
            )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            self._module(node.module, node.lineno)
        for alias in node.names:
            if alias.name in SUSPICIOUS_ATTRIBUTES:
                self.hits.append(
                    _Hit(
                        node.lineno,
                        "introspection",
                        f"{alias.name}: {SUSPICIOUS_ATTRIBUTES[alias.name]}",
                    )
                )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in SUSPICIOUS_CALLS:
                self.hits.append(
                    _Hit(node.lineno, "dynamic-code", f"{func.id}(): {SUSPICIOUS_CALLS[func.id]}")
                )
            if func.id in PROCESS_EXITS:
                self.hits.append(
                    _Hit(node.lineno, "process-control", f"{func.id}() ends the process")
                )
        if isinstance(func, ast.Attribute) and func.attr == "exit":
            self.hits.append(_Hit(node.lineno, "process-control", "exit() ends the process"))
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                top = arg.value.partition(".")[0]
                if top in self.forbidden:
                    self.hits.append(
                        _Hit(
                            node.lineno,
                            "forbidden-import",
                            f"names {arg.value!r} in a call: a hidden import?",
                        )
                    )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in SUSPICIOUS_ATTRIBUTES:
            self.hits.append(
                _Hit(
                    node.lineno,
                    "introspection",
                    f".{node.attr}: {SUSPICIOUS_ATTRIBUTES[node.attr]}",
                )
            )

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if not isinstance(target, ast.Attribute):
                continue
            root = target.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in PATCHED_OWNERS:
                try:
                    shown = ast.unparse(target)
                except RecursionError:  # unparse recurses; a long chain still gets named
                    shown = f"{root.id}. ... .{target.attr}"
                self.hits.append(
                    _Hit(node.lineno, "monkeypatch", f"assigns {shown}: patches a library")
                )

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name in {"__eq__", "__ne__"}:
                body = item.body
                if (
                    len(body) == 1
                    and isinstance(body[0], ast.Return)
                    and isinstance(body[0].value, ast.Constant)
                ):
                    self.hits.append(
                        _Hit(
                            item.lineno,
                            "lying-equality",
                            f"{node.name}.{item.name} returns a constant",
                        )
                    )


def _statement_starts(lines: list[str]) -> list[int]:
    """The first line of each top-level statement, found by the tokenizer (it never recurses).

    A decorator and `else`/`elif`/`except`/`finally` clauses stay with their statement,
    so each range parses on its own.
    """
    starts: list[int] = []
    depth = 0
    at_start = True
    joins_next = False
    for tok in tokenize.generate_tokens(iter(lines).__next__):
        if tok.type == tokenize.INDENT:
            depth += 1
        elif tok.type == tokenize.DEDENT:
            depth -= 1
        elif tok.type == tokenize.NEWLINE:
            at_start = True  # dedents, if any, come before the next statement's first token
        elif tok.type not in (tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER):
            if at_start and depth == 0:
                if not starts or not (joins_next or tok.string in CONTINUATIONS):
                    starts.append(tok.start[0])
                joins_next = tok.string == "@"
            at_start = False
    return starts


def _too_deep(first: int, last: int) -> _Hit:
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    return _Hit(first, "too-deep", f"source too deeply nested to scan: {where} not checked")


def _parse_by_statement(source: str) -> tuple[list[ast.Module], list[_Hit]]:
    """Trees of every top-level statement that parses, and a finding for each too-deep one.

    Used when the whole module is too deep for the parser: one deep expression must not
    blind the scan to the rest of the file. Ranges of statements are halved until each
    parses, so a long file costs a few parses per deep statement, not one per statement.
    """
    lines = io.StringIO(source).readlines()
    try:
        starts = _statement_starts(lines)
    except (tokenize.TokenError, SyntaxError):
        return [], [_too_deep(1, len(lines))]
    bounds = [*starts, len(lines) + 1]
    trees: list[ast.Module] = []
    deep: list[_Hit] = []
    pending = [(0, len(starts))]
    while pending:
        first, last = pending.pop()
        if first >= last:
            continue
        line = bounds[first]
        try:
            tree = parse("".join(lines[line - 1 : bounds[last] - 1]))
        except SyntaxError as exc:
            if last - first > 1:
                middle = (first + last) // 2
                pending += [(middle, last), (first, middle)]
            elif isinstance(exc, SourceTooDeep):
                end = bounds[last] - 1
                while end > line and lines[end - 1].strip()[:1] in ("", "#"):
                    end -= 1
                deep.append(_too_deep(line, end))
            continue
        trees.append(ast.increment_lineno(tree, line - 1))
    return trees, deep


def scan_source(source: str, forbidden: tuple[str, ...] = ()) -> list[tuple[int, str, str]]:
    """(line, rule, message) for each suspicious construct in Python source."""
    scanner = _Scanner(forbidden)
    try:
        scanner.scan(parse(source))
    except SourceTooDeep:
        trees, deep = _parse_by_statement(source)
        for tree in trees:
            scanner.scan(tree)
        scanner.hits += deep
    except SyntaxError:
        return []
    seen = set()
    hits = []
    for hit in sorted(scanner.hits, key=lambda h: (h.line, h.rule, h.message)):
        key = (hit.line, hit.rule, hit.message)
        if key not in seen:
            seen.add(key)
            hits.append(key)
    return hits


def scan_submission(submission: Submission, exercises: list[Exercise]) -> Iterator[Finding]:
    """Findings for every Python artifact of a submission, in exercise order."""
    for ex in exercises:
        path = submission.files.get(ex.id)
        if path is None or ex.module is None:
            continue
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line, rule, message in scan_source(source, ex.forbidden_imports):
            yield Finding(
                exercise=ex.id,
                file=ex.artifact,
                line=line,
                rule=rule,
                message=submission.locate(ex.id, message),
            )
