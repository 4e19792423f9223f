"""Example tests for the decorators exercise (the graded suite is more thorough)."""

import logging
import time

import decorators
import pytest


def test_timer_bare_sets_last_elapsed():
    @decorators.timer
    def slow():
        time.sleep(0.05)
        return 42

    assert slow() == 42
    assert isinstance(slow.last_elapsed, float)
    assert slow.last_elapsed >= 0.04


def test_timer_logs_one_record(caplog):
    log = logging.getLogger("public.timer")

    @decorators.timer(logger=log, level=logging.WARNING)
    def step():
        return "ok"

    with caplog.at_level(logging.DEBUG, logger="public.timer"):
        step()
    records = [r for r in caplog.records if r.name == "public.timer"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert step.__qualname__ in records[0].getMessage()


def test_memoize_counts_hits_and_misses():
    @decorators.memoize
    def square(x):
        return x * x

    assert square(3) == 9
    assert square(3) == 9
    assert (square.hits, square.misses) == (1, 1)
    square.cache_clear()
    assert (square.hits, square.misses) == (0, 0)


def test_retry_calls_until_success():
    calls = []

    @decorators.retry(times=3, exceptions=(ConnectionError,))
    def download():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("try again")
        return "data"

    assert download() == "data"
    assert len(calls) == 3


def test_retry_rejects_zero_times():
    with pytest.raises(ValueError):
        decorators.retry(times=0)
