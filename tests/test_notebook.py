"""Notebook handouts and notebook submissions: tags, untagged matching, magics, locations."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from grader.catalogue import load_kit
from grader.errors import SubmissionError, UsageError
from grader.handout import HANDOUT_NAME, write_handout
from grader.notebook import submission_from_notebook
from grader.results import ReadingNote
from grader.workspace import load_submission

ROOT = Path(__file__).parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
KIT = load_kit(ROOT / "exercises")
HEADLINE = ["metrics", "decorators", "monitoring", "batching"]


def headline():
    """The headline exercises of the kit, in kit order."""
    return KIT.select(HEADLINE)


def answer_cells(notebook) -> dict[str, list[int]]:
    """Exercise id -> indexes of the cells tagged with it."""
    tagged: dict[str, list[int]] = {}
    for index, cell in enumerate(notebook.cells):
        own = cell.metadata.get("mlgrade", {}).get("exercise")
        if own:
            tagged.setdefault(own, []).append(index)
    return tagged


def save(notebook, path: Path) -> Path:
    nbformat.write(notebook, path)
    return path


def text_exercise(tmp_path: Path):
    """An exercise whose artifact is a text file (like the Dockerfile exercise)."""
    folder = tmp_path / "container"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM python:3.12-slim\n# fill me in\n", encoding="utf-8")
    (folder / "prompt.md").write_text("# Containerise the model\n", encoding="utf-8")
    return dataclasses.replace(
        KIT.get("metrics"), id="container", artifact="Dockerfile", folder=folder
    )


def test_handout_validates_and_tags_every_exercise(tmp_path):
    exercises = headline()
    path = write_handout(exercises, tmp_path / "out")
    assert path == tmp_path / "out" / HANDOUT_NAME
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[0].cell_type == "markdown"
    tagged = answer_cells(notebook)
    assert list(tagged) == [ex.id for ex in exercises]
    for ex in exercises:
        [index] = tagged[ex.id]
        cell = notebook.cells[index]
        assert cell.cell_type == "code"
        assert cell.metadata["tags"] == [f"mlgrade:{ex.id}"]
        assert cell.source == ex.stub_path.read_text(encoding="utf-8")
        assert notebook.cells[index - 1].cell_type == "markdown"  # its prompt


def test_handout_puts_text_artifacts_in_a_tagged_raw_cell(tmp_path):
    docker = text_exercise(tmp_path)
    path = write_handout([KIT.get("metrics"), docker], tmp_path / "out")
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    [index] = answer_cells(notebook)["container"]
    assert notebook.cells[index].cell_type == "raw"
    assert notebook.cells[index].metadata["tags"] == ["mlgrade:container"]
    assert notebook.cells[index - 1].source.startswith("# Containerise the model")


def test_handout_never_overwrites(tmp_path):
    path = write_handout(headline(), tmp_path)
    before = path.read_bytes()
    with pytest.raises(UsageError, match=HANDOUT_NAME):
        write_handout(headline(), tmp_path)
    assert path.read_bytes() == before


def test_untouched_handout_reads_back_as_the_stubs(tmp_path):
    exercises = headline()
    submission = submission_from_notebook(write_handout(exercises, tmp_path), exercises)
    for ex in exercises:
        # Byte-identical stubs let the grader call an untouched answer "not attempted".
        assert submission.files[ex.id].read_bytes() == ex.stub_path.read_bytes()
    assert submission.notes == ()


def test_tagged_extraction_uses_each_exercises_tagged_cells(tmp_path):
    exercises = headline()
    notebook = nbformat.read(write_handout(exercises, tmp_path), as_version=4)
    solution = (ROOT / "solutions" / "metrics.py").read_text(encoding="utf-8")
    [index] = answer_cells(notebook)["metrics"]
    notebook.cells[index].source = solution
    # A second cell tagged only through the tags list still belongs to metrics.
    extra = v4.new_code_cell("EXTRA = 1", metadata={"tags": ["mlgrade:metrics"]})
    notebook.cells.insert(index + 1, extra)
    notebook.cells.append(v4.new_markdown_cell("def f1_score(): pass  (prose, not code)"))
    path = save(notebook, tmp_path / "answers.ipynb")

    submission = submission_from_notebook(path, exercises)
    text = submission.files["metrics"].read_text(encoding="utf-8")
    assert text == solution + "\nEXTRA = 1\n"
    assert submission.name == "answers"
    assert submission.source == path
    assert submission.files["metrics"].name == "metrics.py"
    decorators = KIT.get("decorators")
    assert submission.files["decorators"].read_bytes() == decorators.stub_path.read_bytes()
    first, second = submission.origins["metrics"]
    assert (first.cell, first.first_line) == (index + 1, 1)
    assert (second.cell, second.first_line, second.lines) == (index + 2, first.lines + 2, 1)


def test_tagged_text_artifact_is_read_from_its_raw_cell(tmp_path):
    docker = text_exercise(tmp_path)
    exercises = [KIT.get("metrics"), docker]
    notebook = nbformat.read(write_handout(exercises, tmp_path / "out"), as_version=4)
    [index] = answer_cells(notebook)["container"]
    notebook.cells[index].source = 'FROM python:3.12-slim\nRUN pip install x\nCMD ["serve"]'
    path = save(notebook, tmp_path / "answers.ipynb")
    submission = submission_from_notebook(path, exercises)
    assert submission.files["container"].name == "Dockerfile"
    assert submission.files["container"].read_text(encoding="utf-8") == (
        'FROM python:3.12-slim\nRUN pip install x\nCMD ["serve"]\n'
    )


def test_untagged_notebook_is_split_by_the_names_each_stub_defines():
    exercises = KIT.select(["metrics", "decorators"])
    submission = submission_from_notebook(FIXTURES / "untagged_with_magics.ipynb", exercises)
    metrics = submission.files["metrics"].read_text(encoding="utf-8")
    decorators = submission.files["decorators"].read_text(encoding="utf-8")
    # Import-and-definition cells (2 and 8) go to both; each answer cell to its exercise.
    assert [o.cell for o in submission.origins["metrics"]] == [2, 8, 3]
    assert [o.cell for o in submission.origins["decorators"]] == [2, 8, 4, 7]
    assert "def confusion_matrix" in metrics and "def timer" not in metrics
    assert "def timer" in decorators and "def memoize" in decorators
    assert "def f1_score" not in decorators
    # Scratch code that calls things stays out of every module, and says so.
    assert "f1_score([1, 0], [1, 1])" not in metrics + decorators
    assert "cell 6: not part of any exercise's answer, ignored" in map(str, submission.notes)
    for text in (metrics, decorators):
        ast.parse(text)


def test_magics_and_shell_escapes_are_removed_and_reported():
    exercises = KIT.select(["metrics", "decorators"])
    submission = submission_from_notebook(FIXTURES / "untagged_with_magics.ipynb", exercises)
    for note in (
        "cell 2, line 1: removed IPython magic `%matplotlib inline`",
        "cell 2, line 3: removed IPython shell command `!pip install tqdm`",
        "cell 4, line 1: removed IPython shell command `files = !ls`",
        "cell 5, line 1: removed IPython magic `%%bash`",
        "cell 7, line 1: removed IPython magic `%%time`",
    ):
        assert note in map(str, submission.notes)
    for exercise_id, path in submission.files.items():
        text = path.read_text(encoding="utf-8")
        assert "echo not python" not in text  # a %%bash body is not Python
        assert not [line for line in text.splitlines() if line.lstrip().startswith(("%", "!"))]
        # Removed lines are replaced, not deleted, so line numbers still match the cells.
        total = sum(o.lines for o in submission.origins[exercise_id])
        assert len(text.splitlines()) == total + len(submission.origins[exercise_id]) - 1


def test_valid_python_is_never_rewritten(tmp_path):
    source = 'def f1_score(y_true, y_pred):\n    """Share\n% of positives."""\n    return 1.0'
    notebook = v4.new_notebook(cells=[v4.new_code_cell(source)])
    path = save(notebook, tmp_path / "n.ipynb")
    submission = submission_from_notebook(path, KIT.select(["metrics"]))
    assert submission.files["metrics"].read_text(encoding="utf-8") == source + "\n"
    assert submission.notes == ()


def test_future_import_is_moved_to_the_top_when_a_cell_precedes_it(tmp_path):
    notebook = nbformat.read(write_handout(headline(), tmp_path), as_version=4)
    [index] = answer_cells(notebook)["metrics"]
    notebook.cells.insert(index, v4.new_code_cell("import math\n\n\ndef _helper():\n    return 1"))
    path = save(notebook, tmp_path / "answers.ipynb")
    submission = submission_from_notebook(path, headline())
    text = submission.files["metrics"].read_text(encoding="utf-8")
    compile(text, "metrics.py", "exec")  # a __future__ import below other code would not
    assert text.startswith("from __future__ import annotations\n")
    helper, answer = submission.origins["metrics"]
    assert helper.first_line == 2 and answer.cell == index + 2


@pytest.mark.parametrize(
    "content",
    ['{"cells": [{"cell_type": "code"', "[1, 2, 3]", '{"nbformat": 4, "cells": 3}', ""],
)
def test_malformed_notebook_is_a_one_line_submission_error(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SubmissionError) as caught:
        submission_from_notebook(path, headline())
    message = str(caught.value)
    assert message.startswith(f"{path}: not a valid notebook (")
    assert "\n" not in message


def test_malformed_fixture_fails_through_load_submission():
    with pytest.raises(SubmissionError, match="not a valid notebook"):
        load_submission(FIXTURES / "malformed.ipynb", KIT, ["metrics"])


def test_locate_maps_module_lines_to_notebook_cells():
    exercises = KIT.select(["metrics", "decorators"])
    path = FIXTURES / "untagged_with_magics.ipynb"
    submission = submission_from_notebook(path, exercises)
    # metrics.py is cell 2 (lines 1-4), a blank line, cell 8 (6-7), a blank, cell 3 (9-15).
    assert submission.locate("metrics", "metrics.py, line 11") == (
        "untagged_with_magics.ipynb cell 3, line 3"
    )
    assert submission.locate("metrics", "metrics.py:2 in <module>") == (
        "untagged_with_magics.ipynb cell 2, line 2 in <module>"
    )
    text = submission.files["metrics"].read_text(encoding="utf-8").splitlines()
    assert text[10].strip() == "return np.zeros((2, 2), dtype=int)"


def test_stored_outputs_are_ignored():
    exercises = KIT.select(["metrics"])
    submission = submission_from_notebook(FIXTURES / "untagged_with_magics.ipynb", exercises)
    text = submission.files["metrics"].read_text(encoding="utf-8")
    notebook = nbformat.read(FIXTURES / "untagged_with_magics.ipynb", as_version=4)
    assert any(cell.get("outputs") for cell in notebook.cells)
    for banned in ("leaked_from_output", "Requirement already satisfied", "CPU times"):
        assert banned not in text


def test_notebook_submission_grades_like_a_file(tmp_path):
    """One real grading: a handout filled with the reference decorators answer scores 100 %."""
    from grader.grading import grade

    exercises = KIT.select(["decorators", "metrics"])
    notebook = nbformat.read(write_handout(exercises, tmp_path), as_version=4)
    [index] = answer_cells(notebook)["decorators"]
    solution = (ROOT / "solutions" / "decorators.py").read_text(encoding="utf-8")
    notebook.cells[index].source = "%load_ext autoreload\n" + solution
    path = save(notebook, tmp_path / "candidate.ipynb")

    submission = load_submission(path, KIT, ["decorators", "metrics"])
    result = grade(submission, KIT, ["decorators", "metrics"], jobs=2)
    assert result.exercise("decorators").score == result.exercise("decorators").max_score > 0
    assert result.exercise("metrics").status == "not_attempted"
    assert ReadingNote("removed IPython magic `%load_ext autoreload`", cell=index + 1, line=1) in (
        submission.notes
    )
    assert result.notes == submission.notes


INPUTS = ROOT / "tests" / "fixtures" / "submissions" / "inputs"
CORRECT = ROOT / "tests" / "fixtures" / "submissions" / "engine" / "correct" / "adder.py"


def test_notebook_submission_that_is_a_link_is_refused(engine_kit, tmp_path):
    link = tmp_path / "handout.ipynb"
    link.symlink_to(INPUTS / "deep_json.ipynb")
    with pytest.raises(SubmissionError) as caught:
        load_submission(link, engine_kit)
    assert str(caught.value) == f"{link} is a symbolic link: submit the file itself"


def test_json_nested_too_deep_is_cut_and_the_code_still_read(engine_kit):
    submission = load_submission(INPUTS / "deep_json.ipynb", engine_kit)
    assert submission.files["adder"].read_text(encoding="utf-8") == CORRECT.read_text(
        encoding="utf-8"
    )
    assert submission.notes == (
        ReadingNote("values nested deeper than 64 levels in the notebook were ignored"),
    )


def test_a_cell_too_deep_to_parse_is_still_assigned_by_its_tag(engine_kit):
    submission = load_submission(INPUTS / "deep_cell.ipynb", engine_kit)
    text = submission.files["adder"].read_text(encoding="utf-8")
    assert text.startswith(CORRECT.read_text(encoding="utf-8")) and "-" * 6000 in text


@pytest.mark.parametrize(
    "cell",
    [
        "5",
        '{"cell_type": "code", "id": "a", "metadata": {}, "source": 5}',
        '{"cell_type": "code", "id": "a", "metadata": {"tags": 5, "mlgrade": 3}, "source": "x"}',
    ],
)
def test_cells_of_the_wrong_shape_never_crash_the_reader(tmp_path, cell):
    path = tmp_path / "odd.ipynb"
    path.write_text(
        f'{{"cells": [{cell}], "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}}',
        encoding="utf-8",
    )
    try:
        submission_from_notebook(path, headline())
    except SubmissionError as exc:
        assert str(exc).startswith(f"{path}: not a valid notebook (")
