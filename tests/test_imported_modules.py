"""A file's module-level imports: the same answer as a parse, worked out once per content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader import imported_modules
from grader.imported_modules import file_imports, module_imports

names = st.lists(st.sampled_from(["os", "numpy", "sklearn.metrics", "scipy.stats", "json"]))


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch) -> Path:
    """A cache folder of the test's own, and nothing remembered from earlier tests."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(imported_modules, "_known", None)
    return tmp_path / "cache" / "mlgrade" / imported_modules.STORE_NAME


def _counting_parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = imported_modules._parse_imports

    def counting(source: bytes, filename: str) -> tuple[str, ...]:
        parsed.append(filename)
        return real(source, filename)

    monkeypatch.setattr(imported_modules, "_parse_imports", counting)
    return parsed


@given(plain=names, froms=names, nested=names)
def test_only_module_level_absolute_imports_count_in_first_seen_order(plain, froms, nested):
    lines = [f"import {name}" for name in plain]
    lines += [f"from {name} import something" for name in froms]
    lines += ["from . import sibling", "from .relative import thing"]
    lines += ["def later():"] + [f"    import {name}.inside" for name in nested] + ["    pass"]
    expected = list(dict.fromkeys([*plain, *froms]))
    assert list(file_imports("\n".join(lines).encode())) == expected


def test_a_file_is_parsed_once_per_content_even_in_a_new_process(tmp_path, monkeypatch, own_cache):
    parsed = _counting_parses(monkeypatch)
    suite = tmp_path / "test_suite.py"
    suite.write_text("import numpy\nfrom sklearn.metrics import f1_score\n")
    assert module_imports([suite]) == ("numpy", "sklearn.metrics")
    assert module_imports([suite]) == ("numpy", "sklearn.metrics")
    assert len(parsed) == 1
    monkeypatch.setattr(imported_modules, "_known", None)  # what a new command starts with
    assert module_imports([suite]) == ("numpy", "sklearn.metrics")
    assert len(parsed) == 1
    suite.write_text("import numpy\nimport scipy\n")  # an edit is new content
    assert module_imports([suite]) == ("numpy", "scipy")
    assert len(parsed) == 2


def test_the_cache_is_written_once_for_the_files_one_call_parses(tmp_path, monkeypatch):
    writes: list[int] = []
    real = imported_modules._store
    monkeypatch.setattr(imported_modules, "_store", lambda known: (writes.append(1), real(known)))
    files = []
    for number in range(3):
        files.append(tmp_path / f"test_{number}.py")
        files[-1].write_text(f"import module{number}\n")
    assert module_imports(files) == ("module0", "module1", "module2")
    assert module_imports(files) == ("module0", "module1", "module2")
    assert len(writes) == 1


def test_files_that_do_not_read_or_parse_add_nothing(tmp_path):
    broken = tmp_path / "test_broken.py"
    broken.write_text("import os\ndef (:\n")
    good = tmp_path / "test_good.py"
    good.write_text("import json\nimport os\n")
    assert module_imports([tmp_path / "missing.py", broken, good]) == ("json", "os")


def test_a_damaged_or_forged_cache_is_not_believed(tmp_path, monkeypatch, own_cache):
    source = b"import numpy\n"
    own_cache.parent.mkdir(parents=True)
    key = imported_modules._digest(source)
    own_cache.write_text(json.dumps({key: ["numpy; import os", "ok"]}))
    assert file_imports(source) == ("numpy",)
    monkeypatch.setattr(imported_modules, "_known", None)
    own_cache.write_text("{not json")
    assert file_imports(source) == ("numpy",)
    assert json.loads(own_cache.read_text()) == {key: ["numpy"]}


def test_the_cache_keeps_the_newest_entries_only(monkeypatch, own_cache):
    monkeypatch.setattr(imported_modules, "KEPT_ENTRIES", 3)
    sources = [f"import module{number}\n".encode() for number in range(5)]
    for source in sources:
        file_imports(source)
    kept = json.loads(own_cache.read_text())
    assert list(kept) == [imported_modules._digest(s) for s in sources[2:]]


def test_an_unwritable_cache_still_answers(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert file_imports(b"import os\n") == ("os",)
