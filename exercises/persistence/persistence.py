"""Saving and loading models.

Fill in every function below. Read prompt.md for the full contract.
"""

from __future__ import annotations

from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Any


class ModelIntegrityError(Exception):
    """A saved model has no usable sidecar or does not match its checksum."""


def save_model(
    model: Any,
    directory: str | PathLike[str],
    *,
    metadata: dict | None = None,
    now: datetime | None = None,
) -> Path:
    """Save ``model`` with joblib next to a JSON sidecar and return the .joblib path.

    Writes ``model_<YYYYmmdd_HHMMSS>.joblib`` (UTC time of ``now``; ``None``
    means the current UTC time, a naive datetime is taken to be UTC) and
    ``model_<YYYYmmdd_HHMMSS>.json`` holding ``sha256``, ``created_at``,
    ``sklearn_version`` and ``metadata``. An existing name gets ``_1``,
    ``_2``, ... appended; nothing is ever overwritten. The write is atomic:
    when pickling fails, the error propagates and no file is left behind.

    Raises:
        ValueError: ``metadata`` is not a JSON-serialisable dict.
    """
    raise NotImplementedError


def load_model(path: str | PathLike[str], *, verify: bool = True) -> Any:
    """Load a model saved by ``save_model``.

    With ``verify`` the sidecar must exist, be readable and its ``sha256``
    must match the file, otherwise ``ModelIntegrityError`` is raised before
    the file is unpickled. A missing model file raises ``FileNotFoundError``.
    """
    raise NotImplementedError


def latest_model(directory: str | PathLike[str]) -> Path | None:
    """Return the newest ``model_<YYYYmmdd_HHMMSS>[_<n>].joblib`` in ``directory``.

    Newest by the timestamp in the name, then by the numeric suffix (no
    suffix counts as 0); file modification times are ignored. ``None`` when
    there is no such file or the directory does not exist.
    """
    raise NotImplementedError
