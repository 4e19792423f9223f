"""Hidden suite for the `persistence` exercise (saving and loading models, Q11)."""

import hashlib
import io
import json
import os
import pickle
import re
import shutil
import stat
import tempfile
import time
import weakref
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import joblib
import numpy as np
import persistence as sub
import pytest
import sklearn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from grader.judge.suite_tools import define

FIXED = datetime(2024, 3, 5, 14, 7, 9)
FIXED_STEM = "model_20240305_140709"
MODEL_NAME = re.compile(r"model_\d{8}_\d{6}(_\d+)?\.joblib")

# What the candidate's code pickles is made in the candidate's process, and what it
# wrote is unpickled only there: the judge never loads a file the candidate produced,
# it reads back values (predictions, coefficients, plain data) through the proxies.
_CANDIDATE_SIDE = """
import os
import pickle
import sys
import threading
import time
import types

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression


def fitted_model(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=40) > 0).astype(int)
    return LogisticRegression().fit(X, y), X


def with_lambda(model):
    model.callback = lambda: None
    return model


class _Unpicklable:
    def __init__(self, kind):
        self.weights = np.arange(50_000, dtype=float)  # written before the failure
        self.hook = (lambda x: x) if kind == "lambda" else threading.Lock()


class _Spy:
    # Records the directory listing at the moment it is pickled; unpickles as a str.

    def __init__(self, directory):
        self.directory = directory
        self.seen = []

    def __reduce__(self):
        self.seen.append(sorted(os.listdir(self.directory)))
        return (str, ("spy",))


def is_pickling_error(exc):
    return isinstance(exc, (pickle.PicklingError, TypeError, AttributeError))


def load_with_joblib(path):
    return joblib.load(path)


def set_local_timezone(tz):
    old = os.environ.get("TZ")
    os.environ["TZ"] = tz
    time.tzset()
    return old


def restore_local_timezone(old):
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


# pickle finds a class by its module's name: make this code importable as that module,
# so that only the lambda or the lock makes _Unpicklable fail, after its weights.
sys.modules[__name__] = types.ModuleType(__name__)
sys.modules[__name__].__dict__.update(globals())
"""
(
    fitted_model,
    with_lambda,
    _Unpicklable,
    _Spy,
    is_pickling_error,
    load_with_joblib,
    set_local_timezone,
    restore_local_timezone,
) = define(
    _CANDIDATE_SIDE,
    "fitted_model",
    "with_lambda",
    "_Unpicklable",
    "_Spy",
    "is_pickling_error",
    "load_with_joblib",
    "set_local_timezone",
    "restore_local_timezone",
)


class _Folder:
    """A folder opened once, never through a link; closed when nothing holds it."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        weakref.finalize(self, os.close, self.fd)


class Saved:
    """A file save_model reported, checked before the judge touches it: a regular file (not
    a link) directly inside the folder the test gave. The path comes from the candidate's
    process, which may also swap what is in that folder at any moment, so the folder is
    opened once and the file is only ever opened by name inside it, never through a link,
    never waiting on a pipe: the judge reads, writes and removes nothing elsewhere."""

    def __init__(self, folder, name):
        self._folder, self.name = folder, name
        info = os.stat(name, dir_fd=folder.fd, follow_symlinks=False)
        assert stat.S_ISREG(info.st_mode), f"expected a regular file {name}, got something else"

    def sidecar(self):
        """The .json next to this file, under the same rules."""
        name = Path(self.name).with_suffix(".json").name
        try:
            return Saved(self._folder, name)
        except FileNotFoundError:
            raise AssertionError(f"expected a sidecar {name}, got none") from None

    def _open(self, flags):
        fd = os.open(self.name, flags | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=self._folder.fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise AssertionError(f"expected a regular file {self.name}, got something else")
        return os.fdopen(fd, "rb" if flags == os.O_RDONLY else "wb")

    def read(self):
        with self._open(os.O_RDONLY) as file:
            return file.read()

    def replace(self, data):
        """Overwrite the file's bytes in place."""
        with self._open(os.O_WRONLY | os.O_TRUNC) as file:
            file.write(data)

    def unlink(self):
        os.unlink(self.name, dir_fd=self._folder.fd)


def model_file(got, directory):
    """The model file save_model reported (see Saved), inside `directory`."""
    assert isinstance(got, (str, Path)), f"expected a path, got {type(got).__name__}"
    path, folder = Path(got), Path(directory)
    assert path.name not in ("", ".", "..") and path.parent.resolve() == folder.resolve(), (
        f"expected the model file inside {directory}, got {path}"
    )
    return Saved(_Folder(folder), path.name)


def sidecar_of(path, directory):
    return json.loads(model_file(path, directory).sidecar().read())


def listing(directory):
    return sorted(os.listdir(directory))


@contextmanager
def local_timezone(tz):
    """Run the candidate's process with another local timezone (UTC+5:30), restored afterwards."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is not available on this platform")
    old = set_local_timezone(tz)
    try:
        yield
    finally:
        restore_local_timezone(old)


@contextmanager
def fresh_directory(tmp_path):
    """A new empty folder in tmp_path that the candidate's process may list and write to
    (it may run as another user), removed afterwards."""
    directory = Path(tempfile.mkdtemp(dir=tmp_path))
    os.chmod(directory, 0o777)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def raises_pickling_error():
    """The error of a failed pickling: pickle.PicklingError, TypeError or AttributeError
    (checked in the candidate's process, where the error's class lives)."""
    with pytest.raises(Exception) as info:
        yield
    assert is_pickling_error(info.value), (
        f"expected the pickling error to propagate, got {type(info.value).__name__}: {info.value}"
    )


def name_time(path):
    match = re.fullmatch(r"model_(\d{8}_\d{6})(_\d+)?\.joblib", Path(path).name)
    assert match, f"expected a name like model_YYYYmmdd_HHMMSS.joblib, got {Path(path).name!r}"
    return datetime.strptime(match.group(1), "%Y%m%d_%H%M%S").replace(tzinfo=UTC)


# ----------------------------------------------------------------------------- save_model


@pytest.mark.points(3)
def test_save_writes_model_and_sidecar(tmp_path):
    """save_model writes model_<timestamp>.joblib (readable by joblib.load) and returns its Path."""
    model, X = fitted_model()
    got = sub.save_model(model, tmp_path, now=FIXED)
    assert isinstance(got, Path), f"expected a pathlib.Path, got {type(got).__name__}"
    assert got.name == FIXED_STEM + ".joblib", f"expected {FIXED_STEM}.joblib, got {got.name!r}"
    assert got.resolve() == (tmp_path / got.name).resolve(), (
        f"expected the file inside {tmp_path}, got {got}"
    )
    assert listing(tmp_path) == [FIXED_STEM + ".joblib", FIXED_STEM + ".json"], (
        f"expected exactly the model and its sidecar, got {listing(tmp_path)}"
    )
    loaded = load_with_joblib(got)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.points(3)
def test_sidecar_fields(tmp_path):
    """The sidecar holds sha256 of the .joblib bytes, created_at, sklearn_version and metadata."""
    model, _ = fitted_model()
    metadata = {"accuracy": 0.91, "features": ["a", "b", "c"], "params": {"C": 1.0}, "n": 40}
    path = sub.save_model(model, str(tmp_path), metadata=metadata, now=FIXED)
    side = sidecar_of(path, tmp_path)
    expected_sha = hashlib.sha256(model_file(path, tmp_path).read()).hexdigest()
    assert side.get("sha256") == expected_sha, (
        f"expected sha256 {expected_sha}, got {side.get('sha256')!r}"
    )
    assert side.get("sklearn_version") == sklearn.__version__, (
        f"expected sklearn_version {sklearn.__version__!r}, got {side.get('sklearn_version')!r}"
    )
    assert side.get("metadata") == metadata, (
        f"expected metadata {metadata!r}, got {side.get('metadata')!r}"
    )
    created = datetime.fromisoformat(side["created_at"])
    assert created == FIXED.replace(tzinfo=UTC), (
        f"expected created_at 2024-03-05T14:07:09+00:00, got {side['created_at']!r}"
    )


@pytest.mark.points(1)
def test_metadata_defaults_to_empty_dict(tmp_path):
    """Without metadata, the sidecar's metadata is an empty dict."""
    path = sub.save_model([1, 2, 3], tmp_path, now=FIXED)
    got = sidecar_of(path, tmp_path).get("metadata", "<missing>")
    assert got == {}, f"expected metadata {{}}, got {got!r}"


@pytest.mark.points(3)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2099, 12, 31),
        timezones=st.none()
        | st.just(UTC)
        | st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
    )
)
def test_name_and_created_at_follow_now(tmp_path, now):
    """The name is the UTC time of `now` as YYYYmmdd_HHMMSS (naive = UTC); created_at is that instant."""
    expected = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    stem = f"model_{expected:%Y%m%d_%H%M%S}"
    with fresh_directory(tmp_path) as d:
        got = sub.save_model({"w": [1.5, 2.5]}, d, now=now)
        assert Path(got).name == stem + ".joblib", (
            f"now={now!r}: expected {stem}.joblib, got {Path(got).name!r}"
        )
        raw = sidecar_of(got, d)["created_at"]
        created = datetime.fromisoformat(raw)
        assert created.utcoffset() == timedelta(0), (
            f"expected created_at in UTC (offset +00:00), got {raw!r}"
        )
        assert abs(created - expected) < timedelta(seconds=1), (
            f"now={now!r}: expected created_at {expected.isoformat()}, got {raw!r}"
        )


@pytest.mark.points(2)
def test_default_now_is_current_utc_time(tmp_path):
    """Without `now`, the name uses the current UTC time, whatever the local timezone."""
    with local_timezone("IST-5:30"):
        before = datetime.now(UTC).replace(microsecond=0)
        got = sub.save_model([1], tmp_path)
        after = datetime.now(UTC)
    stamp = name_time(got)
    assert before <= stamp <= after, (
        f"expected a UTC time between {before:%Y%m%d_%H%M%S} and {after:%Y%m%d_%H%M%S}, "
        f"got {Path(got).name!r}"
    )


@pytest.mark.points(1)
def test_naive_now_is_taken_as_utc(tmp_path):
    """A naive `now` is already UTC: it is not shifted by the local timezone."""
    with local_timezone("IST-5:30"):
        got = sub.save_model([1], tmp_path, now=FIXED)
    assert Path(got).name == FIXED_STEM + ".joblib", (
        f"expected {FIXED_STEM}.joblib, got {Path(got).name!r}"
    )


@pytest.mark.points(3)
def test_never_overwrites_existing_model(tmp_path):
    """Saving three times at the same second gives names without suffix, then _1, then _2."""
    models = [fitted_model(seed)[0] for seed in range(3)]
    paths = [
        sub.save_model(m, tmp_path, metadata={"i": i}, now=FIXED) for i, m in enumerate(models)
    ]
    names = [Path(p).name for p in paths]
    expected = [f"{FIXED_STEM}.joblib", f"{FIXED_STEM}_1.joblib", f"{FIXED_STEM}_2.joblib"]
    assert names == expected, f"expected {expected}, got {names}"
    for i, (path, model) in enumerate(zip(paths, models, strict=True)):
        loaded = load_with_joblib(path)
        np.testing.assert_array_equal(loaded.coef_, model.coef_)
        got = sidecar_of(path, tmp_path).get("metadata")
        assert got == {"i": i}, f"{Path(path).name}: expected metadata {{'i': {i}}}, got {got!r}"


@pytest.mark.points(1)
def test_stray_file_with_same_name_is_not_overwritten(tmp_path):
    """A name is taken when either its .joblib or its .json exists."""
    (tmp_path / f"{FIXED_STEM}.json").write_text("keep me")
    got = sub.save_model([1], tmp_path, now=FIXED)
    assert Path(got).name == f"{FIXED_STEM}_1.joblib", (
        f"expected {FIXED_STEM}_1.joblib next to a stray sidecar, got {Path(got).name!r}"
    )
    assert (tmp_path / f"{FIXED_STEM}.json").read_text() == "keep me", (
        "the stray .json was overwritten"
    )
    other = tmp_path / "other"
    other.mkdir()
    os.chmod(other, 0o777)  # the candidate's process may run as another user
    (other / f"{FIXED_STEM}.joblib").write_bytes(b"keep me")
    got = sub.save_model([1], other, now=FIXED)
    assert Path(got).name == f"{FIXED_STEM}_1.joblib", (
        f"expected {FIXED_STEM}_1.joblib next to an existing model, got {Path(got).name!r}"
    )
    assert (other / f"{FIXED_STEM}.joblib").read_bytes() == b"keep me", "the model was overwritten"


@pytest.mark.points(1)
def test_creates_missing_directory(tmp_path):
    """A directory that does not exist yet (nested, given as str) is created."""
    target = tmp_path / "runs" / "2024" / "models"
    got = sub.save_model([1], str(target), now=FIXED)
    assert Path(got).is_file(), f"expected the model file at {got}, got nothing"
    assert Path(got).parent.resolve() == target.resolve(), (
        f"expected the file in {target}, got {got}"
    )


@pytest.mark.points(3)
def test_failed_pickle_leaves_no_file(tmp_path):
    """When pickling fails, the error propagates and no file at all is left in the directory."""
    sub.save_model([1], tmp_path, now=FIXED)
    before = listing(tmp_path)
    for kind in ("lambda", "lock"):
        with raises_pickling_error():
            sub.save_model(_Unpicklable(kind), tmp_path, now=FIXED)
        assert listing(tmp_path) == before, (
            f"{kind}: expected the directory to stay {before}, got {listing(tmp_path)}"
        )
    model = with_lambda(fitted_model()[0])  # an estimator holding a lambda
    with raises_pickling_error():
        sub.save_model(model, tmp_path, now=datetime(2030, 1, 1))
    assert listing(tmp_path) == before, (
        f"estimator with a lambda: expected {before}, got {listing(tmp_path)}"
    )


@pytest.mark.points(2)
def test_model_file_appears_only_when_complete(tmp_path):
    """While the model is being pickled, no model_*.joblib file is visible yet (write, then rename)."""
    spy = _Spy(tmp_path)
    got = sub.save_model({"spy": spy, "w": np.arange(1000)}, tmp_path, now=FIXED)
    assert spy.seen, "expected the model to be pickled"
    for seen in spy.seen:
        visible = [name for name in seen if MODEL_NAME.fullmatch(name)]
        assert not visible, f"expected no model file during pickling, got {visible}"
    assert load_with_joblib(got)["spy"] == "spy", "expected the saved object to load back"


@pytest.mark.gated_on("test_save_writes_model_and_sidecar")
@pytest.mark.points(1)
def test_bad_metadata_raises_value_error_and_writes_nothing(tmp_path):
    """Metadata that is not a JSON-serialisable dict raises ValueError and writes no file."""
    for bad in ({"when": object()}, ["not", "a", "dict"]):
        with pytest.raises(ValueError):
            sub.save_model([1], tmp_path, metadata=bad, now=FIXED)
        assert listing(tmp_path) == [], (
            f"metadata={bad!r}: expected no files, got {listing(tmp_path)}"
        )


# ----------------------------------------------------------------------------- load_model


@pytest.mark.points(2)
def test_load_round_trip(tmp_path):
    """load_model returns the saved model (verified by default); str paths are accepted."""
    model, X = fitted_model(3)
    path = sub.save_model(model, tmp_path, now=FIXED)
    for given_path in (path, str(path)):
        loaded = sub.load_model(given_path)
        assert isinstance(loaded, LogisticRegression), (
            f"expected LogisticRegression, got {type(loaded).__name__}"
        )
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.gated_on("test_load_round_trip")
@pytest.mark.points(2)
def test_missing_sidecar(tmp_path):
    """A missing sidecar raises ModelIntegrityError; verify=False loads anyway."""
    path = sub.save_model({"w": [1, 2]}, tmp_path, now=FIXED)
    model_file(path, tmp_path).sidecar().unlink()
    with pytest.raises(sub.ModelIntegrityError):
        sub.load_model(path)
    with pytest.raises(sub.ModelIntegrityError):
        sub.load_model(path, verify=True)
    got = sub.load_model(path, verify=False)
    assert got == {"w": [1, 2]}, f"expected {{'w': [1, 2]}}, got {got!r}"


@pytest.mark.gated_on("test_load_round_trip")
@pytest.mark.points(3)
def test_tampered_file(tmp_path):
    """A file whose sha256 does not match the sidecar raises ModelIntegrityError; verify=False loads it."""
    path = sub.save_model({"w": [1, 2]}, tmp_path, now=FIXED)
    replaced = io.BytesIO()
    joblib.dump({"w": [6, 6]}, replaced)
    model_file(path, tmp_path).replace(replaced.getvalue())  # behind save_model's back
    with pytest.raises(sub.ModelIntegrityError):
        sub.load_model(path)
    got = sub.load_model(path, verify=False)
    assert got == {"w": [6, 6]}, f"expected the replaced object with verify=False, got {got!r}"
    # A tampered sidecar is caught the same way.
    path = sub.save_model({"w": [1, 2]}, tmp_path / "b", now=FIXED)
    side = model_file(path, tmp_path / "b").sidecar()
    data = json.loads(side.read())
    data["sha256"] = hashlib.sha256(b"something else").hexdigest()
    side.replace(json.dumps(data).encode())
    with pytest.raises(sub.ModelIntegrityError):
        sub.load_model(path)


@pytest.mark.gated_on("test_load_round_trip")
@pytest.mark.points(1)
def test_single_flipped_byte_is_detected(tmp_path):
    """Flipping one byte of the saved file is detected."""
    path = sub.save_model(np.arange(100), tmp_path, now=FIXED)
    saved = model_file(path, tmp_path)
    raw = bytearray(saved.read())
    raw[-3] ^= 0x01
    saved.replace(bytes(raw))
    with pytest.raises(sub.ModelIntegrityError):
        sub.load_model(path)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.gated_on("test_load_round_trip")
@pytest.mark.points(2)
def test_verification_happens_before_unpickling(tmp_path):
    """An unverified file is never unpickled: a tampered pickle's code does not run."""
    path = sub.save_model([1], tmp_path / "models", now=FIXED)
    marker = tmp_path / "code_ran"
    model_file(path, tmp_path / "models").replace(pickle.dumps(_Evil(str(marker))))
    with pytest.raises(sub.ModelIntegrityError):
        sub.load_model(path)
    assert not marker.exists(), "expected the file not to be unpickled before verification"


@pytest.mark.gated_on("test_load_round_trip")
@pytest.mark.points(1)
def test_unreadable_sidecar(tmp_path):
    """A sidecar that is not JSON or has no sha256 entry raises ModelIntegrityError."""
    path = sub.save_model([1], tmp_path, now=FIXED)
    side = model_file(path, tmp_path).sidecar()
    for content in ("{not json", json.dumps({"created_at": "2024-03-05T14:07:09+00:00"})):
        side.replace(content.encode())
        with pytest.raises(sub.ModelIntegrityError):
            sub.load_model(path)


@pytest.mark.gated_on("test_load_round_trip")
@pytest.mark.points(1)
def test_missing_model_file_raises_file_not_found(tmp_path):
    """A model path that does not exist raises FileNotFoundError, with or without verify."""
    for verify in (True, False):
        with pytest.raises(FileNotFoundError):
            sub.load_model(tmp_path / "model_20240305_140709.joblib", verify=verify)


# ---------------------------------------------------------------------------- latest_model


def touch_models(directory, keys, mtime_order):
    """Create empty model files (and sidecars) for (datetime, suffix) keys."""
    paths = {}
    for key in keys:
        when, n = key
        stem = f"model_{when:%Y%m%d_%H%M%S}" + (f"_{n}" if n else "")
        path = directory / f"{stem}.joblib"
        path.write_bytes(b"")
        (directory / f"{stem}.json").write_text("{}")
        paths[key] = path
    base = time.time() - 10_000
    for rank, key in enumerate(mtime_order):
        os.utime(paths[key], (base + rank, base + rank))
    return paths


@pytest.mark.points(3)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    keys=st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
                lambda d: d.replace(microsecond=0)
            ),
            st.integers(0, 12),
        ),
        min_size=1,
        max_size=8,
        unique=True,
    ),
    data=st.data(),
)
def test_latest_model_orders_by_timestamp_then_suffix(tmp_path, keys, data):
    """latest_model picks the largest (timestamp, numeric suffix) in the names, ignoring file times."""
    creation = data.draw(st.permutations(keys))
    newest_first_mtime = sorted(keys, reverse=True)  # newest name gets the oldest mtime
    with fresh_directory(tmp_path) as d:
        paths = touch_models(d, creation, newest_first_mtime)
        expected = paths[max(keys)]
        got = sub.latest_model(d)
        assert isinstance(got, Path), f"expected a pathlib.Path, got {got!r}"
        assert got.name == expected.name, f"expected {expected.name}, got {got.name}"
        assert got.resolve() == expected.resolve(), f"expected {expected}, got {got}"


@pytest.mark.points(2)
def test_latest_model_numeric_suffix(tmp_path):
    """Suffixes compare as numbers (_10 after _2) and any suffix beats no suffix."""
    when = datetime(2024, 3, 5, 14, 7, 9)
    paths = touch_models(tmp_path, [(when, 0), (when, 2), (when, 10), (when, 9)], [])
    got = sub.latest_model(tmp_path)
    assert got is not None and got.name == paths[(when, 10)].name, (
        f"expected {paths[(when, 10)].name}, got {got}"
    )
    other = tmp_path / "other"
    other.mkdir()
    paths = touch_models(other, [(when, 0), (when, 1)], [(when, 1), (when, 0)])
    got = sub.latest_model(other)
    assert got is not None and got.name == paths[(when, 1)].name, (
        f"expected {paths[(when, 1)].name}, got {got}"
    )


@pytest.mark.points(1)
def test_latest_model_ignores_mtime(tmp_path):
    """An older model touched more recently does not win."""
    old, new = (datetime(2023, 12, 31, 23, 59, 59), 0), (datetime(2024, 1, 1, 0, 0, 0), 0)
    paths = touch_models(tmp_path, [new, old], [new, old])  # the older name has the newer mtime
    got = sub.latest_model(tmp_path)
    assert got is not None and got.name == paths[new].name, f"expected {paths[new].name}, got {got}"


@pytest.mark.points(2)
def test_latest_model_ignores_other_files(tmp_path):
    """Only files named exactly model_<YYYYmmdd_HHMMSS>[_<n>].joblib count."""
    paths = touch_models(tmp_path, [(datetime(2024, 3, 5, 14, 7, 9), 1)], [])
    for decoy in (
        "model_29991231_235959.json",
        "model_29991231_235959.joblib.part",
        "old_model_29991231_235959.joblib",
        "model_29991231_235959_final.joblib",
        "model_latest.joblib",
        "notes.txt",
        # the timestamp has exactly 8 + 6 digits and the suffix at least one digit
        "model_2999123_235959.joblib",
        "model_299912310_235959.joblib",
        "model_29991231_23595.joblib",
        "model_29991231-235959.joblib",
        "model_29991231_235959_.joblib",
        "model_29991231_235959_x1.joblib",
    ):
        (tmp_path / decoy).write_text("x")
    got = sub.latest_model(tmp_path)
    expected = next(iter(paths.values()))
    assert got is not None and got.name == expected.name, f"expected {expected.name}, got {got}"


@pytest.mark.gated_on("test_latest_model_orders_by_timestamp_then_suffix")
@pytest.mark.points(1)
def test_latest_model_none_without_models(tmp_path):
    """latest_model returns None for an empty directory, one without models, or a missing one."""
    assert sub.latest_model(tmp_path) is None, "expected None for an empty directory"
    (tmp_path / "readme.txt").write_text("no models here")
    (tmp_path / "model_20240305_140709.json").write_text("{}")
    got = sub.latest_model(str(tmp_path))
    assert got is None, f"expected None without any .joblib model, got {got!r}"
    got = sub.latest_model(tmp_path / "does_not_exist")
    assert got is None, f"expected None for a missing directory, got {got!r}"


@pytest.mark.points(1)
def test_latest_model_after_saves(tmp_path):
    """After real saves, latest_model returns the last one saved."""
    sub.save_model([1], tmp_path, now=datetime(2024, 3, 5, 9, 0, 0))
    sub.save_model([2], tmp_path, now=datetime(2024, 3, 5, 10, 0, 0))
    last = sub.save_model([3], tmp_path, now=datetime(2024, 3, 5, 10, 0, 0))
    got = sub.latest_model(tmp_path)
    assert got is not None and got.name == Path(last).name, f"expected {Path(last).name}, got {got}"
    assert sub.load_model(got) == [3], "expected the latest model to load back as [3]"
