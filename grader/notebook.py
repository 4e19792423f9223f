"""Jupyter notebooks: turn a filled-in notebook into a `Submission` of one module per
exercise without executing anything (`grader.handout` writes the blank one).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grader.catalogue import Exercise
from grader.errors import SubmissionError
from grader.parsing import parse
from grader.results import UNWRITABLE, ReadingNote
from grader.submission import (
    CellOrigin,
    Submission,
    check_answer_size,
    read_file,
    scratch_dir,
    shown_name,
)

if TYPE_CHECKING:
    import nbformat

HANDOUT_NAME = "mlgrade_handout.ipynb"
TAG_PREFIX = "mlgrade:"

# Cell magics whose body is ordinary Python: the body is kept, the magic line dropped.
PYTHON_BODY_MAGICS = {"time", "timeit", "capture", "prun"}
LINE_MAGIC = re.compile(r"^\s*(%|!)|^\s*[A-Za-z_][\w.,\s]*=\s*(%|!)")
# Top-level statements harmless at import time: a cell made only of these is shared.
DEFINITIONS = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AnnAssign,
)
# JSON nested deeper than this is cut before parsing: a notebook's own structure is a few
# levels deep, and json.loads recurses once per level (100,000 levels: RecursionError).
JSON_MAX_DEPTH = 64
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
TOP_LEVEL_NAME = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)
FUTURE_IMPORT = re.compile(r"^from\s+__future__\s+import\b.*$", re.MULTILINE)


@dataclass(frozen=True)
class _Cell:
    """A notebook cell's code after magics are dropped."""

    index: int  # 1-based among all cells
    kind: str
    source: str
    tag: str | None


def _cell_tag(cell: dict) -> str | None:
    metadata = cell.get("metadata") or {}
    own = metadata.get("mlgrade")
    if isinstance(own, dict) and isinstance(own.get("exercise"), str):
        return own["exercise"]
    tags = metadata.get("tags")
    for tag in tags if isinstance(tags, list) else ():
        if isinstance(tag, str) and tag.startswith(TAG_PREFIX):
            return tag[len(TAG_PREFIX) :]
    return None


def _parses(source: str) -> bool:
    try:
        parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def _removed(index: int, number: int, line: str) -> ReadingNote:
    """The note for one IPython line taken out of a cell."""
    text = line.strip()
    # A candidate's text in a one-line note: control characters shown escaped, length capped.
    shown = shown_name(text if len(text) <= 120 else text[:117] + "...")
    what = "shell command" if text.startswith("!") or re.match(r"[^%!]*=\s*!", text) else "magic"
    return ReadingNote(f"removed IPython {what} `{shown}`", cell=index, line=number)


def _drop_magics(index: int, source: str, notes: list[ReadingNote]) -> str | None:
    """The cell's Python with IPython-only lines blanked out (same line count), or None."""
    lines = source.split("\n")
    first = lines[0].strip()
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        notes.append(_removed(index, 1, first))
        if magic not in PYTHON_BODY_MAGICS:
            if len(lines) > 1:
                notes.append(
                    ReadingNote(
                        f"dropped the {len(lines) - 1} line(s) under `{shown_name(first)}`",
                        cell=index,
                    )
                )
            return None
        lines[0] = f"# mlgrade removed: {first}"
    # Valid Python never holds a magic, so only a cell that fails to parse is rewritten;
    # this keeps string lines that happen to start with "%" untouched.
    if _parses("\n".join(lines)):
        return "\n".join(lines)
    for number, line in enumerate(lines, start=1):
        if LINE_MAGIC.match(line) and not line.lstrip().startswith("#"):
            indent = line[: len(line) - len(line.lstrip())]
            notes.append(_removed(index, number, line))
            # Same line count keeps locations exact; `pass` keeps an indented block valid,
            # a comment keeps a following `from __future__` import legal.
            lines[number - 1] = (
                f"{indent}pass  # mlgrade removed an IPython line"
                if indent
                else "# mlgrade removed an IPython line"
            )
    return "\n".join(lines)


def _no_statements(source: str) -> bool:
    """True for a cell left with only comments (say, once its magics are gone)."""
    try:
        return not parse(source).body
    except (SyntaxError, ValueError):
        return False


def _defined_names(source: str) -> set[str]:
    """Top-level def/class names; a regex fallback keeps a cell with a syntax error assignable."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return set(TOP_LEVEL_NAME.findall(source))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def _only_definitions(source: str) -> bool:
    """True when importing the cell runs nothing but imports, defs and call-free constants."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return False
    for node in tree.body:
        # Docstrings, and the `pass` lines that replaced removed magics.
        if isinstance(node, ast.Pass) or (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        ):
            continue
        if not isinstance(node, DEFINITIONS):
            return False
        if isinstance(node, ast.Assign | ast.AnnAssign) and any(
            isinstance(inner, ast.Call | ast.Await) for inner in ast.walk(node)
        ):
            return False
    return True


def _cut_deep_json(text: str, notes: list[ReadingNote]) -> str:
    """The JSON text with every value nested deeper than JSON_MAX_DEPTH replaced by null.

    Only metadata and outputs nest that deep; the cells' sources and tags are kept.
    The scan skips strings whole, so brackets inside them never count.
    """
    depth = 0
    cut_from: int | None = None
    kept: list[str] = []
    done = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == JSON_MAX_DEPTH + 1:
                cut_from = match.start()
        else:
            if depth == JSON_MAX_DEPTH + 1 and cut_from is not None:
                kept += [text[done:cut_from], "null"]
                done, cut_from = match.end(), None
            depth -= 1
    if not kept:
        return text
    notes.append(
        ReadingNote(
            f"values nested deeper than {JSON_MAX_DEPTH} levels in the notebook were ignored"
        )
    )
    return "".join(kept) + text[done:]


def _check_cells(cells: object) -> None:
    """Raise ValueError unless every cell has the shape reading it relies on."""
    if not isinstance(cells, list):
        raise ValueError("'cells' is not a list")
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise ValueError(f"cell {index} is not an object")
        if not isinstance(cell.get("source", ""), str):
            raise ValueError(f"cell {index}: its source is not text")
        if not isinstance(cell.get("metadata") or {}, dict):
            raise ValueError(f"cell {index}: its metadata is not an object")


def _read(path: Path, notes: list[ReadingNote]) -> nbformat.NotebookNode:
    import nbformat

    # Read without following a link; a link is refused, not reported as a bad notebook.
    data = read_file(path)
    try:
        text = _cut_deep_json(data.decode("utf-8"), notes)
        notebook = nbformat.reads(text, as_version=4)
        _check_cells(notebook["cells"])
    except Exception as exc:  # noqa: BLE001 - nbformat raises many types for a bad file
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SubmissionError(f"{path}: not a valid notebook ({detail[:200]})") from None
    return notebook


def _cells(
    notebook: nbformat.NotebookNode, text_ids: set[str], notes: list[ReadingNote]
) -> list[_Cell]:
    cells = []
    for index, cell in enumerate(notebook.cells, start=1):
        kind = cell.get("cell_type")
        source = cell.get("source") or ""
        if isinstance(source, list):
            source = "".join(source)
        tag = _cell_tag(cell)
        if kind == "code" and tag not in text_ids:
            cleaned = _drop_magics(index, source, notes)
            if cleaned is None:
                continue
            source = cleaned
        elif kind not in ("code", "raw") or (kind == "raw" and not tag):
            continue  # markdown and untagged raw cells are prose; outputs are never read
        if source.strip() and not (kind == "code" and _no_statements(source)):
            cells.append(_Cell(index=index, kind=kind, source=source, tag=tag))
    return cells


def _assign(
    cells: list[_Cell], exercises: list[Exercise], notes: list[ReadingNote]
) -> tuple[dict[str, list[_Cell]], list[_Cell]]:
    """Each exercise's own cells, and the shared cells prepended to every Python module."""
    by_id = {ex.id: ex for ex in exercises}
    stub_names = {
        ex.id: _defined_names(ex.stub_path.read_text(encoding="utf-8"))
        for ex in exercises
        if ex.module
    }
    own: dict[str, list[_Cell]] = {ex.id: [] for ex in exercises}
    shared: list[_Cell] = []
    for cell in cells:
        if cell.tag is not None:
            exercise = by_id.get(cell.tag)
            # A raw cell only answers a text artifact; a code cell answers either kind.
            if exercise is not None and (cell.kind == "code" or exercise.module is None):
                own[exercise.id].append(cell)
            continue
        if cell.kind != "code":
            continue
        names = _defined_names(cell.source)
        overlap = {ex_id: len(names & stub) for ex_id, stub in stub_names.items()}
        best = max(overlap, key=lambda ex_id: overlap[ex_id], default=None)
        if best is not None and overlap[best]:
            own[best].append(cell)
        elif _only_definitions(cell.source):
            shared.append(cell)
        else:
            notes.append(ReadingNote("not part of any exercise's answer, ignored", cell=cell.index))
    return own, shared


def _hoist_future(cells: list[_Cell]) -> tuple[str, list[_Cell]]:
    """Move `from __future__` imports to the module's top when a later cell holds one.

    Python only accepts them first; the moved lines become comments so every
    cell keeps its line count.
    """
    if not any(FUTURE_IMPORT.search(cell.source) for cell in cells[1:]):
        return "", cells
    moved: list[str] = []

    def comment_out(match: re.Match[str]) -> str:
        if match.group(0) not in moved:
            moved.append(match.group(0))
        return f"# mlgrade moved to line 1: {match.group(0)}"

    rewritten = [replace(c, source=FUTURE_IMPORT.sub(comment_out, c.source)) for c in cells]
    return "".join(line + "\n" for line in moved), rewritten


def _module(cells: list[_Cell]) -> tuple[str, tuple[CellOrigin, ...]]:
    """Join cells (a blank line between two) and record where each one starts."""
    prefix, cells = _hoist_future(cells)
    parts: list[str] = [prefix]
    origins: list[CellOrigin] = []
    line = 1 + prefix.count("\n")
    for position, cell in enumerate(cells):
        if position:
            parts.append("\n")
            line += 1
        text = cell.source if cell.source.endswith("\n") else cell.source + "\n"
        count = text.count("\n")
        origins.append(CellOrigin(cell=cell.index, first_line=line, lines=count))
        parts.append(text)
        line += count
    return "".join(parts), tuple(origins)


def tagged_exercise_ids(path: Path, exercises: list[Exercise]) -> list[str]:
    """The ids, in kit order, of the exercises a notebook holds an answer for.

    Tagged answer cells decide; a notebook without tags is split by the names its cells define.
    """
    notes: list[ReadingNote] = []
    notebook = _read(path, notes)
    tags = {_cell_tag(cell) for cell in notebook.cells}
    tagged = [ex.id for ex in exercises if ex.id in tags]
    if tagged:
        return tagged
    text_ids = {ex.id for ex in exercises if ex.module is None}
    own, _ = _assign(_cells(notebook, text_ids, notes), exercises, notes)
    return [ex.id for ex in exercises if own[ex.id]]


def submission_from_notebook(path: Path, exercises: list[Exercise]) -> Submission:
    """Read a notebook into one generated module per exercise, never running its code."""
    notes: list[ReadingNote] = []
    notebook = _read(path, notes)
    text_ids = {ex.id for ex in exercises if ex.module is None}
    own, shared = _assign(_cells(notebook, text_ids, notes), exercises, notes)
    root = scratch_dir("mlgrade-notebook-")
    files: dict[str, Path] = {}
    origins: dict[str, tuple[CellOrigin, ...]] = {}
    for ex in exercises:
        if not own[ex.id]:
            continue
        chosen = own[ex.id] if ex.module is None else shared + own[ex.id]
        text, origins[ex.id] = _module(chosen)
        check_answer_size(ex.artifact, len(text.encode("utf-8", UNWRITABLE)))
        target = root / ex.artifact
        target.write_text(text, encoding="utf-8", errors=UNWRITABLE)
        files[ex.id] = target
    return Submission(
        name=path.stem,
        root=root,
        files=files,
        notes=tuple(notes),
        origins=origins,
        source=path,
    )
