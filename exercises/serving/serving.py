"""A prediction endpoint for a fitted classifier, with the standard library only.

Fill in the two functions below; read prompt.md for the full contract. Do not
import Flask, FastAPI or any other web framework: the HTTP layer is plain WSGI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

MAX_BODY_BYTES = 1024 * 1024
"""Largest request body ``create_app`` accepts (1 MiB = 1,048,576 bytes)."""


def predict_handler(model: Any, payload: Any, *, n_features: int) -> tuple[int, dict[str, Any]]:
    """Validate ``payload`` and run ``model`` on it; never raises.

    ``payload`` is ``{"features": [x1, ..., xn]}`` (one row) or
    ``{"features": [[...], ...]}`` (a batch of rows), each row holding exactly
    ``n_features`` finite numbers (int or float, never bool).

    Returns:
        ``(200, {"status": "success", "prediction": [...], "probability": [[...], ...]})``
        with one prediction and one probability row per input row, as plain
        Python types; ``(400, {"status": "error", "error": "<message>"})`` for
        an invalid payload (the model is then not called); ``(500, {...same
        error shape...})`` when ``model.predict`` or ``model.predict_proba``
        raises, or when their output cannot be encoded as JSON.
    """
    raise NotImplementedError


def create_app(model: Any, *, n_features: int) -> Callable[..., Iterable[bytes]]:
    """Return a WSGI application ``app(environ, start_response)`` serving ``model``.

    Routes: ``POST /predict`` (JSON body, answered by :func:`predict_handler`)
    and ``GET /health`` (``{"status": "healthy"}``). An unknown path answers
    404, a known path with another method 405 (with an ``Allow`` header), a
    body that is not JSON 400 and a body over ``MAX_BODY_BYTES`` 413. Every
    response is JSON with ``Content-Type: application/json`` and a
    ``Content-Length`` header.

    Raises:
        ValueError: if ``n_features`` is not a positive int.
    """
    raise NotImplementedError
