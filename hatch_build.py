"""Wheel build hook: ship templates and the public half of the exercise kit."""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PUBLIC_FILES = ("exercise.toml", "prompt.md", "test_public.py")


class CustomBuildHook(BuildHookInterface):
    """Adds grader/templates and grader/kit/<id>/ (no hidden suites) to the wheel; the
    message catalogues are in the package already (grader/locales)."""

    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return  # an editable install reads templates/ and exercises/ in place
        root = Path(self.root)
        include = build_data.setdefault("force_include", {})
        for template in sorted((root / "templates").glob("*")):
            include[str(template)] = f"grader/templates/{template.name}"
        for meta in sorted((root / "exercises").glob("*/exercise.toml")):
            folder = meta.parent
            artifact = _artifact(meta)
            # The prompt in every language: `mlgrade start --lang ko` reads the installed kit.
            translations = sorted(p.name for p in folder.glob("prompt.*.md"))
            for name in (*PUBLIC_FILES, *translations, artifact):
                path = folder / name
                if path.is_file():
                    include[str(path)] = f"grader/kit/{folder.name}/{name}"


def _artifact(meta: Path) -> str:
    import tomllib

    return tomllib.loads(meta.read_text(encoding="utf-8"))["artifact"]
