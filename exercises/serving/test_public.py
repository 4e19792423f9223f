"""Example tests for the serving exercise. The hidden suite checks much more."""

import io
import json

import numpy as np
import serving


class ThresholdModel:
    """A tiny classifier: label 1 when the features sum to more than 0."""

    def predict(self, X):
        return (np.asarray(X).sum(axis=1) > 0).astype(int)

    def predict_proba(self, X):
        p = (np.asarray(X).sum(axis=1) > 0).astype(float)
        return np.column_stack([1 - p, p])


def call(app, method, path, body=b""):
    """Call a WSGI app without a server; return (status line, lower-case headers, decoded body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        seen["headers"] = {name.lower(): value for name, value in headers}

    data = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], json.loads(data)


def test_single_prediction():
    status, body = serving.predict_handler(ThresholdModel(), {"features": [1, 2, 3]}, n_features=3)
    assert status == 200
    assert body == {"status": "success", "prediction": [1], "probability": [[0.0, 1.0]]}


def test_batch_prediction():
    payload = {"features": [[1, 2, 3], [-1, -2, -3]]}
    status, body = serving.predict_handler(ThresholdModel(), payload, n_features=3)
    assert status == 200
    assert body["prediction"] == [1, 0]
    assert body["probability"] == [[0.0, 1.0], [1.0, 0.0]]


def test_wrong_length_is_a_client_error():
    status, body = serving.predict_handler(ThresholdModel(), {"features": [1, 2]}, n_features=3)
    assert status == 400
    assert body["status"] == "error" and isinstance(body["error"], str)


def test_health_endpoint():
    app = serving.create_app(ThresholdModel(), n_features=3)
    status, headers, body = call(app, "GET", "/health")
    assert status.startswith("200")
    assert headers["content-type"] == "application/json"
    assert body == {"status": "healthy"}


def test_predict_endpoint():
    app = serving.create_app(ThresholdModel(), n_features=3)
    status, _, body = call(app, "POST", "/predict", b'{"features": [0.5, 0.5, 0.5]}')
    assert status.startswith("200")
    assert body["prediction"] == [1]
