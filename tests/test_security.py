"""Issue 12 (security): forged and revoked editor sessions, the account commands, login limits per account,
deep JSON, one question budget per visitor, the chat form's CSRF token, CSV formulas, control characters in
files, publishing inputs that cannot be saved, private database files and pathological Unicode.

Every app here is in a temporary folder; PostgreSQL is not needed (the store's SQL is the same as in
test_editor.py, which runs on both).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import stat
import time

import pytest
import sqlalchemy as sa
import yaml
from alembic import command
from editor_support import NAME, PASSWORD, copy_content, csrf, dispose, editor_app, login
from flask import Flask

from assistant import cli
from assistant.api import json_depth
from assistant.app import create_app
from assistant.database import DEFAULT_SQLITE_NAME, QuestionLog, Record, alembic_config, open_log
from assistant.editor import content, export
from assistant.editor.publish import Change, Publisher
from assistant.editor.store import AccountError, EditorStore
from assistant.evaluation import DevQuestion
from assistant.sanitize import has_controls
from assistant.text import normalize


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


# --- finding 4: deep JSON and the size limit -----------------------------------------------------------------

@pytest.fixture()
def api(assistant, tmp_path):
    """The app as in production (no TESTING: an exception would be a 500), its log in SQLite, no rate limit."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}", "RATELIMIT_ENABLED": False},
                     assistant=assistant)
    yield app.test_client()
    app.extensions["log"].engine.dispose()


@pytest.mark.parametrize("path", ["/api/ask", "/api/feedback"])
def test_deeply_nested_json_gets_a_json_400_not_a_500(api, path):
    for depth in (21, 1000, 4000):
        response = api.post(path, data='{"question": ' + "[" * depth + "]" * depth + "}",
                            content_type="application/json")
        assert response.status_code == 400, depth
        assert response.get_json()["error"]["code"] == "too_deep"
        assert "nestet for dypt" in response.get_json()["error"]["message"]
    too_large = api.post(path, data="[" * 9000 + "]" * 9000, content_type="application/json")
    assert too_large.status_code == 413 and too_large.get_json()["error"]["code"] == "payload_too_large"


def test_brackets_inside_strings_do_not_count_as_nesting(api):
    response = api.post("/api/ask", json={"question": "Hvem kan søke? " + "[{" * 40 + " \\\" " + "}]" * 40})
    assert response.status_code == 200
    assert json_depth(b'{"a": "[[[[\\\\", "b": [[1]]}') == 3


# --- finding 8: one question budget per visitor, the chat form's token -----------------------------------------

def form_token_of(client, url: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_one_question_budget_across_the_api_the_chat_page_and_embed(assistant, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
                      "RATELIMIT_DEFAULT": "3 per minute"}, assistant=assistant)
    client = app.test_client()
    tokens = {url: form_token_of(client, url) for url in ("/", "/embed")}

    def ask_everywhere() -> list[int]:
        return [client.post("/api/ask", json={"question": "Hvem kan søke?"}).status_code,
                *(client.post(url, data={"question": "Hvem kan søke?", "form_token": token}).status_code
                  for url, token in tokens.items())]

    assert ask_everywhere() == [200, 303, 303]  # the chat forms answer with POST-redirect-GET
    assert ask_everywhere() == [429, 429, 429]
    assert client.get("/").status_code == 200  # reading the page is not limited
    feedback = client.post("/api/feedback", json={"reply_id": "0" * 32, "helpful": True})
    assert feedback.status_code == 404  # feedback has its own budget
    app.extensions["log"].engine.dispose()


@pytest.fixture()
def chat(assistant, tmp_path):
    """The app with the chat pages, in testing mode."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}"}, assistant=assistant)
    yield app
    app.extensions["log"].engine.dispose()


@pytest.mark.parametrize("url", ["/", "/embed", "/?lang=nn"])
def test_the_chat_form_needs_a_token_of_its_own_page_and_address(chat, url):
    app, client = chat, chat.test_client()
    log = app.extensions["log"]
    token = form_token_of(client, url)
    expired = "Skjemaet hadde gått ut" if "nn" in url else "Skjemaet var utløpt"
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for sender, data in ((client, {"question": "Hvem kan søke?"}),  # another site's form has no token
                         (client, {"question": "Hvem kan søke?", "form_token": "forged"}),
                         (other, {"question": "Hvem kan søke?", "form_token": token}),  # fetched from elsewhere
                         (client, {"reply_id": "0" * 32, "helpful": "0"})):
        response = sender.post(url, data=data)
        assert response.status_code == 400 and expired in response.get_data(as_text=True)
    assert log.records() == []  # nothing reached the review queue
    response = client.post(url, data={"question": "Hvem kan søke?", "form_token": token})
    assert response.status_code == 303 and len(log.records()) == 1  # answered, then POST-redirect-GET
    assert client.get(response.headers["Location"]).headers["Cache-Control"] == "no-store"
    assert client.get(url).headers["Cache-Control"] == "no-store"  # a page with a visitor's token is not cached
    app.config["FORM_TOKEN_SECONDS"] = -1
    assert client.post(url, data={"question": "Hvem kan søke?", "form_token": token}).status_code == 400


# --- finding 8: CSV formulas, control characters in files -----------------------------------------------------

def test_faq_csv_from_the_command_line_never_holds_a_live_formula(tmp_path, capsysbinary):
    root = copy_content(tmp_path / "content")
    path = root / "faq" / "varighet.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["nb"]["answer"] = '=HYPERLINK("https://evil.example","Klikk") ' + data["nb"]["answer"]
    data["nb"]["questions"][0] = "-1+1 " + data["nb"]["questions"][0]
    data["source"]["title"] = "@SUM(A1) \x1b[31m" + data["source"]["title"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert cli.main(["--root", str(root), "export", "--format", "csv"]) == 0
    text = capsysbinary.readouterr().out.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    row = next(r for r in rows if r["id"] == "varighet" and r["lang"] == "nb")
    assert row["answer"].startswith("'=HYPERLINK") and row["questions"].startswith("'-1+1")
    assert row["source_title"].startswith("'@SUM") and "\x1b" not in text
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


def test_log_csv_strips_terminal_escapes_and_defuses_formulas():
    record = Record("a" * 32, dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC), None, "\x1b]0;eid\x07=1+1 \x1b[2Jhei",
                    (), "nb", None, None, 0.1, True, False, "\u202e+cmd|' /C calc'!A0", None)
    rows = list(csv.reader(io.StringIO(export.log_csv([record], dt.UTC).lstrip("\ufeff")), delimiter=";"))
    question, comment = rows[1][2], rows[1][9]
    assert question == "]0;eid=1+1 [2Jhei" and comment == "'+cmd|' /C calc'!A0"


def test_no_control_character_reaches_the_change_log_or_the_devset(tmp_path):
    evil = "hei \x1b[2J\x1b]0;pwned\x07\u202everden\x00\x9b31m"
    content.append_change(tmp_path, content.change_line(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), "kari",
                                                        f"Utviklingssett: «{evil}» er utenfor tema"))
    content.add_dev_questions(tmp_path, [DevQuestion(evil, None, "nb")])
    for name in (content.CHANGES_FILE, content.DEVSET_FILE):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert not has_controls(text.replace("\n", "").replace("\t", "")), name
        assert "\\e" not in text and "\\x" not in text, name  # not escaped either: gone
    assert yaml.safe_load((tmp_path / content.DEVSET_FILE).read_text())[0]["q"] == "hei [2J]0;pwnedverden31m"


# --- finding 8: publishing inputs that cannot be saved get clear Norwegian errors ---------------------------

def new_entry(entry_id: str, nb_answer: str) -> dict:
    source = {"url": "https://www.regjeringen.no/no/tema/kommuner-og-regioner/kommunereform/forsoksordningen/"
                     "id2972383/", "title": "x"}
    questions = [f"spørsmål nummer {i} om dette" for i in range(6)]
    return {"id": entry_id, "source": source, "related": [], "nb": {"questions": questions, "answer": nb_answer},
            "nn": {"questions": questions, "answer": "Eit svar."}}


def test_a_slug_too_long_for_a_file_name_is_refused_with_a_clear_error(tmp_path):
    root = copy_content(tmp_path / "content")
    publisher = Publisher(root, tmp_path / "build")
    change = Change(editor=NAME, action="new_entry", summary="test", new_entry=new_entry("a" * 300, "Et svar."))
    outcome = publisher.run(change, assistant=None)  # refused before anything is built
    assert outcome.state == "invalid"
    assert any("høyst 80" in p and "velg en kortere id" in p for p in outcome.problems), outcome.problems
    with pytest.raises(content.ContentError, match="kan ikke lagres"):  # and a file name the system refuses
        content.write_entry(root, new_entry("a" * 300, "Et svar."))


def test_the_new_entry_form_names_control_characters_and_long_ids(index, tmp_path):
    root = copy_content(tmp_path / "content")
    app = editor_app(index, root, tmp_path / "build", f"sqlite:///{tmp_path / 'log.sqlite3'}", TESTING=True)
    try:
        client = app.test_client()
        login(client)
        form = client.get("/editor/new-entry").get_data(as_text=True)
        source = re.search(r'<option value="(https://[^"]+)"', form).group(1)
        questions = "\n".join(f"kan kommunen søke om forsøk nummer {i}" for i in range(6))
        data = {"csrf_token": csrf(form), "id": "a" * 300, "source": source, "related": "",
                "nb_questions": questions, "nb_answer": "Ja, det \x07kan den.", "nn_questions": questions,
                "nn_answer": "Ja, det kan han."}
        response = client.post("/editor/new-entry", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "høyst 80" in page and "kontrolltegn" in page and "U+0007" in page
        assert "intern feil" not in page
    finally:
        dispose(app)


# --- finding 8: database files are private --------------------------------------------------------------------

def test_the_sqlite_database_is_created_readable_by_its_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        log = open_log({"DATABASE_URL": None, "SECRET_KEY": "k" * 32}, tmp_path / "instance")
        EditorStore(log).add_account("ola", "et langt passord")  # password hashes are stored
    finally:
        os.umask(old)
    files = sorted((tmp_path / "instance").glob(DEFAULT_SQLITE_NAME + "*"))
    assert files and files[0].name == DEFAULT_SQLITE_NAME
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    log.engine.dispose()


# --- finding 8: pathological Unicode -----------------------------------------------------------------------------

def test_pathological_unicode_costs_about_what_an_ordinary_question_costs(api, assistant, monkeypatch):
    analysed = []
    real_ask = assistant.ask
    monkeypatch.setattr(assistant, "ask", lambda question, **kw: analysed.append(question) or real_ask(question, **kw))
    pathological = "\ufdfa" * 500  # NFKC makes 18 characters of each
    ordinary = ("Hvem kan søke om å delta i forsøksordningen for kommuner og fylkeskommuner, og når er fristen? "
                * 6)[:500]

    def cost(question: str) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            assert api.post("/api/ask", json={"question": question}).status_code == 200
            times.append(time.perf_counter() - start)
        return min(times)

    assert cost(pathological) < 3 * cost(ordinary)
    assert len(normalize(analysed[0])) <= 500 and analysed[-1] == ordinary  # ordinary text is analysed as sent
