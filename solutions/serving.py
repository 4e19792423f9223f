"""A prediction endpoint for a fitted classifier, with the standard library only.

``predict_handler`` turns a decoded JSON payload into an ``(status, body)``
pair and never raises; ``create_app`` wraps it in a WSGI application with a
``POST /predict`` and a ``GET /health`` route.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import numpy as np

MAX_BODY_BYTES = 1024 * 1024  # largest request body create_app accepts (1 MiB)

_ROUTES = {"/predict": "POST", "/health": "GET"}
_DIGITS = re.compile(r"[0-9]+")


class _BadPayload(Exception):
    """A client error: the message becomes the ``error`` of a 400 response."""


def _error(status: int, message: str) -> tuple[int, dict[str, str]]:
    return status, {"status": "error", "error": message}


def _parse_row(values: Any, n_features: int, where: str) -> list[float]:
    """Validate one row of features and return it as finite floats."""
    if not isinstance(values, list | tuple):
        raise _BadPayload(f"{where} must be a list of numbers, got {type(values).__name__}")
    if len(values) != n_features:
        raise _BadPayload(f"{where} has {len(values)} values, expected {n_features}")
    row = []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _BadPayload(f"{where}[{i}] must be a number, got {type(value).__name__}")
        try:
            number = float(value)
        except OverflowError:
            raise _BadPayload(f"{where}[{i}] is too large for a float") from None
        if not math.isfinite(number):
            raise _BadPayload(f"{where}[{i}] must be finite, got {number}")
        row.append(number)
    return row


def _parse_payload(payload: Any, n_features: int) -> list[list[float]]:
    """Return the rows of a single or batch payload, or raise ``_BadPayload``."""
    if not isinstance(payload, dict):
        raise _BadPayload(f"payload must be a JSON object, got {type(payload).__name__}")
    if "features" not in payload:
        raise _BadPayload('payload has no "features" key')
    features = payload["features"]
    if not isinstance(features, list | tuple):
        raise _BadPayload(f'"features" must be a list, got {type(features).__name__}')
    if not features:
        raise _BadPayload('"features" is empty')
    if isinstance(features[0], list | tuple):  # a batch: every item must be a row
        return [_parse_row(row, n_features, f"features[{i}]") for i, row in enumerate(features)]
    return [_parse_row(features, n_features, "features")]


def predict_handler(model: Any, payload: Any, *, n_features: int) -> tuple[int, dict[str, Any]]:
    """Validate ``payload`` and run ``model`` on it; never raises.

    ``payload`` is ``{"features": [x1, ..., xn]}`` (one row) or
    ``{"features": [[...], ...]}`` (a batch of rows), each row holding exactly
    ``n_features`` finite numbers. Returns ``(200, {"status": "success",
    "prediction": [...], "probability": [[...], ...]})`` with one entry per
    row, ``(400, {"status": "error", "error": ...})`` for an invalid payload
    and ``(500, {...same shape...})`` when the model raises or its output
    cannot be encoded as JSON.
    """
    try:
        rows = _parse_payload(payload, n_features)
    except _BadPayload as exc:
        return _error(400, str(exc))
    try:
        X = np.asarray(rows, dtype=np.float64)
        prediction = np.asarray(model.predict(X)).tolist()
        probability = np.asarray(model.predict_proba(X), dtype=np.float64).tolist()
        body = {"status": "success", "prediction": prediction, "probability": probability}
        json.dumps(body)  # labels that are arbitrary objects cannot be sent back
    except Exception as exc:  # the model is third-party code: report, never crash
        return _error(500, f"model failed to predict ({type(exc).__name__})")
    return 200, body


def _read_json_body(environ: dict[str, Any]) -> tuple[int, Any]:
    """Return ``(0, payload)`` or ``(status, error_message)`` for a bad body."""
    raw_length = (environ.get("CONTENT_LENGTH") or "").strip()
    if not _DIGITS.fullmatch(raw_length):  # missing means an empty body: not JSON either
        return 400, f"missing or invalid Content-Length {raw_length!r}"
    length = int(raw_length)
    if length > MAX_BODY_BYTES:
        return 413, f"request body is larger than {MAX_BODY_BYTES} bytes"
    body = environ["wsgi.input"].read(length)
    try:
        return 0, json.loads(body)
    except (ValueError, RecursionError):
        return 400, "request body is not valid JSON"


def create_app(model: Any, *, n_features: int) -> Callable[..., Iterable[bytes]]:
    """Return a WSGI application serving ``model``.

    Routes: ``POST /predict`` (JSON body, answered by :func:`predict_handler`)
    and ``GET /health`` (``{"status": "healthy"}``). An unknown path gives
    404, a known path with another method 405 (with an ``Allow`` header), a
    body that is not JSON 400 and a body over 1 MiB 413. Every response is
    JSON with ``Content-Type: application/json``.
    """
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 1:
        raise ValueError(f"n_features must be a positive int, got {n_features!r}")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        extra_headers: list[tuple[str, str]] = []
        if path not in _ROUTES:
            status, body = _error(404, f"no such endpoint: {path}")
        elif method != _ROUTES[path]:
            status, body = _error(405, f"{method} is not allowed on {path}")
            extra_headers.append(("Allow", _ROUTES[path]))
        elif path == "/health":
            status, body = 200, {"status": "healthy"}
        else:
            status, payload = _read_json_body(environ)
            if status:
                status, body = _error(status, payload)
            else:
                status, body = predict_handler(model, payload, n_features=n_features)
        data = json.dumps(body).encode("utf-8")
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            *extra_headers,
        ]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]

    return app
