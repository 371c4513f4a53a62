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
import yaml
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from assistant.app import create_app
from assistant.database import QuestionLog, engine_url
from assistant.dialogue import Assistant
from assistant.editor.content import entry_yaml
from assistant.editor.store import EditorStore
from assistant.index import Index

ROOT = Path(__file__).resolve().parent.parent
FNR = "01017010170"  # made up, with valid control digits
PHONE = "912 34 567"
#: Asked as visitors do; the assistant falls back on it today (on the whole content and on the small copy), though
#: it is about the "varighet" entry. As the assistant learns, such wordings get answered and this one must be
#: replaced by one it still misses ("hvor lenge gjelder unntaket vårt" was answered from the phrasings of
#: 1 December, "hvor lenge får vi beholde unntaket" from the second visitor round).
UNANSWERED = "hvor lenge gjelder dispensasjonen vår"
NAME, PASSWORD = "kari", "riktig-hest-batteri-stift"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def copy_content(target: Path, source: Path = ROOT) -> Path:
    """Copy faq/, corpus/ and eval/ of ``source`` (the repository's) into ``target`` and return it."""
    for folder in ("faq", "corpus", "eval"):
        shutil.copytree(source / folder, target / folder)
    return target


#: The entries of the small content (:func:`copy_small_content`): the ones the publish tests name, the ones the
#: dialogue treats specially, and enough others that the regression gate has development questions to compare.
SMALL_ENTRIES = ("varighet", "forlengelse", "reversering", "oppstart-og-forskrifter", "hvem-kan-soke",
                 "soknadsfrist", "hva-er-forsoksordningen", "kontakt-kommunalavdelingen", "forsoksloven",
                 "hva-er-et-forsok", "evaluering-vilkar", "hvem-godkjenner", "utvalgte-forsok", "lokal-forskrift",
                 "to-trinns-soknad", "veiledning", "webinar-opptak", "tillitsreformen", "komme-i-gang",
                 "forsok-i-liten-skala")
#: Out-of-scope development questions kept in the small content.
SMALL_OUT_OF_SCOPE = 40


def copy_small_content(target: Path) -> Path:
    """A small copy of the content in ``target``: the :data:`SMALL_ENTRIES` (``related`` cut to them), every
    page, and the development and blind questions about them (plus some out of scope); returns ``target``.

    An index of it builds in seconds instead of a minute, for tests that publish (each publish rebuilds).
    """
    keep = set(SMALL_ENTRIES)
    (target / "faq").mkdir(parents=True)
    shutil.copy(ROOT / "faq" / "_meta.yaml", target / "faq" / "_meta.yaml")
    for entry_id in SMALL_ENTRIES:
        source = ROOT / "faq" / f"{entry_id}.yaml"
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        if set(data.get("related") or ()) <= keep:
            shutil.copy(source, target / "faq" / source.name)
        else:
            data["related"] = [r for r in data["related"] if r in keep]
            (target / "faq" / source.name).write_text(entry_yaml(data), encoding="utf-8")
    shutil.copytree(ROOT / "corpus", target / "corpus")
    (target / "eval").mkdir()
    shutil.copy(ROOT / "eval" / "thresholds.yaml", target / "eval" / "thresholds.yaml")
    out_of_scope = SMALL_OUT_OF_SCOPE
    for path in sorted((ROOT / "eval" / "devset").glob("*.yaml")):
        kept = []
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if item["expect"] in keep or (item["expect"] == "none" and out_of_scope > 0):
                out_of_scope -= item["expect"] == "none"
                also = [e for e in item.get("also") or () if e in keep]
                kept.append({**{k: v for k, v in item.items() if k != "also"}, **({"also": also} if also else {})})
        _write_yaml(target / "eval" / "devset" / path.name, kept)
    for path in sorted((ROOT / "eval" / "blind").glob("*.yaml")):
        kept = []
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            expect = [e for e in item["expect"] or () if e in keep]
            if item["scope"] != "in" or expect or (item.get("page") and not item["expect"]):
                kept.append({**item, "expect": expect})
        _write_yaml(target / "eval" / "blind" / path.name, kept)
    return target


def _write_yaml(path: Path, items: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(items, allow_unicode=True, sort_keys=False), encoding="utf-8")


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
