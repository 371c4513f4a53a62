"""Helpers for the editor tests (unit and browser): a copy of the content, databases, logging in, waiting for a publish.

Tests never touch the repository's own ``faq/``, ``corpus/`` or ``eval/``: every app here works on a copy
in a temporary folder, with its own build folder.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from assistant.app import create_app
from assistant.database import QuestionLog, engine_url
from assistant.dialogue import Assistant
from assistant.editor.store import EditorStore
from assistant.index import Index

ROOT = Path(__file__).resolve().parent.parent
FNR = "01017010170"  # made up, with valid control digits
PHONE = "912 34 567"
#: Asked as visitors do; the assistant falls back on it today, though it is about the "varighet" entry.
UNANSWERED = "hvor lenge gjelder unntaket vårt"
NAME, PASSWORD = "kari", "riktig-hest-batteri-stift"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def copy_content(target: Path) -> Path:
    """Copy the repository's faq/, corpus/ and eval/ into ``target`` and return it."""
    for folder in ("faq", "corpus", "eval"):
        shutil.copytree(ROOT / folder, target / folder)
    return target


@contextlib.contextmanager
def database(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: an SQLite file, or a fresh PostgreSQL schema dropped afterwards.

    PostgreSQL comes from the ``postgres_url`` fixture (tests/conftest.py): a skip when no server answers,
    a failure in CI.
    """
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'log.sqlite3'}"
        return
    server = engine_url(request.getfixturevalue("postgres_url"))
    schema = f"test_editor_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def editor_app(index: Index, root: Path, build: Path, db_url: str, **config: Any) -> Flask:
    """The app over a content copy at ``root`` with a fresh assistant (publishing swaps its index) and an editor."""
    app = create_app({"DATABASE_URL": db_url, "CONTENT_ROOT": str(root), "BUILD_DIR": str(build),
                      "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_DEFAULT": "1000 per minute", **config},
                     assistant=Assistant(index))
    EditorStore(app.extensions["log"]).add_account(NAME, PASSWORD)
    return app


def dispose(app: Flask) -> None:
    """Close the app's database connections (a PostgreSQL schema cannot be dropped while they are open)."""
    log: QuestionLog = app.extensions["log"]
    log.engine.dispose()


def csrf(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: FlaskClient, name: str = NAME, password: str = PASSWORD) -> TestResponse:
    """Log in through the form; the response to the POST."""
    token = csrf(client.get("/editor/login").get_data(as_text=True))
    return client.post("/editor/login", data={"csrf_token": token, "name": name, "password": password})


def wait_for_job(client: FlaskClient, location: str, timeout: float = 300) -> dict[str, Any]:
    """Poll a publish job's status until it is done; its final status JSON."""
    status_url = location.rstrip("/") + "/status.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(status_url).get_json()
        if status["state"] != "running":
            return status
        time.sleep(0.5)
    raise AssertionError(f"the publish job did not finish in {timeout} s")
