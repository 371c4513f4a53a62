"""Production faults against real processes: ``python serve.py --workers N`` (gunicorn) on free loopback ports,
PostgreSQL and Redis on localhost.

(a) A worker killed with SIGKILL in the middle of the load: the others keep answering, gunicorn starts a
    new one, and the question log holds every answered question exactly once.
(b) PostgreSQL goes away (a TCP proxy between the app and the server is stopped) and comes back: questions
    are still answered, ``/api/health`` reports the degraded log, the records wait in the host's spool file and
    are stored once the database answers again; a full spool drops records and counts them. Workers killed
    (SIGKILL) and reloaded (SIGHUP) during a 15 s outage under load lose no answered question.
Redis goes away and comes back: questions are still answered, only without the conversation's context; a Redis
of the test's own stopped with SIGSTOP (hung, not refusing) adds little to a request and turns health degraded.
(c) A missing or corrupt index at start is rebuilt before the service answers; content that cannot be built
    stops the start with the reason and exit status 1, even when an older index lies in the build folder.

Every server, load loop and wait is bounded in time; content and index go to temporary folders, never the repo.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.database import LogUnavailable, QuestionLog, engine_url, open_log, question_log
from assistant.index import INDEX_FILE, save_index

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = (("Hvem kan søke?", False), ("Kor lenge kan eit forsøk vare?", False),
             ("og kan det forlengast?", True), ("Hva koster en pizza i Roma?", False))

#: Each test starts gunicorn servers over a freshly built index: tens of seconds (run by .ci/run, `pytest -m ""`).
pytestmark = pytest.mark.slow


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(port: int, method: str, path: str, body: dict | None = None, timeout: float = 15.0) -> tuple[int, dict | None]:
    """One request on a new connection: the status and the JSON body (None when empty)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        connection.close()


def ask(port: int, question: str, session: str | None = None) -> tuple[int, dict | None]:
    """POST /api/ask."""
    return call(port, "POST", "/api/ask", {"question": question, **({"session": session} if session else {})})


def server_env(**settings: object) -> dict[str, str]:
    """This environment without any ASSISTANT_* or DATABASE_URL, plus ``settings`` as ASSISTANT_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "DATABASE_URL"}
    env.update({f"ASSISTANT_{key}": str(value) for key, value in settings.items()})
    env.setdefault("ASSISTANT_SECRET_KEY", uuid.uuid4().hex)
    return env


class Server:
    """``python serve.py`` in its own process group; its output goes to a file."""

    def __init__(self, folder: Path, env: dict[str, str], workers: int = 2, threads: int = 4):
        env = {"ASSISTANT_LOG_SPOOL_DIR": str(folder), **env}  # servers of one test share a host's spool
        self.port = free_port()
        self.output_file = folder / f"serve-{self.port}.log"
        with self.output_file.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "serve.py", "--workers", str(workers), "--threads", str(threads),
                 "--port", str(self.port)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)

    def output(self) -> str:
        """What the server wrote so far."""
        return self.output_file.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 120.0) -> dict:
        """Wait until ``/api/health`` answers 200; its JSON. Fails when the process ends or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve.py ended with status {self.process.returncode}:\n{self.output()[-3000:]}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, body = call(self.port, "GET", "/api/health", timeout=5)
                if status == 200:
                    return body
            time.sleep(0.2)
        pytest.fail(f"serve.py did not answer /api/health within {timeout} s:\n{self.output()[-3000:]}")

    def worker_pids(self) -> set[int]:
        """The gunicorn workers: the children of the master (serve.py itself)."""
        pid = self.process.pid
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then SIGKILL to the whole group if it takes too long."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


@pytest.fixture()
def serve(tmp_path) -> Iterator:
    """Start servers with ``serve(env, workers=..., threads=...)``; all are stopped afterwards."""
    servers: list[Server] = []

    def start(env: dict[str, str], workers: int = 2, threads: int = 4) -> Server:
        servers.append(Server(tmp_path, env, workers, threads))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def built(index, tmp_path_factory) -> Path:
    """A build folder holding the index of the repository's content (so servers over the repo do not build)."""
    folder = tmp_path_factory.mktemp("build")
    save_index(index, folder)
    return folder


@dataclass
class Schema:
    """A fresh PostgreSQL schema: ``url`` selects it (``search_path``); ``reply_ids()`` reads the log."""

    url: sa.URL
    engine: sa.Engine

    def via(self, port: int) -> str:
        """The URL through a proxy on ``port``, as a string for the environment."""
        return self.url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)

    def reply_ids(self) -> list[str]:
        """Every stored reply id (with repeats, if any)."""
        with self.engine.connect() as connection:
            return list(connection.execute(sa.select(question_log.c.reply_id)).scalars())


@pytest.fixture()
def schema(postgres_url) -> Iterator[Schema]:
    """A PostgreSQL schema of its own, dropped afterwards."""
    name = f"test_prod_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(engine_url(postgres_url))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    url = engine_url(postgres_url).update_query_dict({"options": f"-csearch_path={name}"})
    engine = sa.create_engine(url)
    yield Schema(url, engine)
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


class TcpProxy:
    """Forwards a loopback port to ``target``; :meth:`stop` is an outage (refused and cut), :meth:`start` heals."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> None:
        """Listen (again) on the same port."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """Refuse new connections and cut the open ones, as a database server that went away."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.fixture()
def proxy(postgres_url) -> Iterator[TcpProxy]:
    """A running TCP proxy to the test PostgreSQL server."""
    url = engine_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    yield proxy
    proxy.stop()


def wait_for(condition, timeout: float, step: float = 0.2):
    """Poll ``condition()`` until it returns something true (returned) or ``timeout`` seconds pass (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return None


# --- (a) a worker killed in the middle of the load ---------------------------------------------------------

@dataclass
class Outcome:
    """One request of the load: when it started, its status (0: no response) and its reply id."""

    started: float
    status: int
    reply_id: str | None


def run_load(port: int, seconds: float, clients: int) -> list[Outcome]:
    """``clients`` threads asking a fixed mix (with follow-ups in a session) for ``seconds``, a new connection each."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(offset: int) -> None:
        session, n = None, offset
        while time.monotonic() < stop_at and n < offset + 5000:
            question, follow_up = QUESTIONS[n % len(QUESTIONS)]
            started = time.monotonic()
            try:
                status, body = ask(port, question, session if follow_up else None)
            except (OSError, http.client.HTTPException):
                status, body = 0, None
            reply_id = body.get("reply_id") if status == 200 and body else None
            if status == 200 and body:
                session = body["session"]
            with lock:
                outcomes.append(Outcome(started, status, reply_id))
            n += 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    return outcomes


def test_a_worker_killed_under_load_is_replaced_and_no_answered_question_is_lost(serve, built, schema, redis_url):
    server = serve(server_env(BUILD_DIR=built, DATABASE_URL=schema.url.render_as_string(hide_password=False),
                              SESSION_STORE_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url,
                              RATELIMIT_KEY_PREFIX=uuid.uuid4().hex, RATELIMIT_DEFAULT="100000 per minute"),
                   workers=2, threads=4)
    server.wait_ready()
    workers = wait_for(lambda: pids if len(pids := server.worker_pids()) == 2 else None, 15)
    assert workers, server.output()[-2000:]
    victim = min(workers)
    killed_at: list[float] = []

    def kill_soon() -> None:
        time.sleep(2.0)
        killed_at.append(time.monotonic())
        os.kill(victim, signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    outcomes = run_load(server.port, seconds=6.0, clients=8)
    killer.join()

    answered = [o for o in outcomes if o.status == 200]
    failed = [o for o in outcomes if o.status != 200]
    after = [o for o in answered if o.started > killed_at[0] + 0.5]
    assert len(answered) > 50 and len(after) > 20, f"{len(answered)} answered, {len(after)} after the kill"
    assert all(o.status == 0 for o in failed), "only requests cut off by the kill may fail (no 5xx)"
    assert len(failed) <= 8, f"{len(failed)} failed: more than the requests in flight on the killed worker"
    assert all(o.reply_id for o in answered), "every answer was logged"

    respawned = wait_for(lambda: pids if len(pids := server.worker_pids()) == 2 and victim not in pids else None,
                         15)
    assert respawned and respawned - workers, "gunicorn started a new worker"
    status, body = ask(server.port, "Hvem kan søke?")
    assert status == 200 and server.wait_ready(10)["status"] == "ok"

    stored = schema.reply_ids()
    assert len(stored) == len(set(stored)), "a record was stored twice"
    answered_ids = {o.reply_id for o in answered} | {body["reply_id"]}
    assert answered_ids <= set(stored), "an answered question is missing from the log"
    assert len(set(stored) - answered_ids) <= len(failed), "only a request cut off after it was logged adds a row"


# --- (b) the database goes away and comes back -------------------------------------------------------------

def counts(status: dict) -> dict:
    """The log status without the host name."""
    return {key: value for key, value in status.items() if key != "host"}


def test_the_log_spools_records_while_postgresql_is_away_and_stores_each_once_when_back(proxy, schema, tmp_path):
    log = QuestionLog(schema.via(proxy.port), "k", queue_size=5, retry_seconds=0.2, spool=tmp_path / "spool")
    fields = {"session": "s1", "lang": "nb", "intent": None, "confidence": 0.5, "fallback": False}
    try:
        first = log.record(question="før", entry_id="a", **fields)
        assert counts(log.status()) == {"available": True, "pending": 0, "dropped": 0, "queue_size": 5}
        proxy.stop()
        queued = [log.record(question=f"under {i}", entry_id="a", **fields) for i in range(4)]
        refused = log.record(question="for lang id", entry_id="x" * 300, **fields)  # PostgreSQL will refuse it
        with pytest.raises(LogUnavailable):
            log.record(question="full kø", entry_id="a", **fields)
        assert counts(log.status()) == {"available": False, "pending": 5, "dropped": 1, "queue_size": 5}
        with schema.engine.begin() as connection:  # as if a commit had arrived but its reply was lost
            connection.execute(question_log.insert().values(
                reply_id=queued[0], created_at=log.clock(), question="under 0", lang="nb", confidence=0.5,
                fallback=False))
        proxy.start()
        assert wait_for(lambda: log.status()["pending"] == 0, 10), log.status()
        assert counts(log.status()) == {"available": True, "pending": 0, "dropped": 2, "queue_size": 5}
        stored = schema.reply_ids()
        assert sorted(stored) == sorted([first, *queued]) and refused not in stored
        assert log.add_feedback(queued[1], True, None)
    finally:
        log.engine.dispose()


def test_while_postgresql_is_away_the_service_answers_reports_degraded_and_stores_the_spool_later(
        serve, built, schema, proxy, tmp_path):
    server = serve(server_env(BUILD_DIR=built, DATABASE_URL=schema.via(proxy.port), LOG_QUEUE_SIZE=5,
                              LOG_RETRY_SECONDS=0.3, RATELIMIT_ENABLED="false"), workers=1, threads=4)
    assert server.wait_ready()["status"] == "ok"
    before = [ask(server.port, "Hvem kan søke?")[1]["reply_id"] for _ in range(2)]

    proxy.stop()
    during = [ask(server.port, question) for question, _ in QUESTIONS + QUESTIONS[:3]]
    assert all(status == 200 and body["answer"] for status, body in during)
    reply_ids = [body["reply_id"] for _, body in during]
    queued, lost = reply_ids[:5], reply_ids[5:]
    assert all(queued) and lost == [None, None], "five fit in the spool; the rest are dropped and counted"
    health = server.wait_ready(10)
    assert health["status"] == "degraded"
    assert counts(health["log"]) == {"available": False, "pending": 5, "dropped": 2, "queue_size": 5}
    status, body = call(server.port, "POST", "/api/feedback", {"reply_id": queued[0], "helpful": True})
    assert status == 503 and body["error"]["code"] == "feedback_unavailable"

    proxy.start()
    healed = wait_for(lambda: (h := server.wait_ready(10))["status"] == "ok" and h, 15)
    assert healed and counts(healed["log"]) == {"available": True, "pending": 0, "dropped": 2, "queue_size": 5}
    assert sorted(schema.reply_ids()) == sorted(before + queued)
    assert call(server.port, "POST", "/api/feedback", {"reply_id": queued[0], "helpful": True})[0] == 204

    proxy.stop()  # away again when the worker stops: its last attempt fails, the record stays in the spool
    last = ask(server.port, "Hvem kan søke?")[1]["reply_id"]
    assert last
    server.stop()
    assert "1 spørsmål venter i spoolen" in server.output()
    proxy.start()  # the next start on this host stores it
    log = open_log({"DATABASE_URL": schema.via(proxy.port), "LOG_SPOOL_DIR": str(tmp_path)}, tmp_path)
    assert log.drain() == 0 and last in schema.reply_ids()
    log.engine.dispose()


def test_while_redis_is_away_questions_are_answered_without_conversation_context(serve, built, redis_url, tmp_path):
    redis = TcpProxy(("127.0.0.1", int(redis_url.rsplit(":", 1)[1].split("/")[0])))
    redis.start()
    url = f"redis://127.0.0.1:{redis.port}/{redis_url.rsplit('/', 1)[1]}"
    server = serve(server_env(BUILD_DIR=built, DATABASE_URL=f"sqlite:///{tmp_path / 'log.sqlite3'}",
                              SESSION_STORE_URL=url, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
                              RATELIMIT_DEFAULT="100000 per minute"), workers=2, threads=2)
    server.wait_ready()

    def remembered() -> bool:
        """Whether a målform chosen in one message is kept for the next (the session state went through Redis)."""
        status, switched = ask(server.port, "Kan du svare på nynorsk?")
        assert status == 200
        status, body = ask(server.port, "Hvem kan søke?", switched["session"])
        assert status == 200 and body["answer"]
        return body["lang"] == "nn"

    try:
        assert all(remembered() for _ in range(4))  # either worker: the state is shared
        redis.stop()
        assert not any(remembered() for _ in range(4))  # answered, never a 500, but without context
        redis.start()
        assert wait_for(remembered, 15)
    finally:
        redis.stop()


def test_workers_killed_and_reloaded_during_a_postgresql_outage_lose_no_answered_question(serve, built, schema,
                                                                                         proxy):
    """Load for 22 s; PostgreSQL away from 2 s to 17 s; a worker killed (SIGKILL) at 5 s, all reloaded (SIGHUP)
    at 9 s. Every answered question ends up in the log exactly once (before the spool: 68 and 282 were lost)."""
    server = serve(server_env(BUILD_DIR=built, DATABASE_URL=schema.via(proxy.port), LOG_RETRY_SECONDS=0.5,
                              RATELIMIT_ENABLED="false"), workers=2, threads=4)
    server.wait_ready()
    workers = wait_for(lambda: pids if len(pids := server.worker_pids()) == 2 else None, 15)
    assert workers, server.output()[-2000:]
    start = time.monotonic()
    seen: dict[str, object] = {}

    def faults() -> None:
        def at(second: float) -> None:
            time.sleep(max(0.0, start + second - time.monotonic()))

        at(2)
        proxy.stop()
        at(5)
        os.kill(min(workers), signal.SIGKILL)
        seen["killed_at"] = time.monotonic()
        at(9)
        os.kill(server.process.pid, signal.SIGHUP)  # gunicorn replaces every worker gracefully
        seen["reloaded_at"] = time.monotonic()
        at(14)
        seen["health"] = call(server.port, "GET", "/api/health")[1]
        at(17)
        proxy.start()

    fault_thread = threading.Thread(target=faults)
    fault_thread.start()
    outcomes = run_load(server.port, seconds=22.0, clients=6)
    fault_thread.join()

    answered = [o for o in outcomes if o.status == 200]
    during = [o for o in answered if start + 2 < o.started < start + 17]
    failed = [o for o in outcomes if o.status != 200]
    assert len(during) > 30, f"only {len(during)} answered during the outage"
    assert all(o.status == 0 for o in failed), "only requests cut off by the kill may fail (no 5xx)"
    assert len(failed) <= 8, f"{len(failed)} failed: more than the requests in flight on the killed worker"
    assert all(o.reply_id for o in answered), ("every answer got a reply_id: its record was kept",
                                               server.output()[-3000:])
    during_outage = seen["health"]
    assert during_outage["status"] == "degraded" and during_outage["log"]["pending"] > 0, during_outage
    assert not set(workers) & server.worker_pids(), "the reload replaced every worker"

    healed = wait_for(lambda: (h := server.wait_ready(10))["log"]["pending"] == 0 and h, 30)
    assert healed and healed["status"] == "ok" and healed["log"]["dropped"] == 0, (
        healed or server.wait_ready(10), server.output()[-3000:])
    stored = schema.reply_ids()
    answered_ids = {o.reply_id for o in answered}
    assert len(stored) == len(set(stored)), "a record was stored twice"
    assert answered_ids <= set(stored), f"{len(answered_ids - set(stored))} answered questions are not in the log"
    assert len(set(stored) - answered_ids) <= len(failed), "only a request cut off after it was logged adds a row"
    spooled = during_outage["log"]["pending"]
    print(f"\noutage 15 s, kill -9 + HUP: {len(answered)} answered ({len(during)} during the outage, {spooled} "
          f"spooled at 14 s), {len(failed)} cut off, {len(stored)} log rows, "
          f"{len(answered_ids - set(stored))} lost, {len(stored) - len(set(stored))} doubled")


def test_a_hung_redis_adds_little_to_a_request_and_turns_health_degraded(serve, built, own_redis, tmp_path):
    """A Redis of the test's own (sessions and rate limits) stopped with SIGSTOP: it accepts connections and never
    answers. Before the timeouts this stalled every /api/ask for seconds (2 s per session read, retried)."""
    server = serve(server_env(BUILD_DIR=built, DATABASE_URL=f"sqlite:///{tmp_path / 'log.sqlite3'}",
                              SESSION_STORE_URL=own_redis.url, RATELIMIT_STORAGE_URI=own_redis.url,
                              RATELIMIT_DEFAULT="100000 per minute"), workers=2, threads=2)
    assert server.wait_ready()["redis"] == {"sessions": True, "rate_limits": True}

    def timed_ask(session: str | None = None) -> tuple[float, dict]:
        started = time.perf_counter()
        status, body = ask(server.port, "Kan du svare på nynorsk?" if session is None else "Hvem kan søke?", session)
        assert status == 200 and body["answer"]
        return time.perf_counter() - started, body

    for _ in range(4):  # warm up both workers
        timed_ask()
    baseline = statistics.median(timed_ask()[0] for _ in range(20))
    own_redis.hang()
    stalled = [timed_ask()[0] for _ in range(30)]
    started = time.perf_counter()
    status, health = call(server.port, "GET", "/api/health")
    health_seconds = time.perf_counter() - started
    added = max(stalled) - baseline
    print(f"\nhung Redis: ask median {baseline * 1000:.0f} ms before, median {statistics.median(stalled) * 1000:.0f} "
          f"ms / max {max(stalled) * 1000:.0f} ms while stopped (+{added * 1000:.0f} ms at worst); "
          f"/api/health {health_seconds * 1000:.0f} ms")
    assert added < 0.2, f"a hung Redis added {added:.3f} s to a request"
    assert status == 200 and health["status"] == "degraded" and health_seconds < 1.0
    assert health["redis"] == {"sessions": False, "rate_limits": False}

    own_redis.resume()
    assert wait_for(lambda: server.wait_ready(10)["status"] == "ok", 15)

    def remembered() -> bool:
        _, switched = timed_ask()
        return timed_ask(switched["session"])[1]["lang"] == "nn"

    assert wait_for(remembered, 15, step=0.5), "conversations use Redis again once it answers"


# --- (c) a missing, corrupt or unbuildable index at start ---------------------------------------------------

def content_copy(folder: Path) -> Path:
    """A copy of the repository's faq/, corpus/ and eval/ under ``folder``."""
    for name in ("faq", "corpus", "eval"):
        shutil.copytree(REPO / name, folder / name)
    return folder


def assert_refuses_to_start(server: Server, *expected: str) -> None:
    """The server ends with status 1, says why, and never listened."""
    try:
        server.process.wait(60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve.py kept running:\n{server.output()[-2000:]}")
    output = server.output()
    assert server.process.returncode == 1, output
    assert "Kan ikke starte" in output and "Traceback" not in output, output
    for text in expected:
        assert text in output, output
    with pytest.raises(OSError):
        call(server.port, "GET", "/api/health", timeout=2)


def test_a_missing_or_corrupt_index_is_rebuilt_and_broken_content_stops_the_start(serve, tmp_path):
    root, build = content_copy(tmp_path / "content"), tmp_path / "build"
    env = server_env(ROOT=root, BUILD_DIR=build, DATABASE_URL=f"sqlite:///{tmp_path / 'log.sqlite3'}",
                     RATELIMIT_ENABLED="false")

    def answers(server: Server) -> str:
        health = server.wait_ready(240)
        assert health["status"] == "ok" and health["entries"] > 0
        status, body = ask(server.port, "Kor lenge kan eit forsøk vare?")
        assert status == 200 and body["id"] and not body["fallback"]
        server.stop()
        return health["index"]

    content_hash = answers(serve(env, workers=1, threads=2))  # no index yet: built before serving
    index_file = build / content_hash / INDEX_FILE
    index_file.write_bytes(b"this is not a joblib file")
    assert answers(serve(env, workers=1, threads=2)) == content_hash  # corrupt: rebuilt before serving
    assert index_file.stat().st_size > 10_000

    broken = sorted((root / "faq").glob("*.yaml"))[0]
    broken.write_text("id: [unclosed\n", encoding="utf-8")  # an older index still lies in build/
    assert_refuses_to_start(serve(env, workers=1, threads=2), broken.name)


def test_an_empty_content_root_stops_the_start_with_the_reason(serve, tmp_path):
    env = server_env(ROOT=tmp_path, BUILD_DIR=tmp_path / "build")
    assert_refuses_to_start(serve(env, workers=1, threads=2), "ingen oppføringer")
