"""Issue 12 (security): forged and revoked editor sessions, the account commands, login limits per account,
deep JSON, one question budget per visitor, the chat form's CSRF token, CSV formulas, control characters in
files, publishing inputs that cannot be saved, private database files and pathological Unicode.

Every app here is in a temporary folder; PostgreSQL is not needed (the store's SQL is the same as in
test_editor.py, which runs on both).
"""

from __future__ import annotations

import io
import time

import pytest
import sqlalchemy as sa
from alembic import command
from editor_support import NAME, PASSWORD, dispose, login
from flask import Flask

from assistant import cli
from assistant.app import create_app
from assistant.database import QuestionLog, alembic_config
from assistant.editor.store import AccountError, EditorStore


def make_editor_app(tmp_path, **config) -> Flask:
    """An app with an editor account and no index (the pages used here do not need one)."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}", "CONTENT_ROOT": str(tmp_path),
                      "BUILD_DIR": str(tmp_path / "build"), "SECRET_KEY": "x" * 32, **config}, assistant=object())
    EditorStore(app.extensions["log"]).add_account(NAME, PASSWORD)
    return app


@pytest.fixture()
def app(tmp_path):
    app = make_editor_app(tmp_path, TESTING=True)
    yield app
    dispose(app)


def logged_in(client) -> bool:
    """Whether ``client``'s session opens the editor (the log export needs no index)."""
    return client.get("/editor/export/log.csv").status_code == 200


def forged_cookie(key: str, data: dict) -> str:
    """A Flask session cookie holding ``data``, signed with ``key`` as Flask signs it."""
    forger = Flask("forger")
    forger.secret_key = key
    return forger.session_interface.get_signing_serializer(forger).dumps(data)


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def assert_locked_out(client) -> None:
    """Nothing of the editor opens for ``client``: pages send it to the login page, data and POSTs get 401."""
    for url in ("/editor/", "/editor/dashboard"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/editor/login"), url
    assert client.get("/editor/export/log.csv").status_code == 401
    assert client.post("/editor/dismiss", data={"csrf_token": "t", "reply_id": "a" * 32}).status_code == 401


# --- finding 1: no session signed with a well-known key -------------------------------------------------------

def test_a_cookie_signed_with_the_default_key_opens_nothing(tmp_path):
    app = make_editor_app(tmp_path, SECRET_KEY="dev", SESSION_COOKIE_SECURE=False)
    try:
        assert app.secret_key != "dev"  # a well-known key is never used to sign anything
        forged = forged_cookie("dev", {"editor": NAME, "csrf": "t", "_permanent": True})
        assert_locked_out(with_cookie(app, forged))
        assert app.test_client().get("/editor/login").status_code == 503  # and logins are refused
        # Even a cookie signed with the generated key itself and holding the account's real token is not honoured.
        account = EditorStore(app.extensions["log"]).get_account(NAME)
        genuine = forged_cookie(app.secret_key, {"editor": NAME, "token": account.session_token,
                                                 "since": int(time.time()), "csrf": "t", "_permanent": True})
        assert_locked_out(with_cookie(app, genuine))
    finally:
        dispose(app)


@pytest.mark.parametrize("key", ["dev", "changeme", "short-key", ""])
def test_development_replaces_a_weak_key_by_a_random_one_so_logins_work(tmp_path, key):
    app = make_editor_app(tmp_path, SECRET_KEY=key, TESTING=True)
    try:
        assert len(app.secret_key) >= 32 and app.secret_key != key
        assert_locked_out(with_cookie(app, forged_cookie(key or "x", {"editor": NAME, "csrf": "t"})))
        client = app.test_client()
        assert login(client).status_code == 302 and logged_in(client)
    finally:
        dispose(app)


def test_a_strong_configured_key_is_kept():
    key = "a-long-random-configured-secret-key"
    app = create_app({"SECRET_KEY": key, "DATABASE_URL": "sqlite://"}, assistant=object())
    assert app.secret_key == key


# --- finding 3: sessions end on logout, new password and removal, copies of the cookie included --------------

def test_logout_ends_every_copy_of_the_session(app):
    client = app.test_client()
    login(client)
    copy = with_cookie(app, session_cookie(client))
    assert logged_in(copy)
    with client.session_transaction() as session:
        token = session["csrf"]
    assert client.post("/editor/logout", data={"csrf_token": token}).status_code == 302
    assert_locked_out(copy)
    assert login(client).status_code == 302 and logged_in(client)  # a new login works


def test_a_new_password_and_removing_the_account_end_its_sessions(app):
    store = EditorStore(app.extensions["log"])
    client = app.test_client()
    login(client)
    copy = with_cookie(app, session_cookie(client))
    store.set_password(NAME, "et helt nytt passord")
    assert_locked_out(copy)
    assert_locked_out(client)
    assert login(client).status_code == 401
    assert login(client, password="et helt nytt passord").status_code == 302
    copy = with_cookie(app, session_cookie(client))
    store.remove_account(NAME)
    assert_locked_out(copy)
    store.add_account(NAME, PASSWORD)  # the same name again is a new account: old cookies do not fit it
    assert_locked_out(copy)


def test_a_session_ends_after_its_lifetime_however_often_it_is_used(app):
    client = app.test_client()
    login(client)
    assert logged_in(client)
    with client.session_transaction() as session:
        session["since"] -= int(app.permanent_session_lifetime.total_seconds()) + 1
    assert_locked_out(client)


def test_store_changes_unknown_accounts_with_a_clear_error(app):
    store = EditorStore(app.extensions["log"])
    for change in (lambda: store.set_password("ukjent", "et langt passord"), lambda: store.remove_account("ukjent"),
                   lambda: store.end_sessions("ukjent")):
        with pytest.raises(AccountError, match="ingen redaktør"):
            change()
    with pytest.raises(AccountError, match="minst 10"):
        store.set_password(NAME, "kort")
    assert [a.name for a in store.accounts()] == [NAME]


def test_migration_0003_gives_existing_accounts_a_token_and_goes_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = sa.create_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(sa.text("INSERT INTO editor_account VALUES ('ola', 'scrypt:x', '2026-11-30 10:00:00')"))
    log = QuestionLog(url)
    log.migrate()
    token = EditorStore(log).get_account("ola").session_token
    assert len(token) >= 32
    log.engine.dispose()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
        assert "session_token" not in {c["name"] for c in sa.inspect(connection).get_columns("editor_account")}
    engine.dispose()


def test_cli_editor_passwd_remove_list(monkeypatch, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    store = EditorStore(QuestionLog(url))
    store.add_account("ola", "et langt passord")
    store.add_account("kari", "et annet langt passord")
    token = store.get_account("ola").session_token

    assert cli.main(["editor", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["kari", "ola"]

    monkeypatch.setattr("sys.stdin", io.StringIO("et nytt langt passord\n"))
    assert cli.main(["editor", "passwd", "ola", "--password-stdin"]) == 0
    assert "nytt passord" in capsys.readouterr().out
    assert store.authenticate("ola", "et nytt langt passord") is not None
    assert store.get_account("ola").session_token != token
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert cli.main(["editor", "passwd", "ola", "--password-stdin"]) == 1
    assert "minst 10" in capsys.readouterr().err
    assert cli.main(["editor", "passwd", "per", "--password-stdin"]) == 1
    assert "ingen redaktør" in capsys.readouterr().err

    assert cli.main(["editor", "remove", "ola"]) == 0
    assert "slettet" in capsys.readouterr().out
    assert store.get_account("ola") is None and store.authenticate("ola", "et nytt langt passord") is None
    assert cli.main(["editor", "remove", "ola"]) == 1
    assert "ingen redaktør" in capsys.readouterr().err
    store.log.engine.dispose()


# --- finding 8: login limit per account, from any address ---------------------------------------------------

def test_failed_logins_are_limited_per_account_from_any_address(tmp_path):
    app = make_editor_app(tmp_path, TESTING=True, EDITOR_LOGIN_LIMIT="100 per minute",
                          EDITOR_LOGIN_ACCOUNT_LIMIT="3 per hour")
    try:
        def attempt(address: str, name: str = NAME, password: str = "feil passord") -> int:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            return login(client, name, password).status_code

        assert attempt("10.0.0.1", password=PASSWORD) == 302  # a good login does not count
        assert [attempt(f"10.0.1.{i}") for i in range(4)] == [401, 401, 401, 429]
        assert attempt("10.0.2.1", password=PASSWORD) == 429  # the account is locked for the hour
        assert attempt("10.0.2.2", name="ola") == 401  # other accounts are not
    finally:
        dispose(app)
