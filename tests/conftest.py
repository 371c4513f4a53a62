"""Shared fixtures: one index built from the repository's content per test session, and the Flask app."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import create_app
from assistant.dialogue import Assistant
from assistant.index import Index, build_index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def index() -> Index:
    """The index built from the repository's faq/, corpus/ and development set."""
    return build_index(ROOT)


@pytest.fixture(scope="session")
def assistant(index: Index) -> Assistant:
    """An assistant over the repository's index."""
    return Assistant(index)


@pytest.fixture()
def app(assistant: Assistant, tmp_path):
    """The Flask app in testing mode, with its question log in a fresh SQLite file."""
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/log.sqlite3"}, assistant=assistant)


@pytest.fixture()
def client(app):
    """A test client for the app."""
    return app.test_client()


def service_unavailable(reason: str) -> None:
    """Skip a test whose service (PostgreSQL, Redis, Chromium) is absent; fail instead in CI.

    ``.ci/run`` sets ``REQUIRE_SERVICES=1``: there a missing service is an error, not a skip.
    """
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


#: The PostgreSQL server for tests; CI (``.ci/run``) starts one on localhost with a database ``test``.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@localhost/test")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """``$TEST_POSTGRES_URL`` when a server answers there, or a skip (a failure in CI) when none does."""
    import sqlalchemy as sa

    from assistant.database import engine_url

    engine = sa.create_engine(engine_url(POSTGRES_URL), connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        first = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        service_unavailable(f"PostgreSQL is not reachable at {POSTGRES_URL} ({first}); start it (pg_isready) "
                            "or point TEST_POSTGRES_URL at a server")
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis database for tests (db 15 on localhost), or a skip (a failure in CI) when none runs."""
    if not _port_open(6379):
        service_unavailable("no Redis server on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/15"


class OwnRedis:
    """A ``redis-server`` of the test's own on a free loopback port (never the shared one on 6379).

    :meth:`hang` stops the process with SIGSTOP (it accepts connections but never answers), :meth:`resume` lets
    it go on.
    """

    def __init__(self, folder: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def hang(self) -> None:
        """SIGSTOP: the server keeps its port, the kernel accepts connections, nothing answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT."""
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        """End the server (resumed first, so that it can act on SIGTERM)."""
        self.resume()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture()
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    """A Redis server of this test's own (see :class:`OwnRedis`), or a skip (a failure in CI) without redis-server."""
    if shutil.which("redis-server") is None:
        service_unavailable("redis-server is not installed (needed to stop a Redis of the test's own)")
    server = OwnRedis(tmp_path)
    yield server
    server.stop()
