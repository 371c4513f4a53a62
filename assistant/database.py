"""The question log and feedback store: SQLite in the instance folder by default, PostgreSQL when configured.

One row per answered question: the time (UTC), a keyed hash of the session id (HMAC-SHA256 with the
app's ``SECRET_KEY``, so the raw id is never stored), the question *masked* by
:func:`assistant.masking.mask`, the kinds of personal data masked, the målform, the entry or intent
answered, the confidence and the fallback flag; later the visitor's feedback (helpful, masked comment,
time). No IP address, raw question or cookie is stored, and this module logs masked text only.

The schema is versioned with the Alembic migrations in ``assistant/migrations`` (configured in code, no
``alembic.ini``): :meth:`QuestionLog.migrate` runs them; every other method runs them first if they have
not run yet, so a log whose database was down at start-up heals once the database is back.

Errors: every method raises :class:`LogUnavailable` when the database cannot be reached or refuses the
operation; nothing is dropped silently. The caller (the API) decides how to degrade.

Outages: a log made with a ``spool`` file and ``queue_size`` > 0 (the app's log: ``LOG_QUEUE_SIZE``, the file in
the instance folder) commits the records it cannot store because the database is unreachable to that file on
local disk (:mod:`assistant.spool`, fsynced, shared by every worker on the host) before the visitor gets the
``reply_id``; while records wait there, new ones join them without waiting for the database. A background
thread in each worker that saw records waiting drains the spool every ``retry_seconds`` (``LOG_RETRY_SECONDS``)
until the database answers again, one worker at a time. Drained inserts skip a ``reply_id`` that is already
stored, and a record leaves the spool only after its insert committed, so each record is stored exactly once,
even when a worker is killed in the middle of a drain; a killed or restarted worker loses nothing. When the
spool is full a record is dropped, counted in ``dropped`` (in the spool file: for the whole host) and logged
as an error, and :meth:`QuestionLog.record` raises :class:`LogUnavailable`. :meth:`QuestionLog.status` reports
all this for ``GET /api/health``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.pool import StaticPool

from .config import DEFAULTS
from .ids import HEX_ID
from .masking import mask, mask_report
from .spool import Spool, create_private, spool_name

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
#: The SQLite file in the instance folder when no ``DATABASE_URL`` is configured.
DEFAULT_SQLITE_NAME = "questions.sqlite3"
_MIGRATION_LOCK_KEY = 0x666F72736F6B  # PostgreSQL advisory lock taken while migrating ("forsok")
#: Seconds to wait for a PostgreSQL connection unless the URL sets ``connect_timeout``.
PG_CONNECT_TIMEOUT = 5
#: Characters no database stores in text: NUL (PostgreSQL) and lone surrogates (not UTF-8).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
T = TypeVar("T")


class LogUnavailable(RuntimeError):
    """The question log's database could not be reached or refused the operation.

    Raised by :class:`QuestionLog` instead of losing a record silently; the database error is chained
    as ``__cause__`` (its text holds no statement parameters, and the question is masked before any
    statement is built anyway).
    """


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it as naive UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Convert to UTC; naive for SQLite, which has no time zones."""
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

#: The runtime view of the table; its schema is created and changed by the migrations only.
question_log = sa.Table(
    "question_log", metadata,
    sa.Column("reply_id", sa.String(32), primary_key=True),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("session_hash", sa.String(64)),
    sa.Column("question", sa.Text(), nullable=False),
    sa.Column("masked", sa.String(255), nullable=False, server_default=""),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("entry_id", sa.String(255)),
    sa.Column("intent", sa.String(255)),
    sa.Column("confidence", sa.Float(), nullable=False),
    sa.Column("fallback", sa.Boolean(), nullable=False),
    sa.Column("helpful", sa.Boolean()),
    sa.Column("comment", sa.Text()),
    sa.Column("feedback_at", UTCDateTime()),
)


@dataclass(frozen=True)
class Record:
    """One logged question, as stored (masked question, hashed session)."""

    reply_id: str
    created_at: datetime
    session_hash: str | None
    question: str
    masked: tuple[str, ...]
    lang: str
    entry_id: str | None
    intent: str | None
    confidence: float
    fallback: bool
    helpful: bool | None
    comment: str | None
    feedback_at: datetime | None


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def engine_url(url: str) -> sa.URL:
    """``url`` parsed; a bare ``postgres://``/``postgresql://`` URL gets the psycopg (3) driver."""
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration for the question log's migrations, built in code (no ``alembic.ini``).

    ``url`` is only needed when Alembic opens its own connection, e.g. for
    ``alembic.command.revision(alembic_config(url), "message", autogenerate=True)``.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", engine_url(url).render_as_string(hide_password=False))
    return config


def storable(text: str) -> str:
    """``text`` with the characters no database stores as text (NUL, lone surrogates) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _server_options(parsed: sa.URL) -> dict[str, Any]:
    """Engine options for a database server: parameters hidden; PostgreSQL gives up connecting after
    :data:`PG_CONNECT_TIMEOUT` seconds (unless the URL says otherwise)."""
    options: dict[str, Any] = {"hide_parameters": True}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        options["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT}
    return options


def _create_engine(url: str) -> sa.Engine:
    """An engine for ``url`` that never puts statement parameters in messages or logs.

    PostgreSQL: a connection attempt gives up after :data:`PG_CONNECT_TIMEOUT` seconds (unless the URL says
    otherwise), so an unreachable server cannot hold a request for minutes.
    SQLite: the file is created readable by its owner only (0600); WAL journal, and every transaction starts
    with ``BEGIN IMMEDIATE`` so that writers (and two processes migrating at once) wait for each other (up to the
    5 s busy timeout) instead of failing.
    """
    parsed = engine_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True, **_server_options(parsed))
    options: dict[str, Any] = {"hide_parameters": True, "pool_pre_ping": True}
    if parsed.database in (None, "", ":memory:"):
        options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        with contextlib.suppress(OSError):  # an unwritable folder shows up as LogUnavailable on first use
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, **options)
    if parsed.database not in (None, "", ":memory:"):
        @sa.event.listens_for(engine, "do_connect")
        def _private(*_args: Any) -> None:
            """Create the file readable by its owner only (it holds the editors' password hashes) before SQLite
            opens it; SQLite gives its -wal and -shm files the same mode."""
            with contextlib.suppress(OSError):
                create_private(parsed.database)

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun by _begin, not by the driver
        with contextlib.suppress(sqlite3.OperationalError):  # busy (another writer): a later connection sets it
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_writer(url: str) -> sa.Engine | None:
    """The engine of :meth:`QuestionLog.record` on a database server: each insert is one autocommitted statement
    (one round trip instead of four: no ping, ``BEGIN`` or ``COMMIT``). None for SQLite (in process: no round
    trips to save), whose writes keep their ``BEGIN IMMEDIATE``.

    Without the ping, a pooled connection that the server closed fails on use: :meth:`QuestionLog.record` then
    tries once more on a new connection (the pool is refilled after a disconnect).
    """
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    return sa.create_engine(parsed, isolation_level="AUTOCOMMIT", pool_pre_ping=False, **_server_options(parsed))


def _disconnected(exc: LogUnavailable) -> bool:
    """Whether the statement failed because its pooled connection was gone (the server restarted or closed it)."""
    return bool(getattr(exc.__cause__, "connection_invalidated", False))


def _transient(exc: LogUnavailable) -> bool:
    """Whether the database could not be reached (worth retrying), rather than refusing the statement."""
    cause = exc.__cause__
    return isinstance(cause, sa.exc.OperationalError | sa.exc.InterfaceError) or bool(
        getattr(cause, "connection_invalidated", False))


#: The insert of one new record: one statement object, so SQLAlchemy compiles it once (its cache key is constant).
_INSERT = question_log.insert()


@functools.cache
def _insert_new_for(dialect: str) -> sa.Insert:
    """The insert of :func:`_insert_new` for the dialect named ``dialect`` (made once per dialect)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return _INSERT
    return insert(question_log).on_conflict_do_nothing(index_elements=["reply_id"])


def _insert_new(connection: sa.Connection) -> sa.Insert:
    """An insert into the log that skips a ``reply_id`` already stored (a retry after a lost commit reply)."""
    return _insert_new_for(connection.dialect.name)


class QuestionLog:
    """The question log over the database at ``url`` (any SQLAlchemy URL; SQLite or PostgreSQL).

    ``secret`` keys the session hash (the app passes ``SECRET_KEY``); without one a random key is made,
    so sessions can be linked only within this process. ``clock`` returns the current aware time
    (tests pass a fake one). Creating a log does not connect; see :meth:`migrate`. With a ``spool`` file
    and ``queue_size`` > 0, up to that many records wait in the spool while the database is unreachable
    and are stored every ``retry_seconds`` once it answers (see the module docstring).
    """

    def __init__(self, url: str, secret: str | None = None, *, clock: Callable[[], datetime] = utcnow,
                 queue_size: int = 0, retry_seconds: float = float(DEFAULTS["LOG_RETRY_SECONDS"]),
                 spool: str | os.PathLike[str] | None = None):
        self.url = url
        self.engine = _create_engine(url)
        self._writer = _create_writer(url)
        self.clock = clock
        self._secret = (secret or secrets.token_hex(32)).encode()
        self._migrated = False
        self._lock = threading.Lock()
        #: The last UTC day on which :func:`purge_if_due` ran (per process).
        self.purged_on: date | None = None
        self.queue_size, self.retry_seconds = queue_size, retry_seconds
        #: Whether the last statement reached the database (None before the first one).
        self.available: bool | None = None
        #: Where records wait while the database is unreachable (None: nowhere, they are not stored).
        self.spool = Spool(Path(spool), queue_size) if spool is not None and queue_size > 0 else None
        self._retrier: threading.Thread | None = None
        self._retrier_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"QuestionLog({engine_url(self.url).render_as_string(hide_password=True)!r})"

    def migrate(self) -> None:
        """Bring the schema up to the newest Alembic revision (creating it in an empty database).

        Raises :class:`LogUnavailable` when the database cannot be reached.
        """
        config = alembic_config()
        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except sa.exc.SQLAlchemyError as exc:
            logger.warning("Spørsmålsloggen kunne ikke migreres: %s", _describe(exc))
            raise LogUnavailable("the question log's database could not be migrated") from exc
        self._migrated = True

    def dispose(self) -> None:
        """Close the pooled connections (before a fork: a worker process must never share one with another)."""
        self.engine.dispose()
        if self._writer is not None:
            self._writer.dispose()

    def _execute(self, work: Callable[[sa.Connection], T], *, single: bool = False) -> T:
        """Run ``work`` in a transaction (migrating first if needed) and note whether the database answered.

        ``single``: ``work`` is one statement, autocommitted on a database server (see :func:`_create_writer`).
        """
        try:
            if not self._migrated:
                with self._lock:
                    if not self._migrated:
                        self.migrate()
            try:
                if single and self._writer is not None:
                    with self._writer.connect() as connection:
                        result = work(connection)
                else:
                    with self.engine.begin() as connection:
                        result = work(connection)
            except sa.exc.SQLAlchemyError as exc:
                logger.warning("Spørsmålsloggen er utilgjengelig: %s", _describe(exc))
                raise LogUnavailable("the question log's database is unavailable") from exc
        except LogUnavailable as exc:
            self.available = not _transient(exc)
            raise
        self.available = True
        return result

    def run(self, work: Callable[[sa.Connection], T]) -> T:
        """Run ``work(connection)`` in one transaction on the log's database and return its result.

        Records waiting in the spool are stored first (so e.g. feedback finds its reply), the schema is migrated
        if this process has not yet done so, and a database that cannot be reached raises :class:`LogUnavailable`.
        Other stores on the same database (the editor's accounts and decisions) use this too.
        """
        if self._spooled():
            self.drain(wait=True)
        return self._execute(work)

    def claim_purge(self, day: date) -> bool:
        """Mark ``day`` as the day of this process's retention purge (:attr:`purged_on`); False when it already
        was, so of several threads that ask on the same day exactly one gets True and purges."""
        with self._lock:
            if self.purged_on == day:
                return False
            self.purged_on = day
            return True

    def _spooled(self) -> bool:
        """Whether records wait in the spool (of any worker on this host)."""
        return self._waiting() > 0

    def _waiting(self) -> int:
        """How many records wait in the spool (0 without a spool, or when it cannot be read: logged)."""
        if self.spool is None:
            return 0
        try:
            return self.spool.pending()
        except sqlite3.Error as exc:
            logger.error("Spoolen for spørsmålsloggen (%s) kan ikke leses: %s", self.spool.path, exc)
            return 0

    def session_hash(self, session: str | None) -> str | None:
        """The keyed hash (HMAC-SHA256, hex) stored instead of the session id; None for no session."""
        if session is None:
            return None
        return hmac.new(self._secret, session.encode(), hashlib.sha256).hexdigest()

    def record(self, *, session: str | None, question: str, lang: str, entry_id: str | None, intent: str | None,
               confidence: float, fallback: bool) -> str:
        """Store one answered question (masked) and return its new ``reply_id`` (uuid4 hex).

        Raises :class:`LogUnavailable` when it could not be stored.
        """
        masked = mask_report(question)
        reply_id = uuid.uuid4().hex
        row = {"reply_id": reply_id, "created_at": self.clock(), "session_hash": self.session_hash(session),
               "question": storable(masked.text), "masked": ",".join(dict.fromkeys(masked.found)), "lang": lang,
               "entry_id": entry_id, "intent": intent, "confidence": float(confidence), "fallback": bool(fallback)}
        if self._spooled():
            self._spool(row)  # the database is down or catching up: join the others, do not wait for it
        else:
            try:
                self._insert(row)
            except LogUnavailable as exc:
                if self.spool is None or not _transient(exc):
                    raise
                self._spool(row)
        logger.debug("Lagret spørsmål %s: %s", reply_id, masked.text)
        return reply_id

    def _insert(self, row: dict[str, Any]) -> None:
        """Insert one record; once more, skipping it if the first try stored it after all, when the pooled connection
        turned out to be gone."""
        try:
            self._execute(lambda connection: connection.execute(_INSERT, row), single=True)
        except LogUnavailable as exc:
            if not _disconnected(exc):
                raise
            self._execute(lambda connection: connection.execute(_insert_new(connection), row), single=True)

    def _spool(self, row: dict[str, Any]) -> None:
        """Commit ``row`` to the spool and see that it is drained; :class:`LogUnavailable` when it cannot be kept."""
        assert self.spool is not None
        try:
            kept = self.spool.add(row)
        except sqlite3.Error as exc:
            logger.error("Spørsmålsloggen er utilgjengelig og spoolen (%s) kan ikke skrives: ett spørsmål gikk "
                         "tapt (%s)", self.spool.path, exc)
            raise LogUnavailable("the question log and its spool are unavailable") from exc
        self.resume()
        if not kept:
            logger.error("Spørsmålsloggen er utilgjengelig og spoolen er full (%d): ett spørsmål gikk tapt",
                         self.queue_size)
            raise LogUnavailable("the question log is unavailable and its spool is full")

    def resume(self) -> None:
        """Start this process's drain thread if records wait in the spool (a worker's start calls this too)."""
        with self._retrier_lock:
            if (self._retrier is not None and self._retrier.is_alive()) or not self._spooled():
                return
            self._retrier = threading.Thread(target=self._retry_loop, name="question-log-drain", daemon=True)
            self._retrier.start()

    def _retry_loop(self) -> None:
        """Every ``retry_seconds``, drain the spool (unless another worker is at it); stop once it is empty."""
        while True:
            time.sleep(self.retry_seconds)
            self.drain()
            with self._retrier_lock:
                if not self._spooled():
                    self._retrier = None
                    return

    def drain(self, wait: bool = False, batch: int = 500) -> int:
        """Store the spooled records, oldest first, ``batch`` at a time; return how many still wait.

        One drainer at a time on the host: ``wait`` waits for another one to finish, else this returns at once.
        """
        if self.spool is None:
            return 0
        try:
            with self.spool.draining(wait) as drainer:
                while drainer:
                    rows = self.spool.oldest(batch)
                    done = self._store_batch(rows) if rows else 0
                    if done:
                        self.spool.remove([row["reply_id"] for row in rows[:done]])
                    if done < len(rows) or len(rows) < batch:
                        break
        except (sqlite3.Error, OSError) as exc:
            logger.error("Spoolen for spørsmålsloggen (%s) kan ikke tømmes: %s", self.spool.path, exc)
        return self._waiting()

    def _store_batch(self, rows: list[dict[str, Any]]) -> int:
        """Store ``rows``; return how many of the first rows are done with (stored, or refused and dropped)."""
        try:
            self._execute(lambda connection: connection.execute(_insert_new(connection), rows))
        except LogUnavailable as exc:
            if _transient(exc):
                return 0
        else:
            logger.info("Lagret %d spørsmål fra spoolen", len(rows))
            return len(rows)
        for done, row in enumerate(rows):  # the database refused the batch: find the rows it refuses
            try:
                self._execute(lambda connection, row=row: connection.execute(_insert_new(connection), [row]))
            except LogUnavailable as exc:
                if _transient(exc):
                    return done
                self.spool.count_dropped()  # type: ignore[union-attr]
                logger.error("Spørsmålsloggen avviste et spørsmål fra spoolen; det gikk tapt")
        return len(rows)

    def ping(self) -> bool:
        """Whether the database answers now (migrating it first if that has not happened yet)."""
        try:
            self._execute(lambda connection: connection.execute(sa.text("SELECT 1")))
        except LogUnavailable:
            return False
        return True

    def status(self) -> dict[str, Any]:
        """The log's state for ``GET /api/health``, for this host (every worker): ``host``, ``available``, ``pending``
        (records in the spool), ``dropped`` (records lost since the spool file was made), ``queue_size``.

        Probes the database unless records wait (a drain thread is probing then; this starts one here if none runs).
        """
        pending, dropped = 0, 0
        if self.spool is not None:
            try:
                pending, dropped = self.spool.pending(), self.spool.dropped()
            except sqlite3.Error as exc:
                logger.error("Spoolen for spørsmålsloggen (%s) kan ikke leses: %s", self.spool.path, exc)
        if pending:
            self.resume()
        else:
            self.ping()
        return {"host": socket.gethostname(), "available": bool(self.available), "pending": pending,
                "dropped": dropped, "queue_size": self.queue_size}

    def add_feedback(self, reply_id: str, helpful: bool, comment: str | None = None) -> bool:
        """Store the visitor's feedback on ``reply_id`` (the comment masked); False when it is unknown.

        Later feedback on the same reply replaces earlier feedback. Raises :class:`LogUnavailable`
        when it could not be stored.
        """
        if not isinstance(reply_id, str) or not HEX_ID.fullmatch(reply_id):
            return False
        masked_comment = storable(mask(comment)).strip() or None if comment else None
        statement = (question_log.update().where(question_log.c.reply_id == reply_id)
                     .values(helpful=bool(helpful), comment=masked_comment, feedback_at=self.clock()))
        updated = self.run(lambda connection: connection.execute(statement).rowcount)
        logger.debug("Tilbakemelding på %s: %s", reply_id, "lagret" if updated else "ukjent svar")
        return updated == 1

    def purge(self, older_than: timedelta) -> int:
        """Delete the records made more than ``older_than`` ago; return how many were deleted."""
        if older_than < timedelta(0):
            raise ValueError("older_than must not be negative")
        statement = question_log.delete().where(question_log.c.created_at < self.clock() - older_than)
        return self.run(lambda connection: connection.execute(statement).rowcount)

    def records(self, since: datetime | None = None) -> list[Record]:
        """The records made at or after ``since`` (all when None), oldest first."""
        statement = sa.select(question_log).order_by(question_log.c.created_at, question_log.c.reply_id)
        if since is not None:
            statement = statement.where(question_log.c.created_at >= since)
        rows = self.run(lambda connection: connection.execute(statement).mappings().all())
        return [_record(row) for row in rows]

    def get(self, reply_id: str) -> Record | None:
        """The record of ``reply_id``, or None."""
        statement = sa.select(question_log).where(question_log.c.reply_id == reply_id)
        row = self.run(lambda connection: connection.execute(statement).mappings().first())
        return _record(row) if row else None


def _record(row: Mapping[str, Any]) -> Record:
    """A stored row as a :class:`Record`, its question and comment masked again: rows stored under older masking
    rules carry nothing the current rules find into the queue, its clustering, exports or files."""
    question = mask_report(row["question"])
    kinds = tuple(dict.fromkeys([*filter(None, row["masked"].split(",")), *question.found]))
    comment = mask(row["comment"]) if row["comment"] else row["comment"]
    return Record(**{**row, "question": question.text, "comment": comment, "masked": kinds})


def _describe(exc: sa.exc.SQLAlchemyError) -> str:
    """The first line of a database error (statement parameters are hidden by the engine)."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def purge_if_due(log: QuestionLog, days: int | None) -> int | None:
    """Apply the retention period: purge records older than ``days`` at most once per UTC day per log.

    The app calls this before every request; all calls but the first of a day cost one date comparison.
    The day is marked as done *before* the purge runs, so a database that is down is tried once a day,
    not on every request; the failure is logged as a warning, and the next day's purge catches up
    (it deletes everything older than the period). Each process (each worker) has its own log, so each
    purges once a day. ``days`` of None or 0 turns purging off. Returns the number of rows deleted,
    or None when no purge ran.
    """
    if not days:
        return None
    today = log.clock().astimezone(UTC).date()
    if log.purged_on == today:
        return None
    if not log.claim_purge(today):
        return None
    try:
        deleted = log.purge(timedelta(days=days))
    except LogUnavailable:
        logger.warning("Sletting av spørsmål eldre enn %d dager feilet; prøver igjen i morgen", days)
        return None
    logger.info("Slettet %d spørsmål eldre enn %d dager", deleted, days)
    return deleted


def open_log(config: Mapping[str, Any], instance_path: str | os.PathLike[str]) -> QuestionLog:
    """The log for a Flask config: ``DATABASE_URL``, else SQLite in the instance folder.

    The app's configuration takes ``ASSISTANT_DATABASE_URL``, or a plain ``DATABASE_URL`` variable when nothing
    else sets it (:mod:`assistant.config`).
    """
    url = config.get("DATABASE_URL") or f"sqlite:///{Path(instance_path).resolve() / DEFAULT_SQLITE_NAME}"
    spool = Path(config.get("LOG_SPOOL_DIR") or instance_path).resolve() / spool_name(
        engine_url(str(url)).render_as_string(hide_password=True))
    return QuestionLog(str(url), str(config.get("SECRET_KEY") or "") or None,
                       queue_size=int(config.get("LOG_QUEUE_SIZE", DEFAULTS["LOG_QUEUE_SIZE"])),
                       retry_seconds=float(config.get("LOG_RETRY_SECONDS", DEFAULTS["LOG_RETRY_SECONDS"])), spool=spool)


def init_app(app: Flask) -> QuestionLog:
    """Create the app's log (``app.extensions["log"]``), migrate it, and purge by ``RETENTION_DAYS`` daily.

    A database that is down at start-up is logged as a warning; the app still starts, and the log
    migrates on first use. The connections used to migrate are closed again, so that worker processes
    forked from this one (gunicorn's ``preload_app``) never share a database connection.
    """
    log = open_log(app.config, app.instance_path)
    try:
        log.migrate()
    except LogUnavailable:
        app.logger.warning("Spørsmålsloggen er utilgjengelig ved oppstart; prøver igjen ved første bruk")
    log.dispose()
    app.extensions["log"] = log

    @app.before_request
    def _apply_retention() -> None:
        purge_if_due(log, app.config.get("RETENTION_DAYS"))

    return log
