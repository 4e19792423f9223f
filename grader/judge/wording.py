"""How a failure reads: the suite's own message without pytest's restatement, and a
missing exception named with the call that did not raise it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

# pytest's assertion rewriting appends "assert <expression>" and "+ where ..." lines to
# the suite's message; its diff help mentions options the candidate cannot pass.
_RESTATEMENT = re.compile(r"\nassert .*", re.DOTALL)
_NOISE_LINES = re.compile(r"^\s*Use -v to get (?:more|the full) diff\s*$\n?", re.MULTILINE)
_FUNCTION_REPR = re.compile(r"<(?:function|built-in function) (\w+) at 0x[0-9a-f…]+>")
# pytest writes each "+ where" value on one line, an ndarray's line breaks as the two
# characters backslash-n; inside an array's repr they are line breaks, nothing else.
_ARRAY_REPR = re.compile(r"\b(?:array|memmap)\(")
# numpy indents every continuation line (after blank lines between blocks of a 3-D array)
_CONTINUATION = re.compile(r"\\n(?=(?:\\n)* )")
_SHOWN = 80


def readable(message: str, *, has_own_message: bool) -> str:
    """The message of a failed assertion, as the candidate should read it."""
    if has_own_message:
        message = _RESTATEMENT.sub("", message)
    message = _NOISE_LINES.sub("", message)
    message = _arrays_on_lines(message)
    return _FUNCTION_REPR.sub(r"\1", message).rstrip()


def _arrays_on_lines(message: str) -> str:
    """Every array repr pytest flattened onto one line, back on its own lines."""
    parts, done = [], 0
    for found in _ARRAY_REPR.finditer(message):
        if found.start() < done:
            continue  # inside an array already put back on its lines
        depth, end = 0, found.end() - 1
        while end < len(message) and message[end] != "\n":
            depth += {"(": 1, ")": -1}.get(message[end], 0)
            if depth == 0:
                break
            end += 1
        parts += [
            message[done : found.start()],
            _CONTINUATION.sub("\n", message[found.start() : end + 1]),
        ]
        done = end + 1
    return "".join([*parts, message[done:]])


def shown(value: Any) -> str:
    """A short, safe text for a value the judge passed: never calls the candidate's code."""
    kind = type(value)
    if value is None or kind in (bool, int, float, complex, str, bytes):
        text = repr(value)
    elif kind in (list, tuple, set, frozenset, dict) and len(value) <= 20:
        inner = (
            [f"{shown(k)}: {shown(v)}" for k, v in value.items()]
            if kind is dict
            else [shown(v) for v in value]
        )
        opening, closing = {list: "[]", tuple: "()", dict: "{}"}.get(kind, "{}")
        if kind is tuple and len(inner) == 1:
            inner[0] += ","
        text = f"{opening}{', '.join(inner)}{closing}" if inner or kind is not set else "set()"
    elif kind is np.ndarray:
        text = (
            np.array2string(value, separator=", ", threshold=12).replace("\n", "")
            if value.size <= 12
            else f"array of shape {value.shape} ({value.dtype})"
        )
    else:
        text = f"<{kind.__name__}>"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def call_text(target_label: str, positional: list[Any], keywords: dict[str, Any]) -> str:
    """`name(arg, key=value)` for a call into the candidate's code."""
    parts = [shown(v) for v in positional] + [f"{k}={shown(v)}" for k, v in keywords.items()]
    return f"{target_label}({', '.join(parts)})"


def did_not_raise(message: str, last_call: str) -> str:
    """pytest's "DID NOT RAISE <class 'ValueError'>" as which call should have raised what."""
    found = re.search(r"DID NOT RAISE (?:<class '(?:[\w.]*\.)?(\w+)'>|(\w+))", message)
    if found is None:
        return message
    expected = found.group(1) or found.group(2)
    if not last_call:
        return f"expected {expected}, but the call returned normally"
    return f"{last_call}: expected {expected}, but it returned normally"
