"""Find the exercise kit and read each exercise's metadata.

A kit is a folder of exercise folders (see exercises/README.md). The full kit
with hidden suites lives in the repository; the wheel carries only the public
parts, so a candidate's install can start a workspace but never grade.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import KitError
from grader.imported_modules import module_imports
from grader.locales import SOURCE_LANGUAGE, Translation, messages

KIT_ENV = "MLGRADE_KIT"

AREAS = {area: messages()(f"area.{area}") for area in ("python", "ml", "deployment")}
# The first line of a translated prompt: which English prompt it translates.
TRANSLATION_NOTE = re.compile(r"<!-- translation of prompt\.md, sha256 [0-9a-f]{64} -->")


def area_of(seed: str) -> str:
    """The skill area of a seed question such as "Q9"."""
    number = int(seed.lstrip("Qq"))
    if 1 <= number <= 5:
        return "python"
    if 6 <= number <= 10:
        return "ml"
    if 11 <= number <= 15:
        return "deployment"
    raise KitError(f"seed question {seed!r} is outside Q1-Q15")


@dataclass(frozen=True)
class Limits:
    """Resource limits for grading one exercise."""

    exercise_seconds: float = 60.0
    test_seconds: float = 15.0
    memory_mb: int = 1024


@dataclass(frozen=True)
class Exercise:
    """One exercise folder and its metadata."""

    id: str
    title: str
    seed: str
    difficulty: str
    topics: tuple[str, ...]
    points: int
    artifact: str
    forbidden_imports: tuple[str, ...]
    limits: Limits
    folder: Path

    @property
    def area(self) -> str:
        return area_of(self.seed)

    @property
    def module(self) -> str | None:
        """The importable module name, or None for a text artifact."""
        return self.artifact[:-3] if self.artifact.endswith(".py") else None

    @property
    def prompt_path(self) -> Path:
        return self.folder / "prompt.md"

    def prompt_path_in(self, language: str) -> Path:
        """The prompt in `language` (`prompt.<language>.md`), else the English one."""
        translated = self.folder / f"prompt.{language}.md"
        return (
            translated if language != SOURCE_LANGUAGE and translated.is_file() else self.prompt_path
        )

    def prompt_in(self, language: str) -> str:
        """The prompt's text in `language`, without the note of what it translates."""
        text = self.prompt_path_in(language).read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        return rest.lstrip("\n") if TRANSLATION_NOTE.fullmatch(first.strip()) else text

    def title_in(self, language: str) -> str:
        """The title in `language`: the first heading of its prompt, else the English title."""
        if language == SOURCE_LANGUAGE:
            return self.title
        try:
            text = self.prompt_in(language)
        except OSError:
            return self.title
        heading = re.search(r"^# (.+)$", text, re.MULTILINE)
        return heading.group(1).strip() if heading else self.title

    def descriptions_in(self, language: str) -> dict[str, Translation]:
        """Hidden tests' one-line descriptions in `language` with the English each
        translates, by test name (empty when there are none)."""
        path = self.hidden_dir / f"descriptions.{language}.toml"
        if language == SOURCE_LANGUAGE or not path.is_file():
            return {}
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            return {}
        return {
            name: Translation(str(entry["en"]), str(entry[language]))
            for name, entry in table.items()
            if isinstance(entry, dict) and "en" in entry and language in entry
        }

    @property
    def stub_path(self) -> Path:
        return self.folder / self.artifact

    @property
    def public_tests(self) -> Path:
        return self.folder / "test_public.py"

    @property
    def hidden_dir(self) -> Path:
        return self.folder / "hidden"

    @property
    def has_hidden(self) -> bool:
        return self.hidden_dir.is_dir() and any(self.hidden_dir.glob("test_*.py"))

    def suite_dir(self, suite: str) -> Path:
        """Folder (hidden) or file (public) holding a suite."""
        return self.hidden_dir if suite == "hidden" else self.public_tests

    def suite_files(self, suite: str) -> list[Path]:
        """The test files of a suite, in a stable order."""
        if suite == "hidden":
            return sorted(self.hidden_dir.glob("test_*.py"))
        return [self.public_tests]

    def suite_imports(self, suite: str) -> tuple[str, ...]:
        """Modules a suite's files import at module level, in first-seen order."""
        return module_imports(self.suite_files(suite))

    def packages_used(self) -> frozenset[str]:
        """Top-level packages the stub and both suites import: the libraries this exercise
        is about, which its answers most likely import too."""
        stub = [self.stub_path] if self.stub_path.suffix == ".py" else []
        files = [*stub, self.public_tests, *self.suite_files("hidden")]
        return frozenset(name.partition(".")[0] for name in module_imports(files))

    def suite_sha256(self, suite: str) -> str:
        """Digest of a suite's files, so a grade names exactly what graded it."""
        digest = hashlib.sha256()
        for path in self.suite_files(suite):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()


@dataclass(frozen=True)
class Kit:
    """A folder of exercises."""

    root: Path
    exercises: tuple[Exercise, ...]

    @property
    def has_hidden(self) -> bool:
        return any(ex.has_hidden for ex in self.exercises)

    def get(self, exercise_id: str) -> Exercise:
        """An exercise by id; KitError naming the known ids otherwise."""
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        known = ", ".join(ex.id for ex in self.exercises)
        raise KitError(key="errors.unknown_exercise", id=repr(exercise_id), known=known)

    def select(self, ids: list[str] | tuple[str, ...] | None) -> list[Exercise]:
        """The named exercises in kit order, or all of them."""
        if not ids:
            return list(self.exercises)
        wanted = {self.get(i).id for i in ids}
        return [ex for ex in self.exercises if ex.id in wanted]


def load_exercise(folder: Path) -> Exercise:
    """Read one exercise folder."""
    meta_path = folder / "exercise.toml"
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KitError(f"{meta_path}: {exc}") from None
    try:
        limits = Limits(**meta.get("limits", {}))
        exercise = Exercise(
            id=meta["id"],
            title=meta["title"],
            seed=meta["seed"],
            difficulty=meta.get("difficulty", "medium"),
            topics=tuple(meta.get("topics", ())),
            points=int(meta["points"]),
            artifact=meta["artifact"],
            forbidden_imports=tuple(meta.get("forbidden_imports", ())),
            limits=limits,
            folder=folder,
        )
    except (KeyError, TypeError) as exc:
        raise KitError(f"{meta_path}: missing or invalid field {exc}") from None
    if exercise.id != folder.name:
        raise KitError(f"{meta_path}: id {exercise.id!r} differs from the folder name")
    area_of(exercise.seed)
    return exercise


def load_kit(root: Path) -> Kit:
    """Read every exercise folder under `root`, ordered by seed question."""
    if not root.is_dir():
        raise KitError(f"exercise kit not found: {root}")
    folders = [p.parent for p in root.glob("*/exercise.toml")]
    if not folders:
        raise KitError(f"no exercises in {root} (expected <id>/exercise.toml)")
    exercises = sorted(
        (load_exercise(f) for f in folders), key=lambda e: (int(e.seed.lstrip("Qq")), e.id)
    )
    return Kit(root=root, exercises=tuple(exercises))


def bundled_kit_root() -> Path:
    """The public kit inside the installed package (no hidden suites)."""
    return Path(__file__).parent / "kit"


def kit_apart_from(kit: Kit, graded: Path, explicit: Path | None = None) -> None:
    """A KitError when a kit found on its own (./exercises) lies inside the folder being
    graded: a candidate's folder named `exercises` would then grade everyone. A kit named
    with --kit or $MLGRADE_KIT is the interviewer's choice."""
    if explicit is not None or os.environ.get(KIT_ENV) or not graded.is_dir():
        return
    if kit.root.resolve().is_relative_to(graded.resolve()):
        raise KitError(
            f"the kit found at {kit.root} is inside {graded}, the folder being graded: "
            "a submission there could be grading the others; pass --kit"
        )


def find_kit(explicit: Path | None = None, *, need_hidden: bool = False) -> Kit:
    """The kit from --kit, $MLGRADE_KIT, ./exercises, or the package's public copy."""
    candidates: list[Path] = []
    if explicit is not None:
        candidates = [explicit]
    elif os.environ.get(KIT_ENV):
        candidates = [Path(os.environ[KIT_ENV])]
    else:
        candidates = [Path.cwd() / "exercises", Path(__file__).parent.parent / "exercises"]
        candidates.append(bundled_kit_root())
    for root in candidates:
        if any(root.glob("*/exercise.toml")):
            kit = load_kit(root)
            if need_hidden and not kit.has_hidden:
                if explicit is not None or os.environ.get(KIT_ENV):
                    raise KitError(f"{root} has no hidden suites: pass the full kit")
                continue
            return kit
        if explicit is not None or os.environ.get(KIT_ENV):
            raise KitError(f"exercise kit not found: {root}")
    if need_hidden:
        raise KitError(
            "no kit with hidden suites found: pass --kit DIR or set MLGRADE_KIT "
            "to the kit's exercises folder"
        )
    raise KitError("no exercise kit found: pass --kit DIR or set MLGRADE_KIT")
