"""Flask-Limiter's Redis storage with one round trip per limit and request, headers included.

Flask-Limiter's fixed window counts a request with one script call (``INCRBY``, and ``EXPIRE`` on the window's
first hit), then, for the ``X-RateLimit-*`` headers, reads the counter (``GET``) and its time to live (``TTL``)
again: three round trips for every question. :class:`CountingRedisStorage` has its script return the count and
the time to live together and keeps them for the rest of the request (in :data:`flask.g`), so the headers' reads
of a key counted in this request cost nothing; outside a request, or for a key not counted in it, they ask Redis
as before. The headers say what they said before: the count after this request's hit, and the window's end.

:func:`counting_uri` selects it for a ``redis://``, ``rediss://`` or ``unix://`` storage URI.
"""

from __future__ import annotations

import time
from typing import ClassVar

import flask
from limits.storage import RedisStorage

PREFIX = "assistant+"

#: INCRBY, EXPIRE on the window's first hit (as limits' own script), and the count with the seconds left.
_INCR_WINDOW = """
local current = redis.call("incrby", KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


def counting_uri(uri: str) -> str:
    """The storage URI that selects :class:`CountingRedisStorage` for the Redis at ``uri``."""
    return PREFIX + uri


def _request_windows() -> dict[str, tuple[int, float]] | None:
    """This request's counted windows (key: count, end), or None outside a request."""
    if not flask.has_request_context():
        return None
    return flask.g.setdefault("rate_limit_windows", {})


class CountingRedisStorage(RedisStorage):
    """:class:`limits.storage.RedisStorage` whose ``incr`` also tells the request the count and the window's end.

    Made by Flask-Limiter from a :func:`counting_uri` with the app's guarded connection pool
    (:func:`assistant.redis_clients.guarded_pool`); errors and the in-memory fallback are Flask-Limiter's, as before.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = [PREFIX + scheme for scheme in ("redis", "rediss", "unix")]

    def initialize_storage(self, uri: str) -> None:
        """Register limits' scripts and this one."""
        super().initialize_storage(uri)
        self.lua_incr_window = self.get_connection().register_script(_INCR_WINDOW)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter of ``key`` (a window of ``expiry`` seconds from its first hit); the count."""
        count, ttl = self.lua_incr_window([self.prefixed_key(key)], [expiry, amount])
        windows = _request_windows()
        if windows is not None:
            windows[key] = (int(count), max(int(ttl), 0) + time.time())
        return int(count)

    def get(self, key: str) -> int:
        """The counter of ``key``: as counted in this request, else from Redis."""
        window = (_request_windows() or {}).get(key)
        return window[0] if window else super().get(key)

    def get_expiry(self, key: str) -> float:
        """When the window of ``key`` ends (a Unix time): as counted in this request, else from Redis."""
        window = (_request_windows() or {}).get(key)
        return window[1] if window else super().get_expiry(key)

    def clear(self, key: str) -> None:
        """Reset the counter of ``key``."""
        (_request_windows() or {}).pop(key, None)
        super().clear(key)
