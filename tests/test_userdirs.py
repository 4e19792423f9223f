"""Where mlgrade keeps files between commands."""

from __future__ import annotations

import stat
from pathlib import Path

from grader.userdirs import cache_root, runtime_dir


def test_cache_follows_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "mlgrade"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "mlgrade"


def test_cache_without_any_home_still_has_a_place(monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache_root().name == "mlgrade"


def test_runtime_folder_is_private(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "mlgrade").mkdir(mode=0o777)
    folder = runtime_dir()
    assert folder == tmp_path / "mlgrade"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
