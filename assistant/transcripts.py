"""The conversations of the chat page without JavaScript, kept on the server per session.

The page posts a question, is redirected to ``/?s=<session>`` (POST–redirect–GET) and shows the whole
exchange from here, so Back and Reload never post again. Visitor text is masked (:func:`assistant.masking.mask`)
before it is stored; a conversation is forgotten after the session's inactivity time (``SESSION_TTL``).
In memory for one process, in Redis (``SESSION_STORE_URL``) when workers share sessions.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol

from .masking import mask

log = logging.getLogger(__name__)

#: Exchanges kept per conversation (the oldest go first).
MAX_EXCHANGES = 20
#: The reply fields the page shows.
REPLY_FIELDS = ("answer", "lang", "source", "contact", "reply_id", "intent", "fallback", "id", "suggestions",
                "refer_to")


def exchange(question: str, reply: dict[str, Any]) -> dict[str, Any]:
    """One stored exchange: the question masked and the reply's shown fields."""
    return {"question": mask(question), "reply": {name: reply.get(name) for name in REPLY_FIELDS}}


class TranscriptStore(Protocol):
    """Where the no-JS page keeps its conversations."""

    def append(self, session: str, item: dict[str, Any]) -> None:
        """Add an exchange to ``session`` and restart its inactivity clock."""

    def get(self, session: str) -> list[dict[str, Any]]:
        """The exchanges of ``session``, oldest first (empty when unknown or expired)."""


class MemoryTranscriptStore:
    """Conversations in this process's memory, at most ``max_sessions`` (least recently used go first)."""

    def __init__(self, ttl: float = 1800.0, max_sessions: int = 10_000, clock=time.monotonic):
        self.ttl, self.max_sessions, self.clock = ttl, max_sessions, clock
        self._data: OrderedDict[str, tuple[float, list[dict[str, Any]]]] = OrderedDict()
        self._lock = threading.Lock()

    def append(self, session: str, item: dict[str, Any]) -> None:
        """Add an exchange to ``session`` and restart its inactivity clock."""
        with self._lock:
            items = [*self._fresh(session), item][-MAX_EXCHANGES:]
            self._data[session] = (self.clock(), items)
            self._data.move_to_end(session)
            while len(self._data) > self.max_sessions:
                self._data.popitem(last=False)

    def get(self, session: str) -> list[dict[str, Any]]:
        """The exchanges of ``session``, oldest first (empty when unknown or expired)."""
        with self._lock:
            return list(self._fresh(session))

    def _fresh(self, session: str) -> list[dict[str, Any]]:
        stamp, items = self._data.get(session, (0.0, []))
        if items and self.clock() - stamp > self.ttl:
            del self._data[session]
            return []
        return items


class RedisTranscriptStore:
    """Conversations as Redis lists, shared by every worker; Redis expires them.

    While Redis cannot be reached the page still answers, showing only the newest exchange.
    """

    def __init__(self, url: str, ttl: int = 1800, prefix: str = "forsoksassistenten:transcript:"):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.ttl, self.prefix = ttl, prefix
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)

    def append(self, session: str, item: dict[str, Any]) -> None:
        """Add an exchange to ``session`` and restart its inactivity clock (skipped while Redis is away)."""
        key = self.prefix + session
        try:
            self.client.pipeline().rpush(key, json.dumps(item, ensure_ascii=False)).ltrim(key, -MAX_EXCHANGES, -1) \
                .expire(key, self.ttl).execute()
        except self._errors as exc:
            log.warning("Samtalelageret (Redis) er utilgjengelig: %s", type(exc).__name__)

    def get(self, session: str) -> list[dict[str, Any]]:
        """The exchanges of ``session``, oldest first (empty when unknown, expired or Redis is away)."""
        try:
            return [json.loads(raw) for raw in self.client.lrange(self.prefix + session, 0, -1)]
        except self._errors as exc:
            log.warning("Samtalelageret (Redis) er utilgjengelig: %s", type(exc).__name__)
            return []


def transcript_store(url: str | None = None, ttl: int = 1800) -> TranscriptStore:
    """A Redis store when ``url`` is a ``redis://`` URL, else an in-memory one."""
    return RedisTranscriptStore(url, ttl) if url else MemoryTranscriptStore(ttl)
