"""mlgrade's own modules compiled once, where Python may write bytecode: the fork servers
never write any (so that no kit or submission folder gets a __pycache__), and would
otherwise compile the modules only they import from source at every start."""

from __future__ import annotations

import compileall
import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def compile_own_modules(package: Path = PACKAGE) -> bool:
    """Write the missing or stale bytecode of mlgrade's package, unless this process may
    not (python -B, PYTHONDONTWRITEBYTECODE); whether every module compiled."""
    if sys.dont_write_bytecode:
        return False
    # Where it could not write (a read-only installation), compiling would only be repeated
    # at every start.
    cache = Path(sys.pycache_prefix) if sys.pycache_prefix else package / "__pycache__"
    folder = cache if cache.exists() else cache.parent
    if not os.access(folder, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
        return False
    try:
        return bool(compileall.compile_dir(package, quiet=2, workers=1))
    except OSError:  # a read-only installation: Python would not write there either
        return False
