"""Redis clients that fail fast: a hung Redis (a stopped process, a dead network path) costs milliseconds.

redis-py waits for a reply without limit unless told otherwise, and its clients retry a timed-out command
up to ten times with growing pauses: a Redis that accepted connections but never answered held every request
for seconds. Every Redis client of the app is made here:

- connect and read timeouts of ``REDIS_TIMEOUT`` seconds and no retries (:func:`fail_fast_options`);
- the session store and Flask-Limiter's storage share one :class:`Breaker` per Redis server in each process
  (:func:`guarded_pool`): after a connection or a read failed, their calls fail at once for
  ``REDIS_RETRY_SECONDS``, then one call tries again. So a hung Redis costs one request in a worker one
  timeout per pause, whichever of the two met it first, and every other request nothing;
- ``/api/health`` pings through a client of its own that is not held back (:class:`RedisCheck`), so it reports
  what Redis does now; its answer also ends or starts a pause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry

#: Seconds to wait for Redis to accept a connection or answer a command (``REDIS_TIMEOUT``).
DEFAULT_TIMEOUT = 0.05
#: Seconds to leave Redis alone after it failed (``REDIS_RETRY_SECONDS``).
DEFAULT_PAUSE = 5.0


def is_redis_url(url: object) -> bool:
    """Whether ``url`` names a Redis server (``redis://``, ``rediss://`` or ``unix://``)."""
    return isinstance(url, str) and url.startswith(("redis://", "rediss://", "unix://"))


def fail_fast_options(timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Keyword arguments for redis-py clients and pools: connect and read timeouts, no retries."""
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout, "retry": Retry(NoBackoff(), 0)}


class Breaker:
    """Leave a failing service alone for ``pause`` seconds after a failure, then let one call try again.

    Thread-safe. ``allow()`` before a call; ``failed()`` or ``succeeded()`` after it.
    """

    def __init__(self, pause: float = DEFAULT_PAUSE, clock: Callable[[], float] = time.monotonic):
        self.pause, self.clock = pause, clock
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Whether a call may go to the service now (one caller gets through when a pause ends)."""
        with self._lock:
            now = self.clock()
            if now < self._open_until:
                return False
            if self._open_until:  # a pause just ended: this caller tries, the others wait for its result
                self._open_until = now + self.pause
            return True

    def failed(self) -> None:
        """The service failed: pause."""
        with self._lock:
            self._open_until = self.clock() + self.pause

    def succeeded(self) -> None:
        """The service answered: no pause."""
        with self._lock:
            self._open_until = 0.0

    @property
    def paused(self) -> bool:
        """Whether calls are being held back now."""
        with self._lock:
            return self.clock() < self._open_until


_breakers: dict[tuple[Any, ...], Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(url: str, pause: float = DEFAULT_PAUSE) -> Breaker:
    """The breaker of the Redis server ``url`` points at, shared by this process's clients of that server.

    Clients of different databases on one server (``/0`` and ``/1``) share it: the server is what hangs.
    """
    options = parse_url(url)
    key = (options.get("path") or options.get("host", "localhost"), options.get("port", 6379))
    with _breakers_lock:
        return _breakers.setdefault(key, Breaker(pause))


_FAILURES = (redis.ConnectionError, redis.TimeoutError, OSError)


class Paused(redis.ConnectionError):
    """Redis is left alone for a while after a failure (see :class:`Breaker`)."""


class _Reporting:
    """Mixed into a redis-py connection class: tells its server's breaker how connecting and reading went."""

    def __init__(self, *args: Any, breaker: Breaker, **kwargs: Any):
        self._breaker = breaker
        super().__init__(*args, **kwargs)

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        """Connect (redis-py's), reporting a failure."""
        try:
            return super().connect(*args, **kwargs)  # type: ignore[misc]
        except _FAILURES:
            self._breaker.failed()
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        """Read a reply (redis-py's), reporting a failure or an answer."""
        try:
            response = super().read_response(*args, **kwargs)  # type: ignore[misc]
        except _FAILURES:
            self._breaker.failed()
            raise
        self._breaker.succeeded()
        return response


class GuardedPool(redis.ConnectionPool):
    """A connection pool that raises :class:`Paused` at once while its server's breaker pauses."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.breaker: Breaker = kwargs["breaker"]  # also handed to each connection (:class:`_Reporting`)
        super().__init__(*args, **kwargs)

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        """A connection, unless Redis is being left alone."""
        if not self.breaker.allow():
            raise Paused(f"Redis svarte ikke; prøver igjen om inntil {self.breaker.pause:g} s")
        return super().get_connection(*args, **kwargs)


def guarded_pool(url: str, timeout: float = DEFAULT_TIMEOUT, pause: float = DEFAULT_PAUSE) -> GuardedPool:
    """A :class:`GuardedPool` for ``url`` with :func:`fail_fast_options` and its server's :func:`breaker_for`."""
    base = parse_url(url).get("connection_class", redis.Connection)
    connection_class = type(f"Reporting{base.__name__}", (_Reporting, base), {})
    return GuardedPool.from_url(url, connection_class=connection_class, breaker=breaker_for(url, pause),
                                **fail_fast_options(timeout))


class RedisCheck:
    """``/api/health``'s check of the Redis at ``url``: a ``PING`` within ``timeout``, never held back by a pause.

    Its answer ends the server's pause (Redis is back) or starts one.
    """

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT, pause: float = DEFAULT_PAUSE):
        self.client = redis.Redis.from_url(url, **fail_fast_options(timeout))
        self.breaker = breaker_for(url, pause)

    def __call__(self) -> bool:
        """Whether Redis answered ``PING`` in time."""
        try:
            answered = bool(self.client.ping())
        except (redis.RedisError, OSError):
            answered = False
        (self.breaker.succeeded if answered else self.breaker.failed)()
        return answered
