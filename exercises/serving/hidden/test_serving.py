"""Hidden suite for the ``serving`` exercise (catalogue section 12, seed Q12).

The oracle for a prediction is the model itself: the expected body is built
from ``model.predict`` / ``model.predict_proba`` on the validated rows. The
WSGI tests call the application directly with a hand-built environ; there are
no sockets.
"""

from __future__ import annotations

import inspect
import io
import json
import math
import re

import numpy as np
import pytest
import serving as sub
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from grader.judge.suite_tools import define

N = 3  # n_features used with the fake model
MIB = 1024 * 1024
JSON_SCALARS = (str, int, float, bool, type(None))
# What a value test compares: plain JSON values, or the numpy scalars a model returns (that
# the body holds plain types only is the type tests' to check, and only theirs). Exact
# types: an object of any other class might claim to equal anything.
VALUE_SCALARS = (*JSON_SCALARS, np.int64, np.int32, np.float64, np.float32, np.str_, np.bool_)
# No "explain" phase: it can take many seconds on a failing example.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)


# --------------------------------------------------------------------------- models


class FakeModel:
    """A deterministic classifier that records every array it is given."""

    def __init__(self):
        self.calls = []

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        self.calls.append(X.copy())
        return np.where(X.sum(axis=1) > 0, "pos", "neg")

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        p = 1.0 / (1.0 + np.exp(-np.clip(X.sum(axis=1), -50, 50)))
        return np.column_stack([1.0 - p, p])


# The value tests' handler call, made in the candidate's process with a FakeModel of its
# own: the handler's calls to the model then stay there instead of each crossing back to
# the judge. What the handler must answer is worked out from the judge's own FakeModel.
_SERVE = f"""
import numpy as np


{inspect.getsource(FakeModel)}

def serve(handler, payload, n_features):
    '''handler(a FakeModel made here, payload, n_features=n_features).'''
    return handler(FakeModel(), payload, n_features=n_features)
"""
serve = define(_SERVE, "serve")


class IntLabelModel(FakeModel):
    """Like FakeModel, but with numpy integer labels 0/1/2 and three classes."""

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        self.calls.append(X.copy())
        return (np.abs(X[:, 0]).astype(np.int64) % 3).astype(np.int64)

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        w = np.exp(-np.abs(X[:, :1] - np.array([[0.0, 1.0, 2.0]])))
        return (w / w.sum(axis=1, keepdims=True)).astype(np.float32)


class BrokenModel(FakeModel):
    """A model whose ``predict`` or ``predict_proba`` raises ``exc``."""

    def __init__(self, exc, where="predict"):
        super().__init__()
        self.exc = exc
        self.where = where

    def predict(self, X):
        if self.where == "predict":
            raise self.exc
        return super().predict(X)

    def predict_proba(self, X):
        if self.where == "predict_proba":
            raise self.exc
        return super().predict_proba(X)


class SoftmaxModel:
    """A linear softmax classifier like a fitted scikit-learn one: numpy int64 labels."""

    classes_ = np.array([0, 1, 2], dtype=np.int64)

    def __init__(self, n_features):
        rng = np.random.default_rng(21)
        self.coef_ = rng.normal(size=(n_features, 3))
        self.intercept_ = rng.normal(size=3)

    def predict_proba(self, X):
        z = np.asarray(X, dtype=float) @ self.coef_ + self.intercept_
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def expected_body(model, rows):
    """The success body the contract asks for, computed from the model itself."""
    X = np.asarray(rows, dtype=float)
    return {
        "status": "success",
        "prediction": np.asarray(model.predict(X)).tolist(),
        "probability": np.asarray(model.predict_proba(X), dtype=float).tolist(),
    }


# --------------------------------------------------------------------------- checks


def check_result_shape(result):
    """The handler returns a (status, body) tuple with an int status and a dict body."""
    assert isinstance(result, tuple) and len(result) == 2, (
        f"expected a (status, body) tuple, got {result!r}"
    )
    status, body = result
    assert isinstance(status, int) and not isinstance(status, bool), (
        f"expected an int status, got {type(status).__name__} {status!r}"
    )
    assert type(body) is dict, f"expected a dict body, got {type(body).__name__}"
    return int(status), body


def check_error(result, expected_status, case=""):
    status, body = check_result_shape(result)
    where = f"{case}: " if case else ""
    assert status == expected_status, (
        f"{where}expected status {expected_status}, got {status} {body!r}"
    )
    assert set(body) == {"status", "error"}, (
        f"expected an error body with keys status and error, got keys {sorted(body)}"
    )
    assert body["status"] == "error", f"expected status 'error', got {body['status']!r}"
    assert type(body["error"]) is str and body["error"].strip(), (
        f"expected a non-empty error message, got {body['error']!r}"
    )


def check_plain_json(value, where="body", allowed=JSON_SCALARS):
    """Every value is a plain Python JSON type (no numpy scalars), or one of `allowed`."""
    if type(value) is dict:
        for k, v in value.items():
            assert type(k) is str, f"{where}: expected str keys, got {type(k).__name__}"
            check_plain_json(v, f"{where}[{k!r}]", allowed)
    elif type(value) is list:
        for i, v in enumerate(value):
            check_plain_json(v, f"{where}[{i}]", allowed)
    else:
        wanted = "str/int/float/bool/None" + (
            " or a numpy scalar" if allowed is not JSON_SCALARS else ""
        )
        assert type(value) in allowed, (
            f"{where}: expected a plain Python {wanted}, "
            f"got {type(value).__module__}.{type(value).__name__}"
        )


def check_success(result, model, rows):
    """A 200 body whose values equal the model's (plain types: the type tests check those)."""
    status, body = check_result_shape(result)
    assert status == 200, f"expected status 200, got {status} {body!r}"
    check_plain_json(body, allowed=VALUE_SCALARS)
    expected = expected_body(model, rows)
    assert set(body) == set(expected), f"expected keys {sorted(expected)}, got {sorted(body)}"
    assert body["status"] == "success", f"expected status 'success', got {body['status']!r}"
    assert type(body["prediction"]) is list, (
        f"expected prediction to be a list, got {type(body['prediction']).__name__}"
    )
    assert body["prediction"] == expected["prediction"], (
        f"expected prediction {expected['prediction']}, got {body['prediction']}"
    )
    got_p = body["probability"]
    assert type(got_p) is list and all(type(r) is list for r in got_p), (
        f"expected probability to be a list of lists, got {got_p!r}"
    )
    assert np.shape(got_p) == np.shape(expected["probability"]), (
        f"expected probability of shape {np.shape(expected['probability'])}, got {np.shape(got_p)}"
    )
    assert np.allclose(got_p, expected["probability"], rtol=1e-9, atol=1e-12), (
        f"expected probability {expected['probability']}, got {got_p}"
    )
    return body


# --------------------------------------------------------------------------- strategies

finite = st.one_of(
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
row = st.lists(finite, min_size=N, max_size=N)
batch = st.lists(row, min_size=1, max_size=6)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


# ------------------------------------------------------------------- predict_handler


@pytest.mark.points(3)
@settings(max_examples=40, phases=PHASES)
@given(features=row)
def test_single_payload_matches_model(features):
    """A single row {"features": [x1..xn]} gives 200 with one prediction and one probability row."""
    body = check_success(
        serve(sub.predict_handler, {"features": features}, N), FakeModel(), [features]
    )
    assert len(body["prediction"]) == 1, f"expected 1 prediction, got {len(body['prediction'])}"


@pytest.mark.points(3)
@settings(max_examples=40, phases=PHASES)
@given(rows=batch)
def test_batch_payload_matches_model(rows):
    """A batch {"features": [[...], ...]} gives 200 with one prediction and probability row per row."""
    body = check_success(serve(sub.predict_handler, {"features": rows}, N), FakeModel(), rows)
    assert len(body["prediction"]) == len(rows), (
        f"expected {len(rows)} predictions, got {len(body['prediction'])}"
    )


@pytest.mark.points(2)
def test_realistic_model_gives_plain_json_types():
    """With a scikit-learn-like model (numpy int64 labels) the body holds plain ints and floats and survives json.dumps."""
    model = SoftmaxModel(4)
    rows = [[5.1, 3.5, 1.4, 0.2], [5.7, 2.8, 4.1, 1.3], [7.7, 2.6, 6.9, 2.3], [-1, 0, 2, 1e-3]]
    body = check_success(sub.predict_handler(model, {"features": rows}, n_features=4), model, rows)
    check_plain_json(body)
    assert all(type(p) is int for p in body["prediction"]), (
        f"expected plain int labels, got types {[type(p).__name__ for p in body['prediction']]}"
    )
    assert json.loads(json.dumps(body)) == body, "expected the body to survive a json round trip"
    single = check_success(
        sub.predict_handler(model, {"features": rows[1]}, n_features=4), model, rows[1:2]
    )
    check_plain_json(single)
    expected = [int(model.predict([rows[1]])[0])]
    assert single["prediction"] == expected, (
        f"expected prediction {expected}, got {single['prediction']}"
    )


@pytest.mark.points(1)
def test_numpy_labels_and_float32_probabilities_converted():
    """numpy int64 labels and float32 probabilities from the model become plain int and float."""
    model = IntLabelModel()
    rows = [[0.2, 1.0, 2.0], [1.5, 0.0, 0.0], [-2.5, 3.0, 1.0]]
    body = check_success(sub.predict_handler(model, {"features": rows}, n_features=N), model, rows)
    check_plain_json(body)
    assert body["prediction"] == [0, 1, 2], f"expected [0, 1, 2], got {body['prediction']}"


@pytest.mark.points(2)
def test_model_receives_2d_float_array():
    """The model gets a 2-D float array of shape (rows, n_features) with the payload's values."""
    model = FakeModel()
    sub.predict_handler(model, {"features": [1, 2, 3]}, n_features=N)
    sub.predict_handler(model, {"features": [[1, -2, 3.5], [0, 0, 7]]}, n_features=N)
    assert len(model.calls) == 2, f"expected predict to be called twice, got {len(model.calls)}"
    single, pair = model.calls
    assert single.shape == (1, N), f"expected a single row as shape (1, {N}), got {single.shape}"
    assert pair.shape == (2, N), f"expected a batch of 2 as shape (2, {N}), got {pair.shape}"
    assert np.array_equal(pair, [[1, -2, 3.5], [0, 0, 7]]), (
        f"expected the payload values, got {pair}"
    )


@pytest.mark.points(1)
def test_tuple_payloads_are_accepted():
    """Tuples stand for lists: a tuple row, a tuple of rows and tuple rows in a list give 200."""
    cases = [
        ("a tuple row", (1, 2.5, -3), [[1, 2.5, -3]]),
        ("a tuple of list rows", ([1, 2, 3], [0, 0, 7]), [[1, 2, 3], [0, 0, 7]]),
        ("a list of tuple rows", [(1, 2, 3), (4.5, 5, 6)], [[1, 2, 3], [4.5, 5, 6]]),
        ("a tuple of tuple rows", ((0, 1, 2),), [[0, 1, 2]]),
    ]
    for case, features, rows in cases:
        model = FakeModel()
        result = sub.predict_handler(model, {"features": features}, n_features=N)
        status, body = check_result_shape(result)
        assert status == 200, f"{case} {features!r}: expected status 200, got {status} {body!r}"
        check_success(result, model, rows)


@pytest.mark.points(1)
def test_extra_payload_keys_are_ignored():
    """Keys other than "features" in the payload are ignored."""
    model = FakeModel()
    payload = {"features": [1, 2, 3], "request_id": "abc", "version": 2}
    check_success(sub.predict_handler(model, payload, n_features=N), model, [[1, 2, 3]])


BAD_STRUCTURE = [
    ("not a dict: list", [1, 2, 3]),
    ("not a dict: None", None),
    ("not a dict: string", '{"features": [1, 2, 3]}'),
    ("not a dict: number", 3),
    ("missing key", {"feature": [1, 2, 3]}),
    ("missing key: empty dict", {}),
    ("features is a string", {"features": "1,2,3"}),
    ("features is a number", {"features": 1}),
    ("features is a dict", {"features": {"a": 1, "b": 2, "c": 3}}),
    ("features is None", {"features": None}),
    ("empty features", {"features": []}),
    ("empty row in batch", {"features": [[]]}),
    ("rows mixed with numbers", {"features": [[1, 2, 3], 4]}),
    ("numbers mixed with rows", {"features": [1, 2, [3]]}),
    ("three levels of nesting", {"features": [[[1, 2, 3]]]}),
]


@pytest.mark.points(3)
def test_bad_payload_structure_gives_400():
    """Not a dict, no "features" key, not a list, empty, or rows mixed with numbers: 400, model not called."""
    for name, payload in BAD_STRUCTURE:
        model = FakeModel()
        check_error(sub.predict_handler(model, payload, n_features=N), 400, name)
        assert model.calls == [], f"{name}: expected the model not to be called for {payload!r}"


WRONG_LENGTH = [
    ("single too short", {"features": [1, 2]}),
    ("single too long", {"features": [1, 2, 3, 4]}),
    ("batch row too short", {"features": [[1, 2, 3], [1, 2]]}),
    ("batch row too long", {"features": [[1, 2, 3], [4, 5, 6], [1, 2, 3, 4]]}),
]


@pytest.mark.points(2)
def test_wrong_number_of_features_gives_400():
    """A row with more or fewer than n_features values gives 400, in a single payload and in any batch row."""
    for name, payload in WRONG_LENGTH:
        model = FakeModel()
        check_error(sub.predict_handler(model, payload, n_features=N), 400, name)
        assert model.calls == [], f"{name}: expected the model not to be called for {payload!r}"


NON_NUMERIC = [
    ("bool true", True),
    ("bool false", False),
    ("string number", "1.5"),
    ("string", "abc"),
    ("None", None),
    ("dict", {"v": 1}),
]


@pytest.mark.points(3)
def test_non_numeric_values_give_400():
    """Booleans, strings (even "1.5"), None and objects are not numbers: 400, in single and batch payloads."""
    for name, value in NON_NUMERIC:
        for position in (0, 2):
            features = [1.0, 2.0, 3.0]
            features[position] = value
            for payload in ({"features": features}, {"features": [[0.5, 0.5, 0.5], features]}):
                model = FakeModel()
                check_error(sub.predict_handler(model, payload, n_features=N), 400, name)
                assert model.calls == [], (
                    f"{name}: expected the model not to be called for {payload!r}"
                )


@pytest.mark.points(2)
def test_non_finite_values_give_400():
    """NaN, +/-infinity and integers too large for a float give 400, in single and batch payloads."""
    for name, value in [
        ("nan", math.nan),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("10**400", 10**400),
    ]:
        for payload in ({"features": [1, value, 3]}, {"features": [[1, 2, 3], [value, 2, 3]]}):
            model = FakeModel()
            check_error(sub.predict_handler(model, payload, n_features=N), 400, name)
            assert model.calls == [], f"{name}: expected the model not to be called"


@pytest.mark.points(3)
def test_model_exception_gives_500():
    """When the model's predict or predict_proba raises (any exception, even ValueError), the answer is 500."""
    cases = [
        (RuntimeError("boom"), "predict"),
        (ValueError("X has 3 features, but the model expects 4"), "predict"),
        (KeyError("weights"), "predict"),
        (AttributeError("no predict_proba"), "predict_proba"),
    ]
    for exc, where in cases:
        model = BrokenModel(exc, where)
        name = f"{type(exc).__name__} in {where}"
        check_error(sub.predict_handler(model, {"features": [1, 2, 3]}, n_features=N), 500, name)
        payload = {"features": [[1, 2, 3], [4, 5, 6]]}
        check_error(sub.predict_handler(model, payload, n_features=N), 500, name)


class Label:
    """A label object json.dumps cannot encode."""


@pytest.mark.points(1)
def test_unencodable_model_output_gives_500():
    """When the model's labels cannot be encoded as JSON (arbitrary objects), the answer is 500, over HTTP too."""

    class ObjectLabels(FakeModel):
        def predict(self, X):
            super().predict(X)
            return np.array([Label() for _ in range(len(X))], dtype=object)

    check_error(sub.predict_handler(ObjectLabels(), {"features": [1, 2, 3]}, n_features=N), 500)
    app = sub.create_app(ObjectLabels(), n_features=N)
    check_http_error(call_app(app, "POST", "/predict", b'{"features": [1, 2, 3]}'), 500)


@pytest.mark.points(2)
@settings(max_examples=60, phases=PHASES)
@given(payload=json_values | st.fixed_dictionaries({"features": json_values}))
def test_handler_never_raises_on_any_json(payload):
    """For any JSON-like payload the handler returns 200 or 400 with the documented body, never an exception."""
    model = FakeModel()
    status, body = check_result_shape(sub.predict_handler(model, payload, n_features=N))
    assert status in (200, 400), f"expected 200 or 400, got {status} {body!r}"
    if status == 400:
        check_error((status, body), 400)
    else:
        features = payload["features"]
        rows = features if isinstance(features[0], list) else [features]
        check_success((status, body), model, rows)


# --------------------------------------------------------------------------- WSGI app


class CountingStream(io.BytesIO):
    """A wsgi.input that counts how many bytes the application read."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


def call_app(app, method, path, body=b"", *, content_length="auto", stream=None):
    """Call a WSGI app directly; return (status_code, lower-case headers, decoded JSON body)."""
    stream = stream if stream is not None else CountingStream(body)
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if content_length == "auto":
        environ["CONTENT_LENGTH"] = str(len(body))
    elif content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    calls = []

    def start_response(status, headers, exc_info=None):
        calls.append((status, headers))
        return lambda data: None

    result = app(environ, start_response)
    try:
        data = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    assert len(calls) == 1, f"expected start_response to be called once, got {len(calls)} calls"
    status, headers = calls[0]
    assert type(status) is str and re.fullmatch(r"[1-5][0-9]{2} \S.*", status), (
        f"expected a WSGI status line like '200 OK', got {status!r}"
    )
    assert all(
        type(h) is tuple and len(h) == 2 and type(h[0]) is str and type(h[1]) is str
        for h in headers
    ), f"expected headers as a list of (str, str) tuples, got {headers!r}"
    hdrs = {name.lower(): value for name, value in headers}
    # The Content-Type header is test_every_response_is_json's to check: a wrong header
    # must not cost every HTTP test.
    try:
        decoded = json.loads(data)
    except ValueError:
        pytest.fail(f"expected a JSON response body on {status}, got {data[:200]!r}")
    return int(status[:3]), hdrs, decoded


def check_http_error(result, expected_status, case=""):
    code, headers, body = result
    where = f"{case}: " if case else ""
    assert code == expected_status, f"{where}expected HTTP {expected_status}, got {code} {body!r}"
    check_error((code, body), expected_status, case)
    return headers


@pytest.mark.points(2)
def test_health_endpoint():
    """GET /health answers 200 with exactly {"status": "healthy"}."""
    app = sub.create_app(FakeModel(), n_features=N)
    code, _, body = call_app(app, "GET", "/health")
    assert code == 200, f"expected 200, got {code}"
    assert body == {"status": "healthy"}, f'expected {{"status": "healthy"}}, got {body!r}'


@pytest.mark.points(3)
@settings(max_examples=20, phases=PHASES)
@given(rows=batch, single=st.booleans())
def test_post_predict_returns_model_output(rows, single):
    """POST /predict with a JSON body answers 200 with the same body as predict_handler."""
    model = FakeModel()
    app = sub.create_app(model, n_features=N)
    features = rows[0] if single else rows
    code, _, body = call_app(app, "POST", "/predict", json.dumps({"features": features}).encode())
    assert code == 200, f"expected 200, got {code} {body!r}"
    expected = expected_body(model, [features] if single else rows)
    assert body["status"] == "success" and body["prediction"] == expected["prediction"], (
        f"expected {expected}, got {body}"
    )
    assert np.allclose(body["probability"], expected["probability"], rtol=1e-9, atol=1e-12), (
        f"expected probability {expected['probability']}, got {body['probability']}"
    )


@pytest.mark.points(1)
def test_content_length_header_matches_body():
    """Every response carries a Content-Length header equal to the body's size in bytes."""
    app = sub.create_app(FakeModel(), n_features=N)
    seen = []

    def start_response(status, headers, exc_info=None):
        seen.append(headers)

    for method, path, body in [
        ("GET", "/health", b""),
        ("POST", "/predict", b'{"features": [1, 2, 3]}'),
        ("GET", "/nowhere", b""),
    ]:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
        }
        data = b"".join(app(environ, start_response))
        hdrs = {k.lower(): v for k, v in seen[-1]}
        assert hdrs.get("content-length") == str(len(data)), (
            f"expected Content-Length {len(data)} for {method} {path}, "
            f"got {hdrs.get('content-length')!r}"
        )


@pytest.mark.points(1)
def test_every_response_is_json():
    """Every response, success or error, carries Content-Type: application/json."""
    app = sub.create_app(FakeModel(), n_features=N)
    requests = [
        ("GET", "/health", b""),
        ("POST", "/predict", b'{"features": [1, 2, 3]}'),
        ("GET", "/nowhere", b""),
        ("GET", "/predict", b""),
        ("POST", "/predict", b"not json"),
        ("POST", "/predict", b'{"features": [1, 2]}'),
    ]
    for method, path, body in requests:
        code, hdrs, _ = call_app(app, method, path, body)
        media_type = hdrs.get("content-type", "").split(";")[0].strip().lower()
        assert media_type == "application/json", (
            f"{method} {path} ({code}): expected Content-Type application/json, "
            f"got {hdrs.get('content-type')!r}"
        )


@pytest.mark.points(2)
def test_unknown_path_gives_404():
    """A path other than /predict and /health answers 404 with a JSON error body, whatever the method."""
    app = sub.create_app(FakeModel(), n_features=N)
    for method, path in [
        ("GET", "/"),
        ("POST", "/predictions"),
        ("GET", "/health/x"),
        ("POST", "/Predict"),
    ]:
        result = call_app(app, method, path, b'{"features": [1, 2, 3]}')
        check_http_error(result, 404, f"{method} {path}")


@pytest.mark.points(2)
def test_wrong_method_gives_405():
    """A known path with the wrong method answers 405 with a JSON error body; the model is not called."""
    model = FakeModel()
    app = sub.create_app(model, n_features=N)
    for method, path in [
        ("GET", "/predict"),
        ("PUT", "/predict"),
        ("POST", "/health"),
        ("DELETE", "/health"),
    ]:
        check_http_error(
            call_app(app, method, path, b'{"features": [1, 2, 3]}'), 405, f"{method} {path}"
        )
    assert model.calls == [], "expected the model not to be called on a 405"


@pytest.mark.points(1)
def test_405_has_allow_header():
    """A 405 response carries an Allow header naming the method the path accepts (POST or GET)."""
    app = sub.create_app(FakeModel(), n_features=N)
    for method, path, allowed in [("GET", "/predict", "POST"), ("POST", "/health", "GET")]:
        headers = check_http_error(call_app(app, method, path), 405, f"{method} {path}")
        allow = [m.strip().upper() for m in headers.get("allow", "").split(",")]
        assert allowed in allow, (
            f"{method} {path}: expected an Allow header naming {allowed}, got {headers.get('allow')!r}"
        )


@pytest.mark.points(2)
def test_body_that_is_not_json_gives_400():
    """POST /predict with an empty or non-JSON body answers 400 with a JSON error body."""
    model = FakeModel()
    app = sub.create_app(model, n_features=N)
    bodies = [
        b"not json",
        b"",
        b'{"features": [1, 2, 3]',
        b"\xff\xfe\x00garbage",
        b"{'features': [1, 2, 3]}",
    ]
    for body in bodies:
        check_http_error(call_app(app, "POST", "/predict", body), 400, f"body {body!r}")
    assert model.calls == [], "expected the model not to be called for a body that is not JSON"


@pytest.mark.points(1)
def test_deeply_nested_json_gives_400():
    """A body nested too deeply for the JSON parser answers 400, not an unhandled exception."""
    app = sub.create_app(FakeModel(), n_features=N)
    body = b"[" * 200_000 + b"]" * 200_000
    check_http_error(call_app(app, "POST", "/predict", body), 400)


@pytest.mark.points(2)
def test_invalid_payload_and_model_failure_over_http():
    """Over HTTP, a JSON payload the handler rejects answers 400 and a failing model answers 500."""
    app = sub.create_app(FakeModel(), n_features=N)
    for payload in ([1, 2, 3], {"features": [1, 2]}, {"features": [True, 2, 3]}):
        check_http_error(call_app(app, "POST", "/predict", json.dumps(payload).encode()), 400)
    check_http_error(call_app(app, "POST", "/predict", b'{"features": [NaN, 1, 2]}'), 400)
    broken = sub.create_app(BrokenModel(RuntimeError("boom")), n_features=N)
    check_http_error(call_app(broken, "POST", "/predict", b'{"features": [1, 2, 3]}'), 500)


@pytest.mark.points(2)
def test_oversized_body_gives_413_without_reading_it():
    """A body over 1 MiB answers 413 and the application does not read the whole body."""
    model = FakeModel()
    app = sub.create_app(model, n_features=N)
    size = 4 * MIB
    stream = CountingStream(b" " * size)
    check_http_error(
        call_app(app, "POST", "/predict", content_length=str(size), stream=stream), 413
    )
    assert stream.bytes_read <= MIB + 1, (
        f"expected at most {MIB + 1} bytes read from a {size}-byte body, got {stream.bytes_read}"
    )
    assert model.calls == [], "expected the model not to be called on a 413"


@pytest.mark.points(2)
def test_body_size_limit_is_exactly_one_mib():
    """A body of exactly 1 MiB (1048576 bytes) is accepted; one byte more answers 413."""
    model = FakeModel()
    app = sub.create_app(model, n_features=N)
    payload = b'{"features": [1, 2, 3]}'
    exact = payload + b" " * (MIB - len(payload))
    assert len(exact) == MIB
    code, _, body = call_app(app, "POST", "/predict", exact)
    assert code == 200, f"expected 200 for a body of exactly 1 MiB, got {code} {body!r}"
    check_http_error(call_app(app, "POST", "/predict", exact + b" "), 413)


@pytest.mark.points(1)
def test_reads_exactly_content_length_bytes():
    """The app reads CONTENT_LENGTH bytes from wsgi.input, not up to the end of the stream."""
    app = sub.create_app(FakeModel(), n_features=N)
    payload = b'{"features": [1, 2, 3]}'
    stream = CountingStream(payload + b"GARBAGE AFTER THE BODY")
    code, _, body = call_app(
        app, "POST", "/predict", content_length=str(len(payload)), stream=stream
    )
    assert code == 200, f"expected 200 when reading only CONTENT_LENGTH bytes, got {code} {body!r}"


@pytest.mark.points(1)
def test_missing_or_invalid_content_length_gives_400():
    """A missing or empty CONTENT_LENGTH means an empty body (400), whatever the stream holds; a non-integer or negative one gives 400."""
    model = FakeModel()
    app = sub.create_app(model, n_features=N)
    for content_length in [None, "", "abc", "-5", "1.5"]:
        stream = CountingStream(b'{"features": [1, 2, 3]}')
        result = call_app(app, "POST", "/predict", content_length=content_length, stream=stream)
        check_http_error(result, 400, f"CONTENT_LENGTH={content_length!r}")
    assert model.calls == [], "expected the model not to be called"


@pytest.mark.points(1)
def test_create_app_rejects_bad_n_features():
    """create_app raises ValueError unless n_features is a positive int (bool is not an int here)."""
    for n_features in [0, -1, True, 2.0, "3", None]:
        with pytest.raises(ValueError):
            sub.create_app(FakeModel(), n_features=n_features)
            pytest.fail(f"expected ValueError for n_features={n_features!r}")
    assert callable(sub.create_app(FakeModel(), n_features=1)), "expected an app for n_features=1"
