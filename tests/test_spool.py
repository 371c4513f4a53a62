"""The question log's spool (assistant/spool.py): records that the database could not take wait on local disk,
survive the process, and are stored exactly once, by any worker of the host, when the database is back.

No database server is needed: "down" is PostgreSQL on a loopback port nobody listens on (refused at once), and
"back" is a log over an SQLite file that shares the spool file, as a worker would once its database answers.
"""

from __future__ import annotations

import os
import socket
import stat
import threading

import pytest
import sqlalchemy as sa

from assistant.database import LogUnavailable, QuestionLog, question_log
from assistant.spool import Spool

FIELDS = {"session": "s1", "lang": "nb", "entry_id": "varighet", "intent": None, "confidence": 0.5,
          "fallback": False}


def unreachable_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/nowhere"


@pytest.fixture()
def spool_path(tmp_path):
    return tmp_path / "spool.sqlite3"


def down_log(spool_path, size: int = 100) -> QuestionLog:
    """A worker whose database refuses connections (its drain thread waits an hour)."""
    return QuestionLog(unreachable_url(), "k", queue_size=size, retry_seconds=3600, spool=spool_path)


def back_log(tmp_path, spool_path) -> QuestionLog:
    """A worker of the same host whose database answers."""
    return QuestionLog(f"sqlite:///{tmp_path}/log.sqlite3", "k", queue_size=100, retry_seconds=3600, spool=spool_path)


def test_records_wait_on_disk_and_are_stored_once_the_database_answers(tmp_path, spool_path):
    down = down_log(spool_path)
    ids = [down.record(question=f"Hvem kan søke? {i}", **FIELDS) for i in range(5)]
    assert all(ids)
    status = down.status()
    assert (status["available"], status["pending"], status["dropped"]) == (False, 5, 0)
    assert stat.S_IMODE(spool_path.stat().st_mode) == 0o600  # masked questions, but still nobody else's business
    del down  # the worker is gone (killed): its records are on disk, not in its memory

    back = back_log(tmp_path, spool_path)
    assert back.status()["pending"] == 5  # every worker of the host reports the host's spool
    assert back.drain() == 0
    assert sorted(r.reply_id for r in back.records()) == sorted(ids)
    assert back.status() | {"host": None} == {"host": None, "available": True, "pending": 0, "dropped": 0,
                                               "queue_size": 100}
    assert back.add_feedback(ids[0], True, "Takk")


def test_a_drain_cut_off_between_insert_and_removal_stores_nothing_twice(tmp_path, spool_path, monkeypatch):
    down = down_log(spool_path)
    ids = [down.record(question=f"spørsmål {i}", **FIELDS) for i in range(7)]
    back = back_log(tmp_path, spool_path)

    def killed(_reply_ids):  # the worker dies after the database committed the batch, before the spool forgot it
        raise SystemExit("killed")

    monkeypatch.setattr(back.spool, "remove", killed)
    with pytest.raises(SystemExit):
        back.drain(batch=3)
    monkeypatch.undo()
    with back.engine.connect() as connection:  # read the table itself: records() would drain the spool first
        assert len(connection.execute(sa.select(question_log.c.reply_id)).all()) == 3
    assert back.spool.pending() == 7
    assert back_log(tmp_path, spool_path).drain(batch=3) == 0  # the next worker: the first 3 are skipped, not refused
    assert sorted(r.reply_id for r in back.records()) == sorted(ids)
    assert back.status()["dropped"] == 0


def test_workers_draining_at_once_store_each_record_once(tmp_path, spool_path):
    down = down_log(spool_path, size=1000)
    ids = [down.record(question=f"spørsmål {i}", **FIELDS) for i in range(300)]
    workers = [back_log(tmp_path, spool_path) for _ in range(3)]
    workers[0].migrate()
    threads = [threading.Thread(target=w.drain, kwargs={"wait": True, "batch": 50}) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    records = workers[1].records()
    assert len(records) == 300 and {r.reply_id for r in records} == set(ids)
    assert workers[2].status()["pending"] == 0 and workers[2].status()["dropped"] == 0


def test_a_full_spool_drops_and_counts_for_the_whole_host(tmp_path, spool_path):
    down = down_log(spool_path, size=2)
    down.record(question="en", **FIELDS)
    other_worker = down_log(spool_path, size=2)
    other_worker.record(question="to", **FIELDS)
    with pytest.raises(LogUnavailable):
        down.record(question="tre", **FIELDS)
    assert other_worker.status()["pending"] == 2 and other_worker.status()["dropped"] == 1


def test_without_a_spool_an_outage_is_reported_to_the_caller(tmp_path):
    log = QuestionLog(unreachable_url(), "k", queue_size=100)  # no spool file given: nowhere to keep records
    with pytest.raises(LogUnavailable):
        log.record(question="en", **FIELDS)
    assert log.status()["pending"] == 0


def test_the_spool_keeps_the_record_as_it_was(spool_path):
    spool = Spool(spool_path, 10)
    down = down_log(spool_path)
    reply_id = down.record(question="Ring meg på 922 44 555", **FIELDS)
    [row] = spool.oldest(10)
    assert row["reply_id"] == reply_id and "922 44 555" not in row["question"]  # masked before it is spooled
    assert row["created_at"].tzinfo is not None and row["confidence"] == 0.5 and row["fallback"] is False


def test_a_new_thread_opens_no_descriptor_on_a_spool_file_in_use(spool_path, monkeypatch):
    """Closing any descriptor of a file releases every POSIX lock the process holds on it, SQLite's included: a
    thread that opened (and closed) the spool file to set its mode while another thread held a transaction broke
    the other's locks ("disk I/O error" under load during an outage). Only a missing file is created that way."""
    spool = Spool(spool_path, 10)
    spool.add({"reply_id": "r0", "question": "q"})
    opened: list[str] = []
    real_open = os.open

    def spy(path: str, *args: int) -> int:
        descriptor = real_open(path, *args)  # raises, opening nothing, where the file exists (O_EXCL)
        opened.append(str(path))
        return descriptor

    monkeypatch.setattr(os, "open", spy)
    thread = threading.Thread(target=lambda: spool.add({"reply_id": "r1", "question": "q"}))
    thread.start()
    thread.join()
    assert spool.pending() == 2
    assert str(spool_path) not in opened
    assert stat.S_IMODE(spool_path.stat().st_mode) == 0o600
