"""Alternative correct answer: in-memory pickling, glob + strptime parsing, sorted()."""

import hashlib
import io
import itertools
import json
import os
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import joblib
import sklearn


class ModelIntegrityError(Exception):
    pass


def _utc(now):
    if now is None:
        return datetime.fromtimestamp(time.time(), tz=timezone.utc)
    if now.utcoffset() is None:
        return now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc)


def _publish(directory, data, final_name):
    with tempfile.NamedTemporaryFile(dir=directory, prefix="~", suffix=".tmp", delete=False) as fh:
        fh.write(data)
    os.replace(fh.name, os.path.join(directory, final_name))


def save_model(model, directory, *, metadata=None, now=None):
    meta = {} if metadata is None else metadata
    if type(meta) is not dict:
        raise ValueError("metadata must be a dict")
    try:
        json.dumps(meta)
    except TypeError as exc:
        raise ValueError(f"metadata cannot be stored as JSON: {exc}") from None

    stamp = _utc(now)
    os.makedirs(directory, exist_ok=True)

    buffer = io.BytesIO()
    joblib.dump(model, buffer)  # fails before anything touches the disk
    payload = buffer.getvalue()

    head = "model_" + stamp.strftime("%Y%m%d_%H%M%S")
    existing = set(os.listdir(directory))
    for i in itertools.count():
        stem = head if i == 0 else f"{head}_{i}"
        if stem + ".joblib" not in existing and stem + ".json" not in existing:
            break

    sidecar = json.dumps(
        {
            "sha256": hashlib.sha256(payload).hexdigest(),
            "created_at": stamp.isoformat(),
            "sklearn_version": sklearn.__version__,
            "metadata": meta,
        }
    ).encode()
    _publish(directory, sidecar, stem + ".json")
    _publish(directory, payload, stem + ".joblib")
    return Path(directory) / (stem + ".joblib")


def load_model(path, *, verify=True):
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(str(path))
    if verify:
        side = path.parent / (path.stem + ".json")
        if not side.exists():
            raise ModelIntegrityError(f"{side.name} not found")
        try:
            with open(side) as fh:
                recorded = json.load(fh)["sha256"]
        except Exception as exc:
            raise ModelIntegrityError(f"cannot read {side.name}") from exc
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(65536):
                h.update(chunk)
        if h.hexdigest() != recorded:
            raise ModelIntegrityError("checksum mismatch")
    return joblib.load(path)


def _key(name):
    if not (name.startswith("model_") and name.endswith(".joblib")):
        return None
    parts = name[len("model_") : -len(".joblib")].split("_")
    if len(parts) not in (2, 3) or len(parts[0]) != 8 or len(parts[1]) != 6:
        return None
    if not all(p.isdigit() and p.isascii() for p in parts):
        return None
    try:
        when = datetime.strptime(parts[0] + parts[1], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return when, int(parts[2]) if len(parts) == 3 else 0


def latest_model(directory):
    folder = Path(directory)
    if not folder.exists():
        return None
    ranked = sorted(
        (k, p.name) for p in folder.glob("model_*.joblib") if (k := _key(p.name)) is not None
    )
    return folder / ranked[-1][1] if ranked else None
