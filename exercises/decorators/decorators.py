"""Timing, caching and retrying decorators.

Fill in the three functions below. See prompt.md for the full contract.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

__all__ = ["memoize", "retry", "timer"]


def timer(
    func: Callable | None = None,
    *,
    logger: logging.Logger | None = None,
    level: int = logging.INFO,
) -> Callable:
    """Time every call of ``func`` and log its duration.

    Usable bare (``@timer``) and with keyword options (``@timer()``,
    ``@timer(logger=my_logger, level=logging.DEBUG)``).

    The wrapper returns what ``func`` returns and lets any exception pass
    through unchanged. After every call, also one that raises,
    ``wrapper.last_elapsed`` holds the call's duration in seconds as a float,
    measured with ``time.perf_counter`` (``None`` before the first call).
    Each call emits exactly one log record at ``level`` on ``logger``
    (default ``logging.getLogger(func.__module__)``) whose message contains
    ``func.__qualname__``. Metadata is kept as ``functools.wraps`` does.
    Works on methods.
    """
    raise NotImplementedError


def memoize(func: Callable) -> Callable:
    """Cache the results of ``func`` by its positional and keyword arguments.

    Keyword order does not matter. When any argument is unhashable the call
    goes straight to ``func`` and counts as neither hit nor miss. Exceptions
    are not cached (a call that raises counts as a miss). The wrapper exposes
    the int counters ``hits`` and ``misses`` and ``cache_clear()``, which
    empties the cache and resets both counters to 0.
    """
    raise NotImplementedError


def retry(
    times: int = 3,
    exceptions: type[BaseException] | tuple[type[BaseException], ...] = (Exception,),
    delay: float = 0.0,
) -> Callable[[Callable], Callable]:
    """Decorator factory: retry a call while it raises one of ``exceptions``.

    The decorated function is called up to ``times`` times in total while it
    raises one of ``exceptions``, sleeping ``delay`` seconds between two
    tries; when every try failed the last exception is re-raised. Any other
    exception propagates at once. ``times < 1`` or ``delay < 0`` raises
    ``ValueError`` when ``retry(...)`` itself is called.
    """
    raise NotImplementedError
