"""Reference answer for the ``decorators`` exercise: timing, caching, retrying."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any


def timer(
    func: Callable | None = None,
    *,
    logger: logging.Logger | None = None,
    level: int = logging.INFO,
) -> Callable:
    """Time every call of ``func`` and log its duration.

    Usable bare (``@timer``) or with keyword options (``@timer()``,
    ``@timer(logger=log, level=logging.DEBUG)``). The wrapper exposes
    ``last_elapsed``: the duration in seconds of the most recent call (also of
    one that raised), ``None`` before the first call. Each call emits exactly
    one record at ``level`` on ``logger`` (default:
    ``logging.getLogger(func.__module__)``) naming ``func.__qualname__``.
    """

    def decorate(fn: Callable) -> Callable:
        log = logger if logger is not None else logging.getLogger(fn.__module__)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                wrapper.last_elapsed = elapsed
                log.log(level, "%s took %.6f s", fn.__qualname__, elapsed)

        wrapper.last_elapsed = None
        return wrapper

    if func is None:
        return decorate
    return decorate(func)


def memoize(func: Callable) -> Callable:
    """Cache the results of ``func`` by its positional and keyword arguments.

    Keyword order does not matter. A call with an unhashable argument goes
    straight to ``func`` and counts as neither hit nor miss. A call that
    raises counts as a miss and caches nothing. The wrapper exposes integer
    counters ``hits`` and ``misses`` and ``cache_clear()``.
    """
    cache: dict[Any, Any] = {}

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            key = (args, tuple(kwargs.items()))
            hash(key)
        except TypeError:  # an unhashable argument: call through, uncounted
            return func(*args, **kwargs)
        if key in cache:
            wrapper.hits += 1
            return cache[key]
        wrapper.misses += 1
        result = func(*args, **kwargs)
        cache[key] = result
        return result

    def cache_clear() -> None:
        cache.clear()
        wrapper.hits = 0
        wrapper.misses = 0

    wrapper.hits = 0
    wrapper.misses = 0
    wrapper.cache_clear = cache_clear
    return wrapper


def retry(
    times: int = 3,
    exceptions: type[BaseException] | tuple[type[BaseException], ...] = (Exception,),
    delay: float = 0.0,
) -> Callable[[Callable], Callable]:
    """Decorator factory: retry a call while it raises one of ``exceptions``.

    The function is called at most ``times`` times in total, with ``delay``
    seconds of sleep between two tries (never before the first or after the
    last). When every try failed, the last exception is re-raised; an
    exception not listed in ``exceptions`` propagates at once.
    """
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times!r}")
    if delay < 0:
        raise ValueError(f"delay must be non-negative, got {delay!r}")

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for _ in range(times - 1):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    time.sleep(delay)
            return func(*args, **kwargs)  # the last try: whatever it raises propagates

        return wrapper

    return decorate
