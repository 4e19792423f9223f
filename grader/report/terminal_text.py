"""Text a candidate controls, made safe to show: on the terminal (columns that line up
whatever the script too), and in the HTML pages and the gradebook."""

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
# The bidirectional marks, overrides and isolates: they reorder what is shown.
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Every other control character, and the bidirectional ones.
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")


# What HTML may not hold as text (C0 controls but tab, line feed, form feed and carriage
# return; DEL; C1) and the bidirectional controls, which would reorder a name or a
# message so that it reads as another (a folder named to show as another candidate's).
_HIDDEN = re.compile(f"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f{_BIDI}]")


def controls_shown(text: str) -> str:
    """`text` with every control character HTML or a spreadsheet would hide or act on
    written as its escape (`\\x1b`, `\\u202e`); lines and tabs are kept."""
    return _HIDDEN.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
