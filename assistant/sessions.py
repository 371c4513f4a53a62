"""Conversation state between turns, behind a small store interface.

A session holds no personal data: only the entry the conversation is about, the målform the
visitor asked for, the målform of the last reply, and how many fallbacks came in a row. The
store is in memory by default (one process) and Redis when several workers or hosts share
sessions. State expires after ``ttl`` seconds of inactivity: reading it and writing it both restart
the clock, so a conversation whose state a message leaves unchanged is not written back
(:meth:`assistant.dialogue.Assistant.ask`; in Redis one round trip for such a message instead of two).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Protocol

import redis

from .ids import SESSION_ID
from .redis_clients import DEFAULT_PAUSE, DEFAULT_TIMEOUT, Paused, guarded_pool

log = logging.getLogger(__name__)


@dataclass
class SessionState:
    """What the assistant remembers about one conversation."""

    topic: str | None = None
    lang: str | None = None
    fails: int = 0
    last_lang: str | None = None


def new_session_id() -> str:
    """A fresh, unguessable session id."""
    return uuid.uuid4().hex


def valid_session_id(session: str) -> bool:
    """Whether ``session`` has the shape of a session id (8-64 letters, digits, ``-`` or ``_``)."""
    return SESSION_ID.fullmatch(session) is not None


class SessionStore(Protocol):
    """Where session state lives between turns."""

    def get(self, session: str) -> SessionState | None:
        """The state of ``session`` (restarting its inactivity clock), or None when it is unknown or expired."""

    def put(self, session: str, state: SessionState) -> None:
        """Save ``state`` and restart the inactivity clock."""


class MemorySessionStore:
    """Sessions in this process's memory, at most ``max_sessions`` of them (least recently used go first)."""

    def __init__(self, ttl: float = 1800.0, max_sessions: int = 50_000, clock=time.monotonic):
        self.ttl, self.max_sessions, self.clock = ttl, max_sessions, clock
        self._data: OrderedDict[str, tuple[float, SessionState]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: str) -> SessionState | None:
        """The state of ``session`` (restarting its inactivity clock), or None when it is unknown or expired."""
        with self._lock:
            item = self._data.get(session)
            if item is None:
                return None
            now = self.clock()
            if now - item[0] > self.ttl:
                del self._data[session]
                return None
            self._data[session] = (now, item[1])
            self._data.move_to_end(session)
            return SessionState(**asdict(item[1]))

    def put(self, session: str, state: SessionState) -> None:
        """Save ``state`` and restart the inactivity clock."""
        with self._lock:
            self._data[session] = (self.clock(), SessionState(**asdict(state)))
            self._data.move_to_end(session)
            while len(self._data) > self.max_sessions:
                self._data.popitem(last=False)


class RedisSessionStore:
    """Sessions in Redis, shared by every worker and host; Redis expires them.

    While Redis cannot be reached or does not answer, conversations lose their context (each message is answered
    on its own) instead of failing or waiting: ``get`` finds nothing and ``put`` is skipped, with a warning in the
    log. Every call gives up after ``timeout`` seconds, and after a failure Redis is left alone for ``pause``
    seconds (:func:`assistant.redis_clients.guarded_pool`), so a hung Redis costs one request one ``timeout``.
    """

    def __init__(self, url: str, ttl: int = 1800, prefix: str = "forsoksassistenten:session:",
                 timeout: float = DEFAULT_TIMEOUT, pause: float = DEFAULT_PAUSE):
        self.client = redis.Redis(connection_pool=guarded_pool(url, timeout, pause))
        self.url, self.ttl, self.prefix = url, ttl, prefix

    @staticmethod
    def _unavailable(exc: Exception) -> None:
        if not isinstance(exc, Paused):  # said once per failure, not on every call of the pause after it
            log.warning("Øktlageret (Redis) er utilgjengelig: %s", type(exc).__name__)

    def get(self, session: str) -> SessionState | None:
        """The state of ``session`` (restarting its inactivity clock), or None when it is unknown, expired or Redis
        is unreachable. One round trip: ``GET`` and ``EXPIRE`` in a pipeline (``GETEX`` needs Redis 6.2)."""
        key = self.prefix + session
        try:
            raw, _ = self.client.pipeline(transaction=False).get(key).expire(key, self.ttl).execute()
        except (redis.RedisError, OSError) as exc:
            self._unavailable(exc)
            return None
        return SessionState(**json.loads(raw)) if raw else None

    def put(self, session: str, state: SessionState) -> None:
        """Save ``state`` and restart the inactivity clock (skipped while Redis is unreachable)."""
        try:
            self.client.set(self.prefix + session, json.dumps(asdict(state)), ex=self.ttl)
        except (redis.RedisError, OSError) as exc:
            self._unavailable(exc)


def session_store(url: str | None = None, ttl: int = 1800, timeout: float = DEFAULT_TIMEOUT,
                  pause: float = DEFAULT_PAUSE) -> SessionStore:
    """A Redis store when ``url`` is a ``redis://`` URL (``timeout`` and ``pause`` as there), else an in-memory one."""
    if url:
        return RedisSessionStore(url, ttl, timeout=timeout, pause=pause)
    return MemorySessionStore(ttl)
