"""Redis clients that fail fast: a hung Redis (a stopped process, a dead network path) costs milliseconds.

redis-py waits for a reply without limit unless told otherwise, and its clients retry a timed-out command
up to ten times with growing pauses: a Redis that accepts connections but never answers held every request
for seconds. Every Redis client of the app (the session store, Flask-Limiter's storage, the health check) is
made with :func:`fail_fast_options`: connect and read timeouts of ``REDIS_TIMEOUT`` seconds and no retries.
After a failure the session store leaves Redis alone for ``REDIS_RETRY_SECONDS`` (:class:`Breaker`), so only
one request in that time pays the timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

#: Seconds to wait for Redis to accept a connection or answer a command (``REDIS_TIMEOUT``).
DEFAULT_TIMEOUT = 0.05
#: Seconds to leave Redis alone after it failed (``REDIS_RETRY_SECONDS``).
DEFAULT_PAUSE = 5.0


def is_redis_url(url: object) -> bool:
    """Whether ``url`` names a Redis server (``redis://``, ``rediss://`` or ``unix://``)."""
    return isinstance(url, str) and url.startswith(("redis://", "rediss://", "unix://"))


def fail_fast_options(timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Keyword arguments for ``redis.Redis``/``redis.from_url``: connect and read timeouts, no retries."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_timeout": timeout, "socket_connect_timeout": timeout, "retry": Retry(NoBackoff(), 0)}


def fail_fast_client(url: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
    """A ``redis.Redis`` client for ``url`` with :func:`fail_fast_options`."""
    import redis

    return redis.Redis.from_url(url, **fail_fast_options(timeout))


def ping(client: Any) -> bool:
    """Whether the Redis behind ``client`` answers ``PING`` within the client's timeout."""
    import redis

    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


class Breaker:
    """Leave a failing service alone for ``pause`` seconds after a failure, then let one call try again.

    Thread-safe. ``allow()`` before a call; ``failed()`` or ``succeeded()`` after it.
    """

    def __init__(self, pause: float = DEFAULT_PAUSE, clock: Callable[[], float] = time.monotonic):
        self.pause, self.clock = pause, clock
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Whether a call may go to the service now (at most one caller gets through when a pause ends)."""
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
