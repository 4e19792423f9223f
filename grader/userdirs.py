"""Where mlgrade keeps files between commands: the user's cache and runtime folders."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_root() -> Path:
    """Tables that are costly to build: `$XDG_CACHE_HOME/mlgrade` or `~/.cache/mlgrade`."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no password entry (some containers)
            base = tempfile.gettempdir()
    return Path(base) / "mlgrade"


def runtime_dir() -> Path:
    """A folder only this user can enter, for the warm server's socket (created on demand)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "mlgrade" if base else cache_root() / "run"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is filtered by the umask, and an existing folder keeps its own.
    folder.chmod(0o700)
    return folder
