"""The editor pages without publishing: accounts, login, CSRF, the queue, the dashboard, the exports.

Publishing (which rebuilds the index) is tested in test_editor_publish.py. Every app here works on a
copy of the content in a temporary folder.
"""

import csv
import datetime as dt
import io
import re
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml
from editor_support import NAME, PASSWORD, copy_content, csrf, database, dispose, editor_app, login

from assistant import cli
from assistant.app import create_app
from assistant.database import Record
from assistant.dialogue import Assistant
from assistant.editor import auth, charts, content, dashboard, export
from assistant.editor.publish import Change, baseline_ready, gate_reasons, warm_baseline
from assistant.editor.queue import (
    Question,
    cluster_questions,
    find_questions,
    kinds_of,
    nearest_entry,
    queue_questions,
)
from assistant.editor.store import AccountError, EditorStore
from assistant.evaluation import DevQuestion
from assistant.knowledge import load_knowledge
from assistant.rules import entry_problems, phrasing_problems, wrong_words

FNR = "01017010170"  # a made-up fødselsnummer with valid control digits
PHONE = "912 34 567"
XSS = "<script>alert(1)</script>"
UTC = dt.UTC
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    with database(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture()
def root(tmp_path):
    return copy_content(tmp_path / "content")


@pytest.fixture()
def app(index, root, tmp_path):
    app = editor_app(index, root, tmp_path / "build", f"sqlite:///{tmp_path / 'log.sqlite3'}", TESTING=True)
    yield app
    dispose(app)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def logged_in(client):
    assert login(client).status_code == 302
    return client


def ask(client, question: str) -> dict:
    response = client.post("/api/ask", json={"question": question})
    assert response.status_code == 200
    return response.get_json()


def record(reply_id: str = "a" * 32, question: str = "hva koster en pizza", *, when: dt.datetime | None = None,
           lang: str = "nb", entry_id: str | None = None, intent: str | None = None, confidence: float = 0.1,
           fallback: bool = True, helpful: bool | None = None, comment: str | None = None) -> Record:
    return Record(reply_id, when or dt.datetime(2026, 11, 2, 10, tzinfo=UTC), None, question, (), lang, entry_id,
                  intent, confidence, fallback, helpful, comment, None)


# --- accounts and the command line ---------------------------------------------------------------------

def test_accounts_hash_passwords_and_authenticate(db_url):
    app = create_app({"TESTING": True, "DATABASE_URL": db_url}, assistant=object())
    store = EditorStore(app.extensions["log"])
    try:
        account = store.add_account("ola.nordmann", "et langt passord")
        assert account.name == "ola.nordmann" and account.created_at.tzinfo is not None
        assert store.authenticate("ola.nordmann", "et langt passord") == account
        assert store.authenticate("ola.nordmann", "feil passord!!") is None
        assert store.authenticate("ukjent", "et langt passord") is None
        assert store.authenticate("<script>", "x") is None
        with app.extensions["log"].engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT password_hash FROM editor_account")).scalar_one()
        assert stored.startswith("scrypt:") and "et langt passord" not in stored
        with pytest.raises(AccountError, match="allerede"):
            store.add_account("ola.nordmann", "et annet langt passord")
        for bad in ("Ola", "o", "ola nordmann", "ola/../x", ""):
            with pytest.raises(AccountError, match="Navnet"):
                store.add_account(bad, "et langt passord")
        with pytest.raises(AccountError, match="minst 10"):
            store.add_account("kari", "kort")
    finally:
        dispose(app)


def test_review_decisions_are_stored_and_replaced(db_url):
    app = create_app({"TESTING": True, "DATABASE_URL": db_url}, assistant=object())
    store = EditorStore(app.extensions["log"])
    try:
        assert store.mark(["a" * 32, "b" * 32], "dismissed", "kari") == 2
        assert store.mark(["a" * 32], "phrasing", "ola", "varighet") == 1
        assert store.reviewed() == {"a" * 32, "b" * 32}
        with pytest.raises(ValueError):
            store.mark(["c" * 32], "deleted", "kari")
    finally:
        dispose(app)


def test_cli_editor_add_creates_an_account(monkeypatch, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO("et langt passord\n"))
    assert cli.main(["editor", "add", "ola", "--password-stdin"]) == 0
    assert "«ola» er laget" in capsys.readouterr().out
    app = create_app({"TESTING": True, "DATABASE_URL": url}, assistant=object())
    try:
        assert EditorStore(app.extensions["log"]).authenticate("ola", "et langt passord") is not None
    finally:
        dispose(app)
    monkeypatch.setattr("sys.stdin", io.StringIO("et langt passord\n"))
    assert cli.main(["editor", "add", "ola", "--password-stdin"]) == 1
    assert "allerede" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert cli.main(["editor", "add", "per", "--password-stdin"]) == 1
    typed = iter(["et langt passord", "et annet passord"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(typed))
    assert cli.main(["editor", "add", "per"]) == 1
    assert "ulike" in capsys.readouterr().err


# --- login, sessions, CSRF -----------------------------------------------------------------------------

def editor_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("editor.")]


def test_every_editor_route_refuses_anyone_not_logged_in(app, client):
    rules = editor_rules(app)
    assert len(rules) >= 12
    for rule in rules:
        if rule.endpoint in ("editor.login", "editor.asset"):
            continue
        url = rule.build({arg: "a" * 32 for arg in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (method, url, response.status_code)
            if response.status_code == 302:
                assert response.location.startswith("/editor/login?next=")
            assert "Redaktørsider" not in response.get_data(as_text=True)


def test_login_logout_and_cookie_flags(client):
    page = client.get("/editor/")
    assert page.status_code == 302 and page.location == "/editor/login?next=/editor/"
    bad = login(client, password="feil passord")
    assert bad.status_code == 401 and "Feil navn eller passord." in bad.get_data(as_text=True)
    good = login(client)
    assert good.status_code == 302 and good.location == "/editor/"
    cookie = good.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    queue = client.get("/editor/")
    assert queue.status_code == 200 and f"Innlogget som {NAME}" in queue.get_data(as_text=True)
    assert queue.headers["Cache-Control"] == "no-store"
    token = csrf(queue.get_data(as_text=True))
    assert client.post("/editor/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/editor/").status_code == 302


def test_login_goes_to_the_page_asked_for_but_never_off_site(client):
    token = csrf(client.get("/editor/login").get_data(as_text=True))
    data = {"csrf_token": token, "name": NAME, "password": PASSWORD}
    assert client.post("/editor/login", data={**data, "next": "/editor/dashboard?days=7"}).location == \
        "/editor/dashboard?days=7"
    for target in ("https://evil.example/editor", "//evil.example/editor", "/\\evil.example", "/api/health"):
        assert auth.safe_next(target, "/editor/") == "/editor/"


def test_session_cookie_is_secure_outside_development(index, root, tmp_path):
    app = editor_app(index, root, tmp_path / "build", f"sqlite:///{tmp_path / 'log.sqlite3'}")
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        response = login(app.test_client())
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        dispose(app)


def test_login_is_refused_under_a_well_known_secret_key(index, root, tmp_path):
    app = editor_app(index, root, tmp_path / "build", f"sqlite:///{tmp_path / 'log.sqlite3'}", SECRET_KEY="dev")
    try:
        response = app.test_client().get("/editor/login")
        assert response.status_code == 503 and "ASSISTANT_SECRET_KEY" in response.get_data(as_text=True)
    finally:
        dispose(app)


def test_forms_without_the_csrf_token_are_refused(client):
    assert client.post("/editor/login", data={"name": NAME, "password": PASSWORD}).status_code == 400
    login(client)
    for url in ("/editor/logout", "/editor/dismiss", "/editor/out-of-scope", "/editor/new-entry"):
        assert client.post(url, data={"csrf_token": "forged"}).status_code == 400, url
    assert client.get("/editor/").status_code == 200  # still logged in


def test_login_is_rate_limited(index, root, tmp_path):
    app = editor_app(index, root, tmp_path / "build", f"sqlite:///{tmp_path / 'log.sqlite3'}",
                     EDITOR_LOGIN_LIMIT="3 per minute")
    try:
        client = app.test_client()
        codes = [login(client, password="feil passord").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        assert "For mange innloggingsforsøk" in login(client).get_data(as_text=True)
        assert client.get("/editor/login").status_code == 200  # showing the form is not limited
    finally:
        dispose(app)


# --- the queue -----------------------------------------------------------------------------------------

def test_queue_shows_masked_clustered_questions_and_escapes_what_visitors_wrote(client, logged_in):
    for question in ("hva koster en pizza", "hva koster pizza hos dere", "kva kostar ein pizza",
                     f"hva koster en pizza levert? fødselsnummer {FNR}, ring {PHONE}", XSS):
        assert ask(client, question)["fallback"]
    answered = ask(client, "Hvor lenge kan et forsøk vare?")
    client.post("/api/feedback", json={"reply_id": answered["reply_id"], "helpful": False,
                                       "comment": f"<b>ring {PHONE}</b>"})
    html = logged_in.get("/editor/").get_data(as_text=True)
    assert FNR not in html and PHONE not in html and "«[fødselsnummer]»" in html and "«[telefon]»" in html
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    clusters = re.findall(r'<section class="cluster".*?</section>', html, flags=re.S)
    pizza = next(c for c in clusters if "hva koster en pizza" in c)
    assert "kva kostar ein pizza" in pizza and "Klynge 1: 4 spørsmål" in pizza  # the largest first
    assert "Hvor lenge kan et forsøk vare?" in html and "Ikke nyttig (👎)" in html
    reply_id = re.search(r'href="/editor/questions/([0-9a-f]{32})"', pizza).group(1)
    page = logged_in.get(f"/editor/questions/{reply_id}").get_data(as_text=True)
    assert "Legg til som ny formulering" in page and 'name="entry_id"' in page


def test_dismissed_questions_leave_the_queue(client, logged_in):
    reply_id = ask(client, "hva koster en pizza")["reply_id"]
    token = csrf(logged_in.get("/editor/").get_data(as_text=True))
    response = logged_in.post("/editor/dismiss", data={"csrf_token": token, "reply_id": reply_id})
    assert response.status_code == 302
    assert "hva koster en pizza" not in logged_in.get("/editor/").get_data(as_text=True)
    assert logged_in.get(f"/editor/questions/{reply_id}").status_code == 404


def test_queue_kinds_grouping_and_lookup():
    assert kinds_of(record(), 0.9) == ["fallback"]
    assert kinds_of(record(entry_id="varighet", confidence=0.95, fallback=False), 0.9) == []
    assert kinds_of(record(entry_id="varighet", confidence=0.86, fallback=False), 0.9) == ["low_confidence"]
    assert kinds_of(record(intent="clarify", confidence=0.3, fallback=False), 0.9) == ["low_confidence"]
    assert kinds_of(record(entry_id="varighet", confidence=0.99, fallback=False, helpful=False), 0.9) == \
        ["thumbs_down"]
    assert kinds_of(record(intent="greeting", confidence=0.0, fallback=False), 0.9) == []
    records = [record("1" * 32, "Hva koster en pizza?"), record("2" * 32, "hva koster en  pizza"),
               record("3" * 32, "hei", intent="greeting", fallback=False), record("4" * 32, "noe annet")]
    questions = queue_questions(records, {"4" * 32}, 0.9)
    assert [(q.key, q.count) for q in questions] == [("hva koster en pizza", 2)]
    assert find_questions(questions, ["2" * 32, "9" * 32]) == questions


def test_clusters_join_similar_questions_across_malformer_and_typos():
    texts = ["hva koster en pizza", "kva kostar ein pizza", "pris på pizza", "kan vi slippe eiendomsskatt",
             "kan kommunen slippe eiendomsskatten", "åpningstider svømmehall", "når åpner svømmehallen",
             "hvor mange år får forsoket vare", "kor mange år kan forsøket vare"]
    now = dt.datetime.now(UTC)
    questions = [Question(t, t, (str(i),), "nb", ("fallback",), now, None) for i, t in enumerate(texts)]
    groups = {frozenset(q.text for q in group) for group in cluster_questions(questions, 0.75)}
    assert groups == {frozenset(texts[0:3]), frozenset(texts[3:5]), frozenset(texts[5:7]), frozenset(texts[7:9])}
    assert cluster_questions([], 0.75) == [] and len(cluster_questions(questions[:1], 0.75)) == 1



def test_nearest_entry_is_voted_by_how_often_asked_and_a_tie_goes_to_the_surer_ranking(index):
    assistant = Assistant(index)
    now = dt.datetime.now(UTC)

    def asked(text: str, times: int) -> Question:
        return Question(text, text, tuple(str(i) for i in range(times)), "nb", ("fallback",), now, None)

    about, noise = "hvor lenge gjelder unntaket vårt", "hvem ringer jeg til"
    assert assistant.rank(noise).top.id != assistant.rank(about).top.id == "varighet"
    # One each: the ranking the assistant is surer of wins, whichever comes first.
    sure = max((about, noise), key=lambda t: assistant.rank(t).confidence)
    for order in ((about, noise), (noise, about)):
        nearest = nearest_entry(assistant, [asked(t, 1) for t in order])
        assert nearest.entry_id == assistant.rank(sure).top.id
    # Asked more often wins the vote.
    nearest = nearest_entry(assistant, [asked(noise, 1), asked(about, 3)])
    assert nearest.entry_id == "varighet" and nearest.question == index.kb.by_id["varighet"].nb.questions[0]

# --- content and validation ----------------------------------------------------------------------------

def test_add_phrasing_changes_one_line_and_the_review_date(root):
    path = root / "faq" / "varighet.yaml"
    before = path.read_text(encoding="utf-8")
    content.add_phrasing(path, "nn", "kor mange år får forsøket: vare", dt.date(2027, 1, 15))
    after = path.read_text(encoding="utf-8")
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert [line for line in removed if not line.startswith("reviewed:")] == []
    assert sorted(added) == ["    - 'kor mange år får forsøket: vare'", "reviewed: 2027-01-15"]
    data = yaml.safe_load(after)
    assert data["nn"]["questions"][-1] == "kor mange år får forsøket: vare"
    assert data["nb"] == yaml.safe_load(before)["nb"]


def test_entries_written_in_the_house_style_read_back_the_same(root):
    kb = load_knowledge(root)
    for entry in kb.entries:
        data = yaml.safe_load((root / entry.path).read_text(encoding="utf-8"))
        text = content.entry_yaml(data)
        assert "  answer: >-\n    " in text and "\n    - " in text
        assert content._normalised(yaml.safe_load(text)) == content._normalised(data)
    for tricky in ("- starter med strek", "har # og: kolon", "'sitat'", '"dobbelt"', "@alfa", "ja", "123"):
        assert yaml.safe_load(f"q: {content.yaml_scalar(tricky)}")["q"] == tricky


def test_dev_questions_and_change_lines(root):
    content.add_dev_questions(root, [DevQuestion("hva koster «[telefon]»: x", None, "nb"),
                                     DevQuestion("kor lenge varer det", "varighet", "nn")])
    items = yaml.safe_load((root / content.DEVSET_FILE).read_text(encoding="utf-8"))
    assert items == [{"q": "hva koster «[telefon]»: x", "expect": "none", "lang": "nb", "typo": False},
                     {"q": "kor lenge varer det", "expect": "varighet", "lang": "nn", "typo": False}]
    line = content.change_line(dt.datetime(2026, 11, 30, 10, 5, tzinfo=OSLO), "kari", "FAQ x:\nny\tlinje")
    assert line == "2026-11-30T09:05:00Z\tkari\tFAQ x: ny linje\n"


def test_content_rules_for_changed_entries(index):
    kb = index.kb
    assert all(entry_problems(entry, kb) == [] for entry in kb.entries)
    entry = kb.by_id["varighet"]
    assert phrasing_problems(entry, "nb", "hvor lenge kan et forsøk vare") != []  # already there
    assert "nynorsk" in phrasing_problems(entry, "nb", "kor lenge kan eit forsøk vare no")[0].message
    assert "personopplysninger" in phrasing_problems(entry, "nb", f"hvor lenge, ring {PHONE}")[0].message
    assert phrasing_problems(entry, "nb", "hvor mange år får forsøket vare") == []
    assert wrong_words("korleis kan eg søkje", "nb") == ["korleis", "eg", "søkje"]


def test_gate_refuses_drops_beyond_the_margins():
    before = {"top1": 0.90, "oos_false_answer_rate": 0.05}
    assert gate_reasons(before, {"top1": 0.895, "oos_false_answer_rate": 0.055}, 0.01, 0.01) == []
    reasons = gate_reasons(before, {"top1": 0.88, "oos_false_answer_rate": 0.07}, 0.01, 0.01)
    assert len(reasons) == 2 and "90.0%" in reasons[0] and "88.0%" in reasons[0] and "7.0%" in reasons[1]
    assert gate_reasons({"top1": 0.9, "oos_false_answer_rate": float("nan")},
                        {"top1": 0.9, "oos_false_answer_rate": 0.0}, 0.01, 0.01) == []


def test_new_entry_needs_both_malformer_before_it_is_published(client, logged_in):
    reply_id = ask(client, "kan kommunen slippe eiendomsskatt i et forsøk")["reply_id"]
    form = logged_in.get(f"/editor/new-entry?reply_id={reply_id}").get_data(as_text=True)
    assert "kan kommunen slippe eiendomsskatt i et forsøk" in form and 'value="kan-kommunen-slippe' in form
    data = {"csrf_token": csrf(form), "reply_id": reply_id, "id": "eiendomsskatt", "source": "", "related": "",
            "nb_questions": "kan kommunen slippe eiendomsskatt", "nb_answer": "Nei.", "nn_questions": "",
            "nn_answer": ""}
    response = logged_in.post("/editor/new-entry", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Både bokmål og nynorsk må ha spørsmål og svar" in page and "mangler: nynorsk" in page
    assert "Velg kildesiden" in page
    response = logged_in.post("/editor/new-entry", data={**data, "id": "Ikke En Slug", "related": "finnes-ikke"})
    page = response.get_data(as_text=True)
    assert "forslag: «ikke-en-slug»" in page and "finnes-ikke" in page



def test_a_refused_new_entry_can_be_reopened_as_it_was_sent(app, client, logged_in):
    question = "kan kommunen slippe eiendomsskatt i et forsøk"
    reply_id = ask(client, question)["reply_id"]
    source = app.extensions["assistant"].index.kb.by_id["varighet"].source.url
    entry = {"id": "eiendomsskatt", "source": {"url": source, "title": "Lov"}, "related": ["varighet", "forlengelse"],
             "nb": {"questions": ["kan vi slippe eiendomsskatt", "eiendomsskatt forsøk"], "answer": "Nei & <nei>."},
             "nn": {"questions": ["kan vi sleppe eigedomsskatt"], "answer": "Nei."}}
    jobs = app.extensions["editor"].publisher.jobs
    job = jobs.create(Change(editor=NAME, action="new_entry", summary="FAQ eiendomsskatt: ny oppføring",
                             new_entry=entry, reply_ids=(reply_id,)))
    retry = f"/editor/new-entry?job={job['id']}"
    assert logged_in.get(retry).status_code == 404  # still running: nothing to reopen
    jobs.save({**job, "state": "refused", "message": "Avvist", "reasons": ["topp-1 falt"]})
    page = logged_in.get(f"/editor/jobs/{job['id']}").get_data(as_text=True)
    assert f'href="{retry}"' in page and "prøv igjen" in page
    form = logged_in.get(retry).get_data(as_text=True)
    assert 'name="id" value="eiendomsskatt"' in form and f'<option value="{source}" selected>' in form
    assert 'value="varighet, forlengelse"' in form and "kan vi slippe eiendomsskatt\neiendomsskatt forsøk" in form
    assert "Nei &amp; &lt;nei&gt;." in form and "kan vi sleppe eigedomsskatt" in form
    assert question in form and f'name="reply_id" value="{reply_id}"' in form  # the visitor's question comes along
    # An accepted job, or one for a phrasing, has nothing to reopen.
    jobs.save({**job, "state": "accepted"})
    assert logged_in.get(retry).status_code == 404
    other = jobs.create(Change(editor=NAME, action="phrasing", summary="x"))
    jobs.save({**other, "state": "refused"})
    assert logged_in.get(f"/editor/new-entry?job={other['id']}").status_code == 404
    assert "prøv igjen" not in logged_in.get(f"/editor/jobs/{other['id']}").get_data(as_text=True)
    assert logged_in.get("/editor/new-entry?job=not-a-job").status_code == 404

# --- dashboard and exports -----------------------------------------------------------------------------

def test_dashboard_figures_in_local_days_and_office_hours(index):
    monday = dt.datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # 08:30 in Oslo: office hours
    records = [
        record("1" * 32, when=monday, entry_id="varighet", confidence=0.99, fallback=False, helpful=True),
        record("2" * 32, when=monday.replace(hour=16), entry_id="varighet", confidence=0.99, fallback=False,
               helpful=False, lang="nn"),  # 17:00 in Oslo: outside office hours
        record("3" * 32, when=monday.replace(hour=23, minute=30)),  # 00:30 on Tuesday in Oslo
        record("4" * 32, when=dt.datetime(2026, 11, 28, 12, tzinfo=UTC)),  # a Saturday
    ]
    stats = dashboard.compute(records, index.kb, first=dt.date(2026, 11, 23), last=dt.date(2026, 11, 29), tz=OSLO)
    assert [d.questions for d in stats.days] == [2, 1, 0, 0, 0, 1, 0]
    assert stats.days[0].answered_rate == 1.0 and stats.days[0].thumbs_down_rate == 0.5
    assert stats.days[1].answered_rate == 0.0 and stats.days[2].answered_rate is None
    assert stats.outside_office_hours == 3 and stats.langs == {"nb": 3, "nn": 1}
    assert [(e.entry_id, e.count) for e in stats.top_entries] == [("varighet", 2)]
    assert stats.share(stats.total("answered")) == 0.5


def test_charts_are_scaled_and_break_lines_at_missing_days():
    bars = charts.bar_chart("c", "T", "D", ["1", "2", "3"], [0, 7, 3])
    assert [tick[1] for tick in bars.y_ticks] == ["0", "5", "10"]
    assert bars.bars[1].height > bars.bars[2].height > bars.bars[0].height == 0
    assert all(charts.LEFT <= bar.x and bar.x + bar.width <= bars.right for bar in bars.bars)
    line = charts.line_chart("l", "T", "D", ["1", "2", "3", "4"], [("A", "a", [0.5, None, 1.0, 0.0])])
    assert line.series[0].path.count("M") == 2 and len(line.series[0].points) == 3
    assert charts.nice_ceiling(0) == 1 and charts.nice_ceiling(11) == 20 and charts.nice_ceiling(2.2) == 2.5


def test_dashboard_page_has_accessible_svg_charts_with_tables(client, logged_in):
    ask(client, "Hvor lenge kan et forsøk vare?")
    ask(client, "hva koster en pizza")
    html = logged_in.get("/editor/dashboard?days=7").get_data(as_text=True)
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg and "aria-labelledby" in svg
    assert html.count('<table class="daily">') == 2 and 'scope="col"' in html and 'scope="row"' in html
    assert "varighet" in html and "hva koster en pizza" in html and "<script" not in html
    assert "Siste 7 dager" in html


def test_dashboard_tables_list_only_days_with_questions(client, logged_in):
    html = logged_in.get("/editor/dashboard?days=30").get_data(as_text=True)
    assert html.count("Ingen spørsmål i perioden.") == 2  # not 30 rows of zeros
    ask(client, "Hvor lenge kan et forsøk vare?")
    html = logged_in.get("/editor/dashboard?days=30").get_data(as_text=True)
    for table in re.findall(r'<table class="daily">.*?</table>', html, flags=re.S):
        assert table.count('<th scope="row">') == 1  # today only


def test_the_result_page_flags_a_rise_in_out_of_scope_answers_and_shows_the_time(app, logged_in):
    jobs = app.extensions["editor"].publisher.jobs
    metrics = {"n": 100, "top1": 0.9, "recall_at_3": 0.97, "answered_rate": 0.8}
    job = {"id": "a" * 32, "editor": NAME, "summary": "FAQ x: ny formulering", "entry_id": "x", "state": "accepted",
           "step": "", "started": 0, "finished": 1, "message": "Publisert.", "problems": [], "reasons": [],
           "before": {**metrics, "oos_false_answer_rate": 0.037}, "after": {**metrics, "oos_false_answer_rate": 0.047},
           "worse": [{"q": "Når er valget?", "expect": "none", "got": "x", "lang": "nb"}], "content_hash": "h",
           "elapsed": 61.4, "timings": {"Bygger indeksen": 40.2, "Sammenligner med gjeldende indeks": 20.0}}
    jobs.folder.mkdir(parents=True, exist_ok=True)
    jobs.save(job)
    html = logged_in.get(f"/editor/jobs/{job['id']}").get_data(as_text=True)
    assert 'id="oos-rise"' in html and "stiger fra 3.7 % til 4.7 %" in html
    assert '<tr class="worse">' in html and "▲ økning" in html and "Når er valget?" in html
    assert "Publiseringen tok 61.4 sekunder" in html and "Bygger indeksen" in html
    jobs.save({**job, "after": job["before"]})
    html = logged_in.get(f"/editor/jobs/{job['id']}").get_data(as_text=True)
    assert 'id="oos-rise"' not in html and 'class="worse"' not in html
    assert jobs.last_duration() == 61.4


def test_opening_the_queue_grades_the_development_set_in_the_background(index, root, logged_in):
    logged_in.get("/editor/")
    thread = next((t for t in threading.enumerate() if t.name == "baseline-warm"), None)
    if thread:
        thread.join(600)
    assert baseline_ready(index)  # a publish now skips the largest step
    assert warm_baseline(index, root) is None  # once per index


def test_log_export_opens_in_excel_and_defuses_formulas(client, logged_in):
    ask(client, f"=HYPERLINK(\"http://x\") ring {PHONE}")
    ask(client, "Hvor lenge kan et forsøk vare?")
    response = logged_in.get("/editor/export/log.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(export.LOG_FIELDS) and len(rows) == 3
    questions = [row[2] for row in rows[1:]]
    assert any(q.startswith("'=HYPERLINK") and "«[telefon]»" in q for q in questions)
    assert PHONE not in body.decode("utf-8")


def test_faq_export_is_the_cli_csv(logged_in, root):
    body = logged_in.get("/editor/export/faq.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2 * len(load_knowledge(root).entries) and rows[0]["lang"] == "nb"


def test_editor_assets_are_served_without_login(client):
    assert client.get("/editor/editor.css").status_code == 200
    assert client.get("/editor/editor.js").status_code == 200


def test_fresh_assistant_per_app(app, assistant):
    assert isinstance(app.extensions["assistant"], Assistant) and app.extensions["assistant"] is not assistant


def test_job_pages_show_the_numbers_and_escape_everything(app, logged_in):
    jobs = app.extensions["editor"].publisher.jobs
    jobs.folder.mkdir(parents=True)
    metrics = {"n": 480, "top1": 0.91, "recall_at_3": 0.97, "answered_rate": 0.8, "oos_false_answer_rate": 0.02}
    refused = {"id": "f" * 32, "editor": NAME, "summary": f"FAQ varighet: ny formulering (nb) «{XSS}»",
               "entry_id": "varighet", "state": "refused", "step": "", "started": 0, "finished": 1,
               "message": "Endringen er avvist fordi den ville gjort andre svar dårligere.",
               "reasons": ["Andelen riktige førstevalg (topp-1) faller fra 91.0% til 88.5%; høyst 1.0% nedgang er "
                           "tillatt."], "problems": [], "before": metrics, "after": {**metrics, "top1": 0.885},
               "worse": [{"q": XSS, "expect": "webinar", "got": "alle-sektorer", "lang": "nb"}]}
    jobs.save(refused)
    html = logged_in.get(f"/editor/jobs/{'f' * 32}").get_data(as_text=True)
    assert "Avvist" in html and "faller fra 91.0% til 88.5%" in html
    assert "<td>91.0 %</td><td>88.5 %</td>" in html and "alle-sektorer" in html
    assert XSS not in html and "&lt;script&gt;" in html
    assert logged_in.get(f"/editor/jobs/{'f' * 32}/status.json").get_json() == {"state": "refused", "step": ""}
    jobs.save({**refused, "id": "e" * 32, "state": "invalid", "before": None, "after": None, "worse": [],
               "message": "Endringen er ikke publisert fordi innholdet ikke oppfyller reglene.",
               "problems": ["faq/varighet.yaml: nn.questions: «x» har ord som bare finnes på bokmål: hvor"]})
    html = logged_in.get(f"/editor/jobs/{'e' * 32}").get_data(as_text=True)
    assert "Ikke publisert" in html and "har ord som bare finnes på bokmål" in html
    assert logged_in.get("/editor/jobs/not-a-job").status_code == 404
    assert logged_in.get(f"/editor/jobs/{'0' * 32}").status_code == 404


def test_no_template_or_view_marks_text_safe():
    package = Path(content.__file__).parent
    sources = [p.read_text(encoding="utf-8") for p in (package.parent / "templates" / "editor").glob("*.html")]
    sources += [p.read_text(encoding="utf-8") for p in package.glob("*.py")]
    assert len(sources) > 15
    assert not any("|safe" in s or "| safe" in s or "Markup(" in s or "autoescape false" in s for s in sources)


def test_editor_pages_may_not_be_framed_by_anyone(assistant, tmp_path):
    from assistant.app import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/log.sqlite3",
                      "CORS_ORIGINS": ["https://kommune.example"]}, assistant=assistant)
    client = app.test_client()
    assert "frame-ancestors 'none'" in client.get("/editor/login").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://kommune.example" in client.get("/").headers["Content-Security-Policy"]
