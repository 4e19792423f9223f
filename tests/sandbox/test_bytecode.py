"""mlgrade's own bytecode is written before the fork servers start, where Python may write
any: servers that never write bytecode then load it instead of compiling at every start."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import grader

# Prints what compile_own_modules() answered, and how many of mlgrade's modules it compiled.
COMPILE = """
import sys
compiled = []
sys.addaudithook(lambda event, args: compiled.append(args) if event == "compile" else None)
from grader.sandbox.bytecode import compile_own_modules
before = len(compiled)
print(compile_own_modules(), len(compiled) - before)
"""


def _package_copy(tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(
        Path(grader.__file__).parent, root / "grader", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root


def _compile(root: Path, *, allowed: bool, user: list[str] = ()) -> list[str]:
    """What compile_own_modules() answered in a fresh interpreter (as `user`, if given),
    and how many modules it compiled."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(root)
    if not allowed:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [*user, sys.executable, "-c", COMPILE], env=env, check=True, cwd=root, capture_output=True
    )
    return done.stdout.decode().split()


def _compiled(root: Path) -> dict[str, bool]:
    return {
        str(source.relative_to(root)): Path(importlib.util.cache_from_source(str(source))).exists()
        for source in sorted((root / "grader").rglob("*.py"))
    }


def test_every_module_is_compiled_where_bytecode_may_be_written(tmp_path):
    root = _package_copy(tmp_path)
    _compile(root, allowed=True)
    compiled = _compiled(root)
    assert "grader/judge/process.py" in compiled and "grader/candidate/jail.py" in compiled
    assert all(compiled.values()), [name for name, done in compiled.items() if not done]


def test_a_changed_module_is_compiled_again(tmp_path):
    root = _package_copy(tmp_path)
    _compile(root, allowed=True)
    source = root / "grader" / "link" / "wire.py"
    cached = Path(importlib.util.cache_from_source(str(source)))
    before = cached.read_bytes()
    source.write_text(source.read_text() + "\nCHANGED = 1\n")
    os.utime(source, (source.stat().st_atime, source.stat().st_mtime + 5))
    _compile(root, allowed=True)
    assert cached.read_bytes() != before


def test_nothing_is_written_where_python_may_not_write_bytecode(tmp_path):
    root = _package_copy(tmp_path)
    _compile(root, allowed=False)
    assert not any(_compiled(root).values())
    assert not list(root.rglob("__pycache__"))


def test_nothing_is_compiled_where_nothing_could_be_written(tmp_path):
    """A read-only installation: compiling would be repeated at every start for nothing."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to become an ordinary user")
    root = _package_copy(tmp_path)
    tmp_path.chmod(0o755)
    user = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    # It keeps the right to read everywhere, to reach an interpreter under root's home.
    user += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    assert _compile(root, allowed=True, user=user) == ["False", "0"]
    assert not list(root.rglob("__pycache__"))
    for folder in [root, *root.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o777)
    answer, count = _compile(root, allowed=True, user=user)
    assert answer == "True" and int(count) > 50
    assert all(_compiled(root).values())
