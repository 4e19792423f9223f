"""Text for the terminal: what a candidate controls made safe to print, and columns that
line up whatever the script."""

from __future__ import annotations

import re
import unicodedata

# ESC-introduced sequences: CSI (colours, cursor moves, screen clears), OSC (titles,
# hyperlinks) ended by BEL or ST, and the two-byte forms; C1 CSI/OSC introducers too.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# Every other control character, and the bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """One line of candidate-controlled text with every escape sequence removed and every
    control character (newlines, carriage returns, tabs included) shown as a space."""
    return _CONTROLS.sub(" ", _ESCAPES.sub("", str(text)))


def terminal_safe_lines(text: str) -> list[str]:
    """Candidate-controlled text split into lines, each made safe by terminal_safe."""
    return [terminal_safe(line) for line in str(text).splitlines()]


def columns(text: str) -> int:
    """Terminal columns `text` takes: wide (East Asian) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def padded(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded with spaces to `width` terminal columns."""
    room = " " * max(0, width - columns(text))
    return room + text if right else text + room
