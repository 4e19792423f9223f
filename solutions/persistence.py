"""Saving and loading models with integrity checks (reference answer)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn

_NAME = re.compile(r"model_(\d{8}_\d{6})(?:_(\d+))?\.joblib")


class ModelIntegrityError(Exception):
    """A saved model has no usable sidecar or does not match its checksum."""


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _temp_file(directory: Path) -> Path:
    """Create an empty temporary file in ``directory`` (never named like a model)."""
    with tempfile.NamedTemporaryFile(
        dir=directory, prefix=".tmp_", suffix=".part", delete=False
    ) as fh:
        return Path(fh.name)


def save_model(model: Any, directory, *, metadata=None, now=None) -> Path:
    """Save ``model`` with joblib next to a JSON sidecar; return the .joblib path.

    The file is ``model_<YYYYmmdd_HHMMSS>.joblib`` (UTC time of ``now``; a naive
    ``now`` is taken to be UTC already), with ``_1``, ``_2``, ... appended when
    that name (the .joblib or the .json) is taken. The sidecar holds
    ``sha256``, ``created_at``, ``sklearn_version`` and ``metadata``. Both files
    are written to temporary files in ``directory`` and renamed into place, so
    a model that cannot be pickled leaves nothing behind.

    Raises:
        ValueError: ``metadata`` is not a dict or is not JSON-serialisable.
    """
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict, got {type(metadata).__name__}")
    try:
        json.dumps(metadata)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"metadata is not JSON-serialisable: {exc}") from exc
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    else:
        now = now.astimezone(UTC)

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    base = f"model_{now:%Y%m%d_%H%M%S}"
    stem, n = base, 0
    while (directory / f"{stem}.joblib").exists() or (directory / f"{stem}.json").exists():
        n += 1
        stem = f"{base}_{n}"
    model_path = directory / f"{stem}.joblib"

    tmp_model = _temp_file(directory)
    tmp_sidecar = _temp_file(directory)
    try:
        joblib.dump(model, tmp_model)
        sidecar = {
            "sha256": _sha256_file(tmp_model),
            "created_at": now.isoformat(),
            "sklearn_version": sklearn.__version__,
            "metadata": metadata,
        }
        tmp_sidecar.write_text(json.dumps(sidecar))
        # Sidecar first: a visible .joblib always has its sidecar next to it.
        os.replace(tmp_sidecar, model_path.with_suffix(".json"))
        os.replace(tmp_model, model_path)
    finally:
        tmp_model.unlink(missing_ok=True)
        tmp_sidecar.unlink(missing_ok=True)
    return model_path


def load_model(path, *, verify: bool = True) -> Any:
    """Load a model saved by :func:`save_model`.

    The file is read once; with ``verify`` (the default) its sha256 must match
    the sidecar's, otherwise ``ModelIntegrityError`` is raised before anything
    is unpickled (also for a missing or unreadable sidecar). A missing model
    file raises ``FileNotFoundError``.
    """
    path = Path(path)
    data = path.read_bytes()
    if verify:
        sidecar_path = path.with_suffix(".json")
        try:
            expected = json.loads(sidecar_path.read_text())["sha256"]
        except FileNotFoundError as exc:
            raise ModelIntegrityError(f"sidecar {sidecar_path} is missing") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelIntegrityError(f"sidecar {sidecar_path} is unreadable: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != expected:
            raise ModelIntegrityError(f"sha256 of {path} does not match its sidecar")
    return joblib.load(io.BytesIO(data))


def latest_model(directory) -> Path | None:
    """Return the newest ``model_<timestamp>[_<n>].joblib`` in ``directory``.

    Ordered by the timestamp in the name, then by the numeric suffix (none
    counts as 0); file times are ignored. Returns ``None`` when there is no
    such file or the directory does not exist.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return None
    found = []
    for entry in directory.iterdir():
        match = _NAME.fullmatch(entry.name)
        if match:
            found.append(((match.group(1), int(match.group(2) or 0)), entry))
    if not found:
        return None
    return max(found, key=lambda item: item[0])[1]
