"""Hidden suite for the ``decorators`` exercise: timer, memoize and retry."""

import logging
import time
import uuid

import decorators as sub
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.judge.suite_tools import define

SLEEP = 0.05  # a call that sleeps this long must report at least MIN_ELAPSED
MIN_ELAPSED = 0.04

# Helpers that live next to the candidate's code. A wrapper object of the candidate's
# own class (functools.update_wrapper on an instance, binding through __get__) must be
# read and bound where it lives: its docstring is read there, and the class whose
# methods the decorators wrap is made there.
_CANDIDATE_SIDE = """
def doc_of(obj):
    return obj.__doc__


def model_class(timer, module):
    class Model:
        def __init__(self, bias):
            self.bias = bias

        # bare @timer logs on the logger of predict's module: the test's own logger
        def predict(self, x):
            return x + self.bias

        predict.__module__ = module
        predict = timer(predict)

        @timer
        def fit(self, x):
            self.bias = x
            return self

    return Model


# A test's sequence of operations on a memoized function, run next to the wrapper: one
# call from the judge for the whole sequence, which asks the same of the wrapper in the
# same order (the function it wraps, the test's own, is still called from here).
def apply_ops(f, ops):
    '''"clear" -> f.cache_clear(); (a, b, c) -> f(a, b, c=c), then its counters. Gives
    ([None for a clear, (result, f.hits, f.misses) for a call, ...], the error that
    stopped the sequence or None).'''
    done = []
    for op in ops:
        try:
            if op == "clear":
                f.cache_clear()
                done.append(None)
            else:
                a, b, c = op
                got = f(a, b, c=c)
                done.append((got, f.hits, f.misses))
        except BaseException as error:
            return done, error
    return done, None
"""
doc_of, model_class, apply_ops = define(_CANDIDATE_SIDE, "doc_of", "model_class", "apply_ops")


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def capture():
    """Yield a function that attaches a recording handler to a named logger."""
    attached = []

    def attach(name):
        log = logging.getLogger(name)
        handler = _ListHandler()
        attached.append((log, handler, log.level, log.propagate))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
        log.propagate = False
        return log, handler.records

    yield attach
    for log, handler, level, propagate in attached:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate


def _unique(prefix):
    return f"mlgrade_probe_{prefix}_{uuid.uuid4().hex[:8]}"


def _describe(records):
    return [(r.name, r.levelname, r.getMessage()) for r in records]


# --------------------------------------------------------------------- timer


@pytest.mark.points(3)
def test_timer_bare_measures_duration_and_passes_result():
    """Bare @timer returns the result unchanged and sets last_elapsed in seconds (float)."""

    @sub.timer
    def slow(a, b=0, *, c=0):
        time.sleep(SLEEP)
        return [a, b, c]

    start = time.perf_counter()
    got = slow(1, 2, c=3)
    outer = time.perf_counter() - start
    assert got == [1, 2, 3], f"expected the result [1, 2, 3], got {got!r}"
    elapsed = slow.last_elapsed
    assert type(elapsed) is float, f"expected last_elapsed to be a float, got {type(elapsed)}"
    assert MIN_ELAPSED <= elapsed <= outer + 0.01, (
        f"a call sleeping {SLEEP} s took {outer:.4f} s seen from outside; "
        f"expected last_elapsed in seconds between {MIN_ELAPSED} and that, got {elapsed!r}"
    )


@pytest.mark.points(2)
def test_timer_last_elapsed_is_per_call():
    """last_elapsed is None before the first call and then holds the latest call's duration."""

    @sub.timer
    def maybe_slow(seconds):
        time.sleep(seconds)
        return seconds

    assert maybe_slow.last_elapsed is None, (
        f"expected last_elapsed None before any call, got {maybe_slow.last_elapsed!r}"
    )
    maybe_slow(0.15)
    first = maybe_slow.last_elapsed
    assert type(first) is float and first >= 0.14, (
        f"expected >= 0.14 s after a 0.15 s call, got {first!r}"
    )
    maybe_slow(0)
    second = maybe_slow.last_elapsed
    # Relative to the first call: the unit is test_timer_bare_measures_duration's
    # business, and an instant call costs a round trip between the two processes.
    assert type(second) is float and 0 <= second < first / 10, (
        f"expected the duration of the latest (instant) call, below a tenth of the "
        f"previous 0.15 s call's {first!r}, got {second!r}"
    )


@pytest.mark.points(3)
def test_timer_call_that_raises(capture):
    """A call that raises re-raises the same exception, sets last_elapsed and logs one record."""
    module = _unique("raise")
    _, records = capture(module)
    error = KeyError("missing")

    def broken():
        time.sleep(SLEEP)
        raise error

    # The original's name, whether or not wraps copied it; __qualname__ versus __name__
    # is test_timer_on_methods' to check.
    name = broken.__name__
    # Bare, on the function's module logger: a missing keyword form is not this test's.
    broken.__module__ = module
    broken = sub.timer(broken)

    with pytest.raises(KeyError) as info:
        broken()
    assert info.value is error, f"expected the original exception object, got {info.value!r}"
    elapsed = broken.last_elapsed
    assert type(elapsed) is float and elapsed >= MIN_ELAPSED, (
        f"expected last_elapsed >= {MIN_ELAPSED} s after a raising {SLEEP} s call, got {elapsed!r}"
    )
    assert len(records) == 1, f"expected exactly 1 log record, got {_describe(records)}"
    assert records[0].levelno == logging.INFO, (
        f"expected the record at INFO, got {records[0].levelname}"
    )
    assert name in records[0].getMessage(), (
        f"expected the message to contain {name!r}, got {records[0].getMessage()!r}"
    )


@pytest.mark.points(3)
def test_timer_one_record_per_call_on_given_logger_and_level(capture):
    """With logger= and level=, every call emits exactly one record there, naming the function."""
    log, records = capture(_unique("given"))
    _, module_records = capture(__name__)

    def compute(x):
        return x * 2

    # Naming it at all: __qualname__ versus __name__ is test_timer_on_methods' to check.
    name = compute.__name__
    compute = sub.timer(logger=log, level=logging.WARNING)(compute)

    for i in range(3):
        assert compute(i) == 2 * i, f"expected {2 * i}, got {compute(i)!r}"
        assert len(records) == i + 1, (
            f"expected {i + 1} records after {i + 1} calls, got {_describe(records)}"
        )
    for record in records:
        assert record.name == log.name, f"expected logger {log.name!r}, got {record.name!r}"
        assert record.levelno == logging.WARNING, f"expected level WARNING, got {record.levelname}"
        assert name in record.getMessage(), (
            f"expected {name!r} in the message, got {record.getMessage()!r}"
        )
    assert module_records == [], (
        f"expected nothing on the module's logger when logger= is given, got "
        f"{_describe(module_records)}"
    )


@pytest.mark.points(1)
def test_timer_debug_level(capture):
    """level=logging.DEBUG logs the call at DEBUG."""
    log, records = capture(_unique("debug"))

    @sub.timer(level=logging.DEBUG, logger=log)
    def fast():
        return "ok"

    assert fast() == "ok", "expected the return value to pass through"
    assert [r.levelno for r in records] == [logging.DEBUG], (
        f"expected one DEBUG record, got {_describe(records)}"
    )


@pytest.mark.points(2)
def test_timer_bare_default_logger_is_module_logger(capture):
    """Bare @timer logs at INFO on logging.getLogger(func.__module__)."""
    module = _unique("module")
    log, records = capture(module)

    def predict(x):
        return x + 1

    predict.__module__ = module
    timed = sub.timer(predict)
    assert timed(1) == 2, "expected the return value to pass through"
    assert len(records) == 1, (
        f"expected 1 record on logger {module!r} (the function's module), got {_describe(records)}"
    )
    assert records[0].levelno == logging.INFO, f"expected INFO, got {records[0].levelname}"
    assert "predict" in records[0].getMessage(), (
        f"expected the qualname in the message, got {records[0].getMessage()!r}"
    )


@pytest.mark.points(2)
def test_timer_empty_parentheses_uses_defaults(capture):
    """@timer() behaves like bare @timer: module logger, INFO level."""
    module = _unique("parens")
    log, records = capture(module)

    def score(x):
        return x * 10

    score.__module__ = module
    timed = sub.timer()(score)
    assert timed(3) == 30, "expected the return value to pass through"
    assert type(timed.last_elapsed) is float, (
        f"expected a float last_elapsed, got {timed.last_elapsed!r}"
    )
    assert [r.levelno for r in records] == [logging.INFO], (
        f"expected one INFO record on {module!r}, got {_describe(records)}"
    )


@pytest.mark.points(2)
def test_timer_preserves_metadata():
    """@timer keeps __name__, __qualname__, __doc__ and sets __wrapped__, bare and with options."""

    def original(x):
        """Original docstring."""
        return x

    forms = [("@timer", sub.timer(original))]
    try:
        forms.append(("@timer(level=...)", sub.timer(level=logging.DEBUG)(original)))
    except Exception:  # noqa: BLE001 - a missing keyword form is the option tests' to blame
        pass
    for label, timed in forms:
        assert timed.__name__ == "original", (
            f"{label}: expected __name__ 'original', got {timed.__name__!r}"
        )
        assert timed.__qualname__ == original.__qualname__, (
            f"{label}: expected __qualname__ {original.__qualname__!r}, got {timed.__qualname__!r}"
        )
        doc = doc_of(timed)
        assert doc == "Original docstring.", f"{label}: __doc__ lost, got {doc!r}"
        assert getattr(timed, "__wrapped__", None) is original, (
            f"{label}: expected __wrapped__ to be the original function"
        )


@pytest.mark.points(2)
def test_timer_on_methods(capture):
    """@timer works on methods: self is passed and the message names Class.method."""
    module = _unique("method")
    _, records = capture(module)

    # The class statement runs in the candidate's process; the bare form only, so that a
    # missing keyword form is blamed on the option tests alone.
    Model = model_class(sub.timer, module)
    model = Model(5)
    assert model.predict(1) == 6, "expected predict(1) == 6 with bias 5"
    assert len(records) == 1 and "Model.predict" in records[0].getMessage(), (
        f"expected one record naming 'Model.predict', got {_describe(records)}"
    )
    assert type(Model.predict.last_elapsed) is float, (
        f"expected Model.predict.last_elapsed to be a float, got {Model.predict.last_elapsed!r}"
    )
    assert model.fit(7) is model and model.bias == 7, "expected bare @timer to work on a method"


@pytest.mark.points(1)
def test_timer_state_is_per_function():
    """Two timed functions keep separate last_elapsed values."""

    @sub.timer
    def slow():
        time.sleep(SLEEP)

    @sub.timer
    def fast():
        return None

    slow()
    assert fast.last_elapsed is None, (
        f"expected fast.last_elapsed None before fast is called, got {fast.last_elapsed!r}"
    )
    fast()
    assert type(slow.last_elapsed) is float and slow.last_elapsed >= MIN_ELAPSED, (
        f"calling fast changed slow.last_elapsed to {slow.last_elapsed!r}"
    )
    assert type(fast.last_elapsed) is float, (
        f"expected fast.last_elapsed to be a float after its call, got {fast.last_elapsed!r}"
    )


# ------------------------------------------------------------------- memoize


def counters(wrapper):
    """(hits, misses) of a memoized function, once both are checked to be ints."""
    return checked_counters(wrapper.hits, wrapper.misses)


def checked_counters(hits, misses):
    """(hits, misses), once both are checked to be ints."""
    assert type(hits) is int and type(misses) is int, (
        f"memoize: expected int counters, got hits {type(hits).__name__} "
        f"and misses {type(misses).__name__}"
    )
    return hits, misses


_ops = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 3), st.integers(0, 2), st.sampled_from(["x", "y"])),
        st.just("clear"),
    ),
    max_size=30,
)


@pytest.mark.points(4)
@settings(max_examples=40)
@given(ops=_ops)
def test_memoize_matches_counting_model(ops):
    """memoize returns the true results and its hits/misses match a model of the cache."""
    calls = []

    @sub.memoize
    def f(a, b, *, c="x"):
        calls.append((a, b, c))
        return (a * 10 + b, c)

    seen = set()
    hits = misses = underlying = 0
    # A tuple: the candidate's code can reach the helper's copy from its frames, and a
    # tuple holds still (the model comes from this test's own list either way).
    done, error = apply_ops(f, tuple(ops))
    for step, (op, outcome) in enumerate(zip(ops, done, strict=False)):
        if op == "clear":
            seen.clear()
            hits = misses = 0
            continue
        a, b, c = op
        got, *counted = outcome
        assert got == (a * 10 + b, c), (
            f"f({a}, {b}, c={c!r}): expected {(a * 10 + b, c)}, got {got!r}"
        )
        if op in seen:
            hits += 1
        else:
            seen.add(op)
            misses += 1
            underlying += 1
        assert checked_counters(*counted) == (hits, misses), (
            f"after operations {ops[: step + 1]}: expected (hits, misses) == {(hits, misses)}, "
            f"got {tuple(counted)}"
        )
    if error is not None:
        raise error
    assert len(calls) == underlying, (
        f"expected the function to run {underlying} times, it ran {len(calls)} times"
    )


@pytest.mark.points(2)
def test_memoize_keyword_order_does_not_matter():
    """f(a=1, b=2) and f(b=2, a=1) share one cache entry."""
    calls = []

    @sub.memoize
    def f(a, b):
        calls.append((a, b))
        return a - b

    assert f(a=1, b=2) == -1, "expected f(a=1, b=2) == -1"
    assert f(b=2, a=1) == -1, "expected f(b=2, a=1) == -1"
    assert len(calls) == 1, f"expected one real call for both keyword orders, got {len(calls)}"
    assert counters(f) == (1, 1), f"expected (hits, misses) == (1, 1), got {counters(f)}"


@pytest.mark.points(2)
def test_memoize_distinguishes_argument_names_and_kinds():
    """Different keyword names, swapped keyword values and positional vs keyword are not confused."""

    @sub.memoize
    def echo(*args, **kwargs):
        return (args, dict(sorted(kwargs.items())))

    cases = [
        ((1,), {}),
        ((), {"x": 1}),
        ((), {"y": 1}),
        ((), {"x": 1, "y": 2}),
        ((), {"x": 2, "y": 1}),
        ((("x", 1),), {}),
        ((1, 2), {}),
        ((2, 1), {}),
    ]
    for _ in range(2):
        for args, kwargs in cases:
            got = echo(*args, **kwargs)
            assert got == (args, kwargs), (
                f"echo(*{args}, **{kwargs}): expected {(args, kwargs)}, got {got!r}"
            )
    assert counters(echo) == (len(cases), len(cases)), (
        f"expected (hits, misses) == {(len(cases), len(cases))}, got {counters(echo)}"
    )


@pytest.mark.points(1)
def test_memoize_caches_falsy_results():
    """Results such as None, 0 and '' are cached like any other value."""
    calls = []

    @sub.memoize
    def f(x):
        calls.append(x)
        return [None, 0, ""][x]

    for _ in range(3):
        for x in range(3):
            assert f(x) == [None, 0, ""][x], f"expected {[None, 0, ''][x]!r} for f({x})"
    assert calls == [0, 1, 2], f"expected one real call per argument, got calls {calls}"
    assert counters(f) == (6, 3), f"expected (hits, misses) == (6, 3), got {counters(f)}"


@pytest.mark.points(3)
def test_memoize_unhashable_arguments_pass_through():
    """Unhashable arguments (also inside a tuple or as keyword) call through, counted as nothing."""
    calls = []

    @sub.memoize
    def total(values, *, extra=0):
        calls.append(1)
        return sum(values) + (sum(extra) if isinstance(extra, list) else extra)

    assert total([1, 2]) == 3 and total([1, 2]) == 3, "expected total([1, 2]) == 3"
    assert total((1, 2), extra=[3]) == 6, "expected total((1, 2), extra=[3]) == 6"
    assert total((1, 2)) == 3, "expected total((1, 2)) == 3"
    assert len(calls) == 4, f"expected 4 real calls, got {len(calls)}"
    assert counters(total) == (0, 1), (
        f"expected only the hashable call to count: (hits, misses) == (0, 1), got {counters(total)}"
    )

    @sub.memoize
    def first(pair):
        calls.append(2)
        return pair[0]

    assert first((1, [2])) == 1 and first((1, [2])) == 1, "expected first((1, [2])) == 1"
    assert calls.count(2) == 2, (
        f"expected 2 real calls for a tuple holding a list, got {calls.count(2)}"
    )
    assert counters(first) == (0, 0), f"expected (hits, misses) == (0, 0), got {counters(first)}"


@pytest.mark.points(2)
def test_memoize_does_not_cache_exceptions():
    """A call that raises is not cached; its exception (even a TypeError) propagates once."""
    state = {"fail": True, "calls": 0}

    @sub.memoize
    def flaky(x):
        state["calls"] += 1
        if state["fail"]:
            raise TypeError("transient failure")
        return x * 2

    with pytest.raises(TypeError):
        flaky(4)
    assert state["calls"] == 1, (
        f"expected the function to run once for a call that raised, ran {state['calls']} times"
    )
    state["fail"] = False
    assert flaky(4) == 8, "expected the value after the failure to be computed, not cached"
    assert flaky(4) == 8, "expected flaky(4) == 8"
    assert state["calls"] == 2, f"expected 2 real calls in total, got {state['calls']}"


@pytest.mark.points(1)
def test_memoize_raising_call_counts_as_miss():
    """A hashable call that raises counts as a miss (and the retry later as another miss)."""
    state = {"fail": True}

    @sub.memoize
    def flaky(x):
        if state["fail"]:
            raise ValueError("transient failure")
        return x

    with pytest.raises(ValueError):
        flaky(1)
    assert counters(flaky) == (0, 1), (
        f"expected (hits, misses) == (0, 1) after a raising call, got {counters(flaky)}"
    )
    state["fail"] = False
    flaky(1)
    flaky(1)
    assert counters(flaky) == (1, 2), f"expected (hits, misses) == (1, 2), got {counters(flaky)}"


@pytest.mark.points(2)
def test_memoize_cache_clear():
    """cache_clear() empties the cache and resets hits and misses to 0."""
    calls = []

    @sub.memoize
    def square(x):
        calls.append(x)
        return x * x

    square(3)
    square(3)
    square(4)
    assert counters(square) == (1, 2), f"expected (hits, misses) == (1, 2), got {counters(square)}"
    assert square.cache_clear() is None, "expected cache_clear() to return None"
    assert counters(square) == (0, 0), f"expected counters reset to (0, 0), got {counters(square)}"
    assert square(3) == 9, "expected square(3) == 9"
    assert calls == [3, 4, 3], f"expected a real call after cache_clear, got calls {calls}"
    assert counters(square) == (0, 1), f"expected (hits, misses) == (0, 1), got {counters(square)}"


@pytest.mark.points(1)
def test_memoize_caches_are_independent():
    """Two memoized functions keep separate caches and counters."""

    @sub.memoize
    def double(x):
        return 2 * x

    @sub.memoize
    def triple(x):
        return 3 * x

    assert double(5) == 10, "expected double(5) == 10"
    assert triple(5) == 15, f"expected triple(5) == 15 (not double's cached value), got {triple(5)}"
    double(5)
    assert counters(double) == (1, 1), (
        f"expected double (hits, misses) == (1, 1), got {counters(double)}"
    )
    assert counters(triple) == (0, 1), (
        f"expected triple (hits, misses) == (0, 1), got {counters(triple)}"
    )


@pytest.mark.points(1)
def test_memoize_metadata_and_counter_types():
    """memoize keeps __name__, __doc__, __wrapped__ and starts with int counters at 0."""

    def original(x):
        """Doc."""
        return x

    cached = sub.memoize(original)
    assert cached.__name__ == "original", f"expected __name__ 'original', got {cached.__name__!r}"
    doc = doc_of(cached)
    assert doc == "Doc.", f"expected __doc__ 'Doc.', got {doc!r}"
    assert getattr(cached, "__wrapped__", None) is original, (
        "expected __wrapped__ to be the original"
    )
    assert type(cached.hits) is int and type(cached.misses) is int, (
        f"expected int counters, got {type(cached.hits)} and {type(cached.misses)}"
    )
    assert counters(cached) == (0, 0), f"expected (0, 0) before any call, got {counters(cached)}"
    cached(1)
    cached(1)
    assert type(cached.hits) is int and type(cached.misses) is int, "expected counters to stay ints"


# --------------------------------------------------------------------- retry


def _flaky(failures, error=ConnectionError):
    """A function that raises `error` on its first `failures` calls, then returns 'done'."""
    state = {"calls": 0, "raised": []}

    def func(*args, **kwargs):
        state["calls"] += 1
        if state["calls"] <= failures:
            exc = error(f"failure {state['calls']}")
            state["raised"].append(exc)
            raise exc
        return ("done", args, kwargs)

    return func, state


@pytest.mark.points(4)
@settings(max_examples=40)
@given(times=st.integers(1, 5), failures=st.integers(0, 6))
def test_retry_number_of_calls(times, failures):
    """retry calls the function until it succeeds, at most `times` times in total."""
    func, state = _flaky(failures)
    wrapped = sub.retry(times=times, exceptions=(ConnectionError,))(func)
    if failures < times:
        got = wrapped(1, k=2)
        assert got == ("done", (1,), {"k": 2}), f"expected the result to pass through, got {got!r}"
    else:
        with pytest.raises(ConnectionError):
            wrapped(1, k=2)
    expected = min(failures + 1, times)
    assert state["calls"] == expected, (
        f"times={times}, {failures} failures: expected {expected} calls, got {state['calls']}"
    )


@pytest.mark.points(2)
def test_retry_reraises_last_exception():
    """When every try fails, the exception of the last try is re-raised."""
    func, state = _flaky(10, error=TimeoutError)
    wrapped = sub.retry(times=4, exceptions=(TimeoutError,))(func)
    with pytest.raises(TimeoutError) as info:
        wrapped()
    assert state["calls"] == 4, f"expected 4 calls, got {state['calls']}"
    assert info.value is state["raised"][-1], (
        f"expected the last exception ({state['raised'][-1]!r}), got {info.value!r}"
    )


@pytest.mark.points(2)
def test_retry_other_exceptions_propagate_at_once():
    """An exception not in `exceptions` propagates after the first call, without retrying."""
    func, state = _flaky(10, error=KeyError)
    wrapped = sub.retry(times=5, exceptions=(ConnectionError, TimeoutError))(func)
    with pytest.raises(KeyError) as info:
        wrapped()
    assert state["calls"] == 1, f"expected 1 call for an unlisted exception, got {state['calls']}"
    assert info.value is state["raised"][0], "expected the original exception object"

    class Abort(BaseException):
        pass

    abort, abort_state = _flaky(10, error=Abort)
    with pytest.raises(Abort):
        sub.retry(times=5)(abort)()
    assert abort_state["calls"] == 1, (
        f"expected a BaseException (not an Exception) to propagate at once with the default "
        f"exceptions, got {abort_state['calls']} calls"
    )


@pytest.mark.points(1)
def test_retry_subclasses_and_single_class():
    """Subclasses of a listed exception are retried; a single class works like a 1-tuple."""
    func, state = _flaky(2, error=ConnectionResetError)
    assert sub.retry(times=3, exceptions=(OSError,))(func)()[0] == "done", "expected success"
    assert state["calls"] == 3, f"expected 3 calls, got {state['calls']}"
    func, state = _flaky(1, error=ValueError)
    assert sub.retry(times=2, exceptions=ValueError)(func)()[0] == "done", (
        "expected exceptions=ValueError (a single class) to be retried"
    )
    assert state["calls"] == 2, f"expected 2 calls, got {state['calls']}"


@pytest.mark.points(1)
def test_retry_defaults():
    """retry() defaults: 3 tries in total, retrying any Exception."""
    func, state = _flaky(10, error=ArithmeticError)
    with pytest.raises(ArithmeticError):
        sub.retry()(func)()
    assert state["calls"] == 3, f"expected 3 calls with the default times, got {state['calls']}"
    func, state = _flaky(2, error=LookupError)
    assert sub.retry()(func)()[0] == "done", "expected success on the third try"


@pytest.mark.points(2)
def test_retry_sleeps_between_tries():
    """delay seconds are slept between two tries (twice for three tries)."""
    delay = 0.06
    func, state = _flaky(2)
    wrapped = sub.retry(times=3, exceptions=(ConnectionError,), delay=delay)(func)
    start = time.perf_counter()
    wrapped()
    elapsed = time.perf_counter() - start
    assert state["calls"] == 3, f"expected 3 calls, got {state['calls']}"
    assert elapsed >= 2 * delay - 0.01, (
        f"expected at least {2 * delay} s for 2 sleeps of {delay} s, took {elapsed:.4f} s"
    )


@pytest.mark.points(2)
def test_retry_no_sleep_before_first_or_after_last_try():
    """No sleep before the first try or after the last one."""
    delay = 0.5
    func, state = _flaky(0)
    start = time.perf_counter()
    sub.retry(times=3, delay=delay)(func)()
    first_ok = time.perf_counter() - start
    assert first_ok < delay / 2, (
        f"a call that succeeds at once must not sleep; took {first_ok:.4f} s with delay={delay}"
    )
    func, state = _flaky(10)
    start = time.perf_counter()
    with pytest.raises(ConnectionError):
        sub.retry(times=1, delay=delay)(func)()
    only_try = time.perf_counter() - start
    assert only_try < delay / 2, (
        f"times=1 must not sleep after its only try; took {only_try:.4f} s with delay={delay}"
    )


@pytest.mark.points(2)
def test_retry_invalid_arguments():
    """retry(times < 1) and retry(delay < 0) raise ValueError when retry(...) is called."""
    for kwargs in ({"times": 0}, {"times": -2}, {"delay": -0.1}):
        with pytest.raises(ValueError):
            sub.retry(**kwargs)
    assert callable(sub.retry(times=1, delay=0)), "expected retry(times=1, delay=0) to be valid"


@pytest.mark.points(1)
def test_retry_preserves_metadata():
    """The retry wrapper keeps __name__, __doc__ and __wrapped__."""

    def fetch():
        """Fetch something."""
        return 1

    wrapped = sub.retry(times=2)(fetch)
    assert wrapped.__name__ == "fetch", f"expected __name__ 'fetch', got {wrapped.__name__!r}"
    doc = doc_of(wrapped)
    assert doc == "Fetch something.", f"expected the docstring, got {doc!r}"
    assert getattr(wrapped, "__wrapped__", None) is fetch, "expected __wrapped__ to be the original"
    assert wrapped() == 1, "expected the return value to pass through"
