"""Finding the kit and reading exercise metadata."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.catalogue import KIT_ENV, area_of, find_kit, load_kit
from grader.errors import KitError
from tests.conftest import FIXTURES, ROOT


@given(st.integers(1, 15))
def test_every_seed_question_has_exactly_one_area(number):
    expected = "python" if number <= 5 else "ml" if number <= 10 else "deployment"
    assert area_of(f"Q{number}") == expected


@pytest.mark.parametrize("seed", ["Q0", "Q16"])
def test_seed_outside_the_article_is_a_kit_error(seed):
    with pytest.raises(KitError):
        area_of(seed)


def test_real_kit_has_the_whole_catalogue_in_article_order(real_kit):
    ids = {ex.id for ex in real_kit.exercises}
    assert {
        "streaming",
        "decorators",
        "model_api",
        "pipeline",
        "batching",
        "ensembles",
        "imbalance",
        "validation",
        "metrics",
        "regularization",
        "persistence",
        "serving",
        "dockerfile",
        "monitoring",
    } <= ids
    seeds = [int(ex.seed[1:]) for ex in real_kit.exercises]
    assert seeds == sorted(seeds)
    assert real_kit.get("metrics").forbidden_imports == ("sklearn",)
    assert real_kit.get("dockerfile").module is None


def test_broken_metadata_names_the_file(tmp_path):
    shutil.copytree(FIXTURES / "kit", tmp_path / "kit")
    meta = tmp_path / "kit" / "adder" / "exercise.toml"
    meta.write_text("id = 'adder'\ntitle = \n")
    with pytest.raises(KitError, match="exercise.toml"):
        load_kit(tmp_path / "kit")
    meta.write_text('id = "other"\ntitle = "t"\nseed = "Q1"\npoints = 1\nartifact = "adder.py"\n')
    with pytest.raises(KitError, match="differs from the folder name"):
        load_kit(tmp_path / "kit")


def test_unknown_exercise_lists_the_known_ones(engine_kit):
    with pytest.raises(KitError, match=r"unknown exercise 'x' \(known: adder\)"):
        engine_kit.get("x")


def test_kit_is_found_from_flag_then_environment_then_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv(KIT_ENV, str(FIXTURES / "kit"))
    assert find_kit().root == FIXTURES / "kit"
    assert find_kit(ROOT / "exercises").root == ROOT / "exercises"
    monkeypatch.delenv(KIT_ENV)
    assert find_kit(need_hidden=True).root == ROOT / "exercises"
    monkeypatch.setenv(KIT_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(KitError, match="not found"):
        find_kit()


def test_suite_imports_are_the_module_level_absolute_imports(tmp_path):
    kit_root = tmp_path / "kit"
    shutil.copytree(FIXTURES / "kit" / "adder", kit_root / "adder")
    (kit_root / "adder" / "hidden" / "test_adder.py").write_text(
        "from __future__ import annotations\n"
        "import math, json as js\n"
        "import adder as sub\n"
        "from sklearn.metrics import f1_score\n"
        "from . import local\n"
        "import math\n"
        "def test_x():\n"
        "    import scipy.stats\n",
        encoding="utf-8",
    )
    exercise = load_kit(kit_root).get("adder")
    assert exercise.suite_imports("hidden") == (
        "__future__",
        "math",
        "json",
        "adder",
        "sklearn.metrics",
    )


def test_a_suite_that_does_not_parse_has_no_imports_to_preload(tmp_path):
    kit_root = tmp_path / "kit"
    shutil.copytree(FIXTURES / "kit" / "adder", kit_root / "adder")
    (kit_root / "adder" / "hidden" / "test_adder.py").write_text("import (\n", encoding="utf-8")
    assert load_kit(kit_root).get("adder").suite_imports("hidden") == ()
