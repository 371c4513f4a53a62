"""The question log's spool: records waiting on this host's disk until the database takes them.

One SQLite file per host and database (in the instance folder unless ``LOG_SPOOL_DIR`` says otherwise), shared
by every worker on the host. A record the database could not take is committed here, with an fsync
(``synchronous=FULL``), *before* the visitor gets its ``reply_id``: a worker that is killed (``kill -9``) or
reloaded (``kill -HUP``) during an outage loses nothing. Any worker drains the spool, oldest first and one
worker at a time (a lock file next to it); a record leaves the spool only after the database has committed
it, and the database skips a ``reply_id`` it already holds, so a crash between the two stores nothing twice.
The file also counts the records that were lost (the spool was full, or the database refused a record), for
every worker on the host and across restarts.

The file holds masked questions only (the log masks before it stores anything) and is created 0600.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, reply_id TEXT NOT NULL UNIQUE,
                                  row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_DATETIMES = ("created_at", "feedback_at")
#: Seconds a spool statement waits for another worker's transaction on the file.
BUSY_TIMEOUT = 10.0


def spool_name(database_url: str) -> str:
    """The spool's file name for the log database at ``database_url`` (one spool per host and database)."""
    return f"log-spool-{hashlib.sha256(database_url.encode()).hexdigest()[:16]}.sqlite3"


def create_private(path: str | os.PathLike[str]) -> None:
    """Create ``path`` empty and readable by its owner only (0600), unless it exists already.

    Only a missing file is opened (``O_EXCL``): closing a descriptor of a file that is open in SQLite elsewhere
    in the process would release every POSIX lock the process holds on it, and SQLite's locking with it (the
    spool then failed with "disk I/O error" when a new thread opened its connection during a drain).
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _encode(row: dict[str, Any]) -> str:
    return json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()},
                      ensure_ascii=False)


def _decode(text: str) -> dict[str, Any]:
    row = json.loads(text)
    for key in _DATETIMES:
        if row.get(key) is not None:
            row[key] = datetime.fromisoformat(row[key])
    return row


class Spool:
    """The spool file at ``path``, holding at most ``capacity`` records.

    Safe to share between threads and between processes (each process and thread opens its own connection;
    a process forked from one that used the spool opens new ones). Raises :class:`sqlite3.Error` when the
    file cannot be used.
    """

    def __init__(self, path: Path, capacity: int):
        self.path, self.capacity = Path(path), capacity
        self._local = threading.local()
        self._drain_lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._local.pid == os.getpid():
            return connection
        self.path.parent.mkdir(parents=True, exist_ok=True)
        create_private(self.path)
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")  # every commit is fsynced before the visitor gets an answer
        connection.executescript(_SCHEMA)
        self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def add(self, row: dict[str, Any]) -> bool:
        """Commit ``row`` (a log record with its ``reply_id``) to disk; False (and counted as dropped) when full."""
        with self._transaction() as connection:
            (count,) = connection.execute("SELECT COUNT(*) FROM spool").fetchone()
            if count >= self.capacity:
                self._count(connection, "dropped", 1)
                return False
            connection.execute("INSERT OR IGNORE INTO spool (reply_id, row) VALUES (?, ?)",
                               (row["reply_id"], _encode(row)))
        return True

    def pending(self) -> int:
        """How many records wait in the spool (all workers on this host)."""
        return self._connection().execute("SELECT COUNT(*) FROM spool").fetchone()[0]

    def oldest(self, limit: int) -> list[dict[str, Any]]:
        """The ``limit`` oldest records, oldest first."""
        rows = self._connection().execute("SELECT row FROM spool ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [_decode(text) for (text,) in rows]

    def remove(self, reply_ids: list[str]) -> None:
        """Take the records with ``reply_ids`` out of the spool (once the database holds them, or refused them)."""
        with self._transaction() as connection:
            connection.executemany("DELETE FROM spool WHERE reply_id = ?", [(i,) for i in reply_ids])

    def count_dropped(self, n: int = 1) -> None:
        """Count ``n`` more lost records."""
        with self._transaction() as connection:
            self._count(connection, "dropped", n)

    def dropped(self) -> int:
        """How many records were lost on this host since the spool file was made."""
        row = self._connection().execute("SELECT value FROM counters WHERE name = 'dropped'").fetchone()
        return row[0] if row else 0

    @staticmethod
    def _count(connection: sqlite3.Connection, name: str, n: int) -> None:
        connection.execute("INSERT INTO counters (name, value) VALUES (?, ?) "
                           "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value", (name, n))

    @contextlib.contextmanager
    def draining(self, wait: bool) -> Iterator[bool]:
        """Hold the right to drain (one thread of one process on the host at a time); yields whether it was got.

        ``wait``: wait for another drainer to finish instead of yielding False at once.
        """
        if not self._drain_lock.acquire(blocking=wait):
            yield False
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                yield True
            finally:
                os.close(fd)  # releases the lock; so does the process's end, so a killed drainer blocks nobody
        finally:
            self._drain_lock.release()
