"""The one-notebook handout: each exercise's prompt, then a tagged answer cell holding its
stub, which `grader.notebook` reads back once the candidate has filled it in.
"""

from __future__ import annotations

from pathlib import Path

from grader.catalogue import Exercise
from grader.errors import UsageError
from grader.locales import SOURCE_LANGUAGE, Messages, messages
from grader.notebook import HANDOUT_NAME, TAG_PREFIX


def _tag_metadata(exercise_id: str) -> dict:
    return {"mlgrade": {"exercise": exercise_id}, "tags": [f"{TAG_PREFIX}{exercise_id}"]}


def _prompt_text(exercise: Exercise, speak: Messages) -> str:
    try:
        prompt = exercise.prompt_in(speak.language).strip()
    except OSError:
        prompt = f"## {exercise.title_in(speak.language)}"
    answer = "handout.answer_code" if exercise.module else "handout.answer_raw"
    return f"{prompt}\n\n{speak(answer, points=exercise.points, artifact=exercise.artifact)}"


def write_handout(
    exercises: list[Exercise], directory: Path, language: str = SOURCE_LANGUAGE
) -> Path:
    """Write `directory/mlgrade_handout.ipynb`, one prompt and one tagged answer cell per
    exercise, the prompts in `language`."""
    # Imported here: nbformat takes a tenth of a second to load, which only the commands
    # that touch a notebook should pay.
    import nbformat
    from nbformat import v4

    path = directory / HANDOUT_NAME
    if path.exists():
        raise UsageError(key="errors.handout_exists", path=path)
    notebook = v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        }
    )
    ids = ", ".join(ex.id for ex in exercises)
    speak = messages(language)
    # Fixed cell ids keep the handout byte-identical between runs.
    cells = [
        v4.new_markdown_cell(
            speak("handout.title", ids=ids, name=HANDOUT_NAME).strip(), id="mlgrade-title"
        )
    ]
    for ex in exercises:
        cells.append(v4.new_markdown_cell(_prompt_text(ex, speak), id=f"prompt-{ex.id}"[:64]))
        stub = ex.stub_path.read_text(encoding="utf-8")
        make = v4.new_code_cell if ex.module else v4.new_raw_cell
        cells.append(make(stub, metadata=_tag_metadata(ex.id), id=f"answer-{ex.id}"[:64]))
    notebook.cells = cells
    nbformat.validate(notebook)
    directory.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        nbformat.write(notebook, handle)
    return path
