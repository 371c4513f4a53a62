"""The question log against SQLite and PostgreSQL.

PostgreSQL tests use ``$TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@localhost/test``), each in a
schema of its own that is dropped afterwards; they are skipped, with the reason, when no server answers there
(the ``postgres_url`` fixture), except in CI (``REQUIRE_SERVICES=1``), where that is a failure.
"""

import hashlib
import hmac
import logging
import os
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from assistant import cli
from assistant.app import create_app
from assistant.database import (
    DEFAULT_SQLITE_NAME,
    LogUnavailable,
    QuestionLog,
    alembic_config,
    engine_url,
    open_log,
    purge_if_due,
)

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@localhost/test")
UNREACHABLE_PG = "postgresql+psycopg://postgres@127.0.0.1:9/test?connect_timeout=2"
FNR = "01017010170"  # a fødselsnummer with valid control digits (1 January 1970)
SECRET = "test-secret"
COLUMNS = {"reply_id", "created_at", "session_hash", "question", "masked", "lang", "entry_id", "intent",
           "confidence", "fallback", "helpful", "comment", "feedback_at"}
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A fake clock: returns ``now`` until moved."""

    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A URL to an empty database: an SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'log.sqlite3'}"
        return
    request.getfixturevalue("postgres_url")  # skips when no server answers (fails in CI)
    schema = f"test_log_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(engine_url(PG_URL))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = engine_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture()
def make_log(db_url):
    """Make logs over ``db_url`` (with a fake clock unless given one); their engines are disposed afterwards."""
    logs = []

    def make(clock=None, secret=SECRET, url=None):
        log = QuestionLog(url or db_url, secret, clock=clock or Clock())
        logs.append(log)
        return log

    yield make
    for log in logs:
        log.dispose()


def all_stored_text(log: QuestionLog) -> str:
    """Every value of every row of the log's table, as one string."""
    with log.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM question_log")).all()
    return " | ".join(str(value) for row in rows for value in row)


def record(log: QuestionLog, question: str = "Hvem kan søke?", session: str | None = "s1", **overrides) -> str:
    fields = {"lang": "nb", "entry_id": "hvem-kan-soke", "intent": None, "confidence": 0.8, "fallback": False}
    return log.record(session=session, question=question, **{**fields, **overrides})


# --- schema --------------------------------------------------------------------------------------------

def test_migration_creates_the_schema_on_an_empty_database(db_url, make_log, tmp_path):
    if db_url.startswith("sqlite"):
        (tmp_path / "log.sqlite3").touch()  # an empty file, as a fresh instance folder may hold
    log = make_log()
    log.migrate()
    inspector = sa.inspect(log.engine)
    assert {"question_log", "alembic_version"} <= set(inspector.get_table_names())
    assert {c["name"] for c in inspector.get_columns("question_log")} == COLUMNS
    assert inspector.get_pk_constraint("question_log")["constrained_columns"] == ["reply_id"]
    assert any(ix["column_names"] == ["created_at"] for ix in inspector.get_indexes("question_log"))
    with log.engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    if db_url.startswith("sqlite"):
        with log.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    log.migrate()  # idempotent
    assert make_log().records() == []


def test_first_use_migrates_when_start_up_did_not(make_log):
    log = make_log()
    reply_id = record(log)
    assert log.get(reply_id) is not None


# --- record --------------------------------------------------------------------------------------------

def test_record_stores_masked_question_hashed_session_and_the_answer(make_log):
    clock = Clock()
    log = make_log(clock)
    session = "raw-session-id-7f3a9c"
    reply_id = record(log, f"Mitt fødselsnummer er {FNR}, ring 41 23 45 67", session=session, lang="nb",
                      entry_id=None, intent="hilsen", confidence=0.25, fallback=True)
    assert re.fullmatch(r"[0-9a-f]{32}", reply_id) and uuid.UUID(reply_id).version == 4
    (stored,) = log.records()
    assert stored.reply_id == reply_id and stored.created_at == T0 and stored.created_at.tzinfo is not None
    assert stored.question == "Mitt fødselsnummer er «[fødselsnummer]», ring «[telefon]»"
    assert stored.masked == ("fødselsnummer", "telefon")
    assert (stored.lang, stored.entry_id, stored.intent, stored.fallback) == ("nb", None, "hilsen", True)
    assert stored.confidence == pytest.approx(0.25)
    assert (stored.helpful, stored.comment, stored.feedback_at) == (None, None, None)
    assert stored.session_hash == hmac.new(SECRET.encode(), session.encode(), hashlib.sha256).hexdigest()
    everything = all_stored_text(log)
    assert FNR not in everything and "41 23 45 67" not in everything and session not in everything


def test_rows_stored_under_older_masking_rules_are_read_back_masked(make_log):
    log = make_log()
    reply_id = record(log, "Hvem kan søke?")
    raw = "Eg heiter Ola Vik, tlf 922-44-555, bur i Myrlia 4"  # what the masking before issue 12 let through
    with log.engine.begin() as connection:
        connection.execute(sa.text("UPDATE question_log SET question = :q, masked = 'telefon', comment = :c"),
                           {"q": raw, "c": "Hilsen Kari, kari@localhost"})
    stored = log.get(reply_id)
    assert stored.question == "Eg heiter «[navn]», tlf «[telefon]», bur i «[adresse]»"
    assert stored.masked == ("telefon", "navn", "adresse")
    assert stored.comment == "Hilsen «[navn]», «[e-post]»"
    assert log.records() == [stored]


def test_same_session_same_hash_other_secret_other_hash(make_log):
    log, other = make_log(), make_log(secret="another-secret")
    first, second = record(log, session="abc"), record(log, session="abc")
    third = record(other, session="abc")
    hashes = {r.reply_id: r.session_hash for r in log.records()}
    assert hashes[first] == hashes[second] != hashes[third]
    assert log.get(record(log, session=None)).session_hash is None


def test_records_since_lists_the_newer_records_oldest_first(make_log):
    clock = Clock()
    log = make_log(clock)
    old = record(log)
    clock.advance(days=2)
    newer = record(log)
    clock.advance(days=1)
    newest = record(log)
    assert [r.reply_id for r in log.records()] == [old, newer, newest]
    assert [r.reply_id for r in log.records(since=T0 + timedelta(days=1))] == [newer, newest]


def test_concurrent_start_up_and_records_from_many_threads_are_all_kept(make_log):
    logs = [make_log(), make_log()]
    with ThreadPoolExecutor(4) as pool:  # two workers migrating the same empty database at once
        list(pool.map(lambda log: log.migrate(), logs))
        ids = list(pool.map(lambda i: record(logs[i % 2], f"spørsmål {i}", session=f"s{i}"), range(40)))
    assert len(set(ids)) == 40
    assert sorted(r.reply_id for r in logs[0].records()) == sorted(ids)


def test_a_record_is_one_statement_on_a_server_and_survives_a_connection_the_server_closed(db_url, make_log):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no server connection to lose")
    log = make_log()
    first = record(log)
    statements = []
    sa.event.listen(log._writer, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with log._writer.connect() as connection:  # the pooled connection the next record will use
        backend = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        assert connection.connection.driver_connection.autocommit  # no BEGIN and COMMIT round trips
    statements.clear()
    admin = sa.create_engine(engine_url(db_url))
    with admin.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
    admin.dispose()
    second = record(log, "Når er fristen?")  # fails on the dead connection, then is stored on a new one
    assert [s.split()[0] for s in statements] == ["INSERT", "INSERT"]
    assert log.available
    assert sorted(r.reply_id for r in log.records()) == sorted([first, second])  # each once


# --- feedback ------------------------------------------------------------------------------------------

def test_add_feedback_stores_a_masked_comment_with_its_time(make_log):
    clock = Clock()
    log = make_log(clock)
    reply_id = record(log)
    clock.advance(minutes=5)
    assert log.add_feedback(reply_id, False, "Feil svar. Ring meg på 912 34 567 eller skriv til ola@example.no")
    stored = log.get(reply_id)
    assert stored.helpful is False and stored.feedback_at == T0 + timedelta(minutes=5)
    assert stored.comment == "Feil svar. Ring meg på «[telefon]» eller skriv til «[e-post]»"
    assert "912 34 567" not in all_stored_text(log) and "ola@example.no" not in all_stored_text(log)


def test_later_feedback_replaces_earlier_and_empty_comment_is_none(make_log):
    log = make_log()
    reply_id = record(log)
    assert log.add_feedback(reply_id, False, "nei")
    assert log.add_feedback(reply_id, True, "   ")
    stored = log.get(reply_id)
    assert stored.helpful is True and stored.comment is None


@pytest.mark.parametrize("reply_id", [uuid.uuid4().hex, "", "not-a-reply-id", "x" * 500, "'; DROP TABLE x; --"])
def test_feedback_on_an_unknown_reply_id_returns_false(make_log, reply_id):
    log = make_log()
    record(log)
    assert log.add_feedback(reply_id, True, "takk") is False
    assert all(r.helpful is None for r in log.records())


# --- retention -----------------------------------------------------------------------------------------

def test_purge_deletes_only_records_older_than_the_period(make_log):
    clock = Clock()
    log = make_log(clock)
    old = record(log)
    clock.advance(days=50)
    recent = record(log)
    log.add_feedback(old, True, None)
    clock.advance(days=45)  # old is 95 days old, recent 45
    assert log.purge(timedelta(days=90)) == 1
    assert [r.reply_id for r in log.records()] == [recent]
    assert log.purge(timedelta(days=90)) == 0
    with pytest.raises(ValueError):
        log.purge(timedelta(days=-1))


def test_purge_if_due_runs_at_most_once_per_day(make_log):
    clock = Clock(datetime(2025, 3, 1, 23, 0, tzinfo=UTC))
    log = make_log(clock)
    record(log)
    clock.advance(days=91)
    assert purge_if_due(log, 90) == 1
    record(log, "ny")
    clock.advance(hours=0.5)  # still the same UTC day
    assert purge_if_due(log, 90) is None
    clock.advance(days=91)  # a later day: runs again
    assert purge_if_due(log, 90) == 1
    assert purge_if_due(log, 90) is None
    assert purge_if_due(log, 0) is None and purge_if_due(log, None) is None


def test_one_thread_claims_the_days_purge(make_log):
    log = make_log()
    day = T0.date()
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda _: log.claim_purge(day), range(32)))
    assert claims.count(True) == 1 and log.purged_on == day
    assert log.claim_purge(day + timedelta(days=1))


def test_run_is_one_transaction_for_other_stores_on_the_log(make_log):
    log = make_log()
    record(log)
    count = sa.select(sa.func.count()).select_from(sa.table("question_log"))

    def delete_then_fail(connection: sa.Connection) -> None:
        connection.execute(sa.text("DELETE FROM question_log"))
        raise RuntimeError("half way")

    with pytest.raises(RuntimeError):
        log.run(delete_then_fail)
    assert log.run(lambda connection: connection.execute(count).scalar_one()) == 1
    with pytest.raises(LogUnavailable):
        make_log(url=UNREACHABLE_PG).run(lambda connection: connection.execute(count).scalar_one())

# --- failures and privacy ------------------------------------------------------------------------------

def test_an_unreachable_database_raises_log_unavailable():
    log = QuestionLog(UNREACHABLE_PG, SECRET)
    with pytest.raises(LogUnavailable):
        log.migrate()
    with pytest.raises(LogUnavailable):
        record(log)
    with pytest.raises(LogUnavailable):
        log.add_feedback(uuid.uuid4().hex, True, None)
    with pytest.raises(LogUnavailable):
        log.purge(timedelta(days=90))
    log.engine.dispose()


def test_a_broken_schema_raises_log_unavailable_instead_of_losing_the_record(make_log):
    log = make_log()
    log.migrate()
    with log.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE question_log"))
    with pytest.raises(LogUnavailable) as caught:
        record(log)
    assert isinstance(caught.value.__cause__, sa.exc.SQLAlchemyError)


def test_no_log_line_and_no_column_ever_holds_the_raw_question(make_log, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    spaced = f"{FNR[:6]} {FNR[6:]}"
    question = f"Jeg har fødselsnummer {FNR} ({spaced}), hva nå?"
    log = make_log()
    reply_id = record(log, question, session="rawsession123")
    log.add_feedback(reply_id, False, f"Feil, mitt nummer er {FNR}")
    log.records()
    broken = QuestionLog(UNREACHABLE_PG, SECRET)
    with pytest.raises(LogUnavailable):
        record(broken, question)
    broken.engine.dispose()
    names = {r.name for r in caplog.records}
    assert "assistant.database" in names and "sqlalchemy.engine.Engine" in names  # statements were logged too
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in (FNR, spaced, question, "rawsession123"):
        assert secret not in logged
        assert secret not in all_stored_text(log)
    assert "«[fødselsnummer]»" in all_stored_text(log)


# --- configuration, app and command line ---------------------------------------------------------------

def test_open_log_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    # A plain DATABASE_URL variable reaches the configuration through assistant/config.py (tests/test_config.py).
    log = open_log({"DATABASE_URL": None, "SECRET_KEY": "k"}, tmp_path / "instance")
    assert log.url == f"sqlite:///{tmp_path / 'instance' / DEFAULT_SQLITE_NAME}"
    log.migrate()
    assert (tmp_path / "instance" / DEFAULT_SQLITE_NAME).is_file()
    assert open_log({"DATABASE_URL": "sqlite:///x.db"}, tmp_path).url == "sqlite:///x.db"
    assert engine_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert engine_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


def test_the_app_creates_the_log_and_purges_on_the_first_request_of_a_day(tmp_path, assistant):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    now = datetime.now(UTC)
    past = QuestionLog(url, "k", clock=Clock(now - timedelta(days=100)))
    record(past)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "k", "RETENTION_DAYS": 90},
                     assistant=assistant)
    log = app.extensions["log"]
    assert isinstance(log, QuestionLog) and log.url == url
    log.clock = Clock(now)
    client = app.test_client()
    client.get("/no-such-page")
    assert log.records() == []
    record(past)
    client.get("/no-such-page")  # same day: no second purge
    assert len(log.records()) == 1
    log.clock.advance(days=1)
    client.get("/no-such-page")
    assert log.records() == []
    past.engine.dispose()
    log.engine.dispose()


def test_purge_command_deletes_old_records_and_says_how_many(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    past = QuestionLog(url, "k", clock=Clock(datetime.now(UTC) - timedelta(days=40)))
    record(past)
    record(past)
    assert cli.main(["purge", "--older-than", "90d"]) == 0
    assert capsys.readouterr().out.strip() == "Slettet 0 spørsmål eldre enn 90 dager fra spørsmålsloggen."
    assert cli.main(["purge", "--older-than", "30"]) == 0
    assert capsys.readouterr().out.strip() == "Slettet 2 spørsmål eldre enn 30 dager fra spørsmålsloggen."
    past.engine.dispose()


@pytest.mark.parametrize("value", ["0d", "-5d", "90 days", "d", "9.5d"])
def test_purge_command_rejects_a_bad_period(value, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["purge", f"--older-than={value}"])
    assert caught.value.code == 2 and "ugyldig periode" in capsys.readouterr().err


def test_purge_command_reports_an_unavailable_database(monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", UNREACHABLE_PG)
    assert cli.main(["purge", "--older-than", "90d"]) == 1
    assert "utilgjengelig" in capsys.readouterr().err
