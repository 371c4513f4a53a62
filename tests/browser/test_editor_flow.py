"""The editor pages in a real browser, against SQLite and PostgreSQL: log in, open the queue, add a phrasing to an
entry, publish, and the assistant now answers that question. Visitor text is shown as text, never run; every page
passes the same WCAG 2.1 AA checks (axe-core) as the widget.
"""

import contextlib
import json
import secrets
from collections.abc import Iterator

import pytest
from conftest import Server  # tests/browser/conftest.py: the app on 127.0.0.1 in a thread
from editor_support import FNR, NAME, PASSWORD, PHONE, UNANSWERED, copy_content, database, dispose, editor_app
from playwright.sync_api import Page, expect
from widget_helpers import ask, run_axe, shot, wait_for_widget

XSS = "<script>alert(1)</script>"
PUBLISH_TIMEOUT = 240_000  # ms: a rebuild takes tens of seconds on a small machine


@contextlib.contextmanager
def serve(request: pytest.FixtureRequest, kind: str, index, tmp_path) -> Iterator[Server]:
    """The assistant over a copy of the content, with an editor account and a few questions it could not answer."""
    with database(request, kind, tmp_path) as db_url:
        # The production cookie settings (HttpOnly, SameSite, Secure): browsers keep Secure cookies from 127.0.0.1.
        app = editor_app(index, copy_content(tmp_path / "content"), tmp_path / "build", db_url,
                         SECRET_KEY=secrets.token_hex(32))
        assert app.config["SESSION_COOKIE_SECURE"] is True
        client = app.test_client()
        for question in (UNANSWERED, f"{UNANSWERED}? fnr {FNR}, ring {PHONE}", XSS,
                         "hva koster en pizza", "kva kostar ein pizza"):
            assert client.post("/api/ask", json={"question": question}).get_json()["id"] is None, question  # unanswered
        server = Server(app)
        try:
            yield server
        finally:
            server.close()
            dispose(app)


@pytest.fixture(params=["sqlite", "postgresql"])
def editor_server(request, index, tmp_path) -> Iterator[Server]:
    """:func:`serve` on SQLite and on PostgreSQL."""
    with serve(request, request.param, index, tmp_path) as server:
        yield server


@pytest.fixture()
def sqlite_editor_server(request, index, tmp_path) -> Iterator[Server]:
    """:func:`serve` on SQLite (for checks where the database makes no difference)."""
    with serve(request, "sqlite", index, tmp_path) as server:
        yield server


def log_in(page: Page, url: str) -> None:
    page.goto(url + "/editor/")
    expect(page.get_by_role("heading", name="Logg inn som redaktør")).to_be_visible()
    page.get_by_label("Navn").fill(NAME)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", name="Gjennomgang av spørsmål")).to_be_visible()


def assert_accessible(page: Page, axe_source: str) -> None:
    result = run_axe(page, axe_source)
    assert result["passes"] > 10
    assert result["violations"] == [], json.dumps(result["violations"], indent=1, ensure_ascii=False)


def test_log_in_add_a_phrasing_publish_and_the_assistant_answers(context_factory, editor_server, axe_source):
    page = context_factory(bypass_csp=True).new_page()  # axe-core injects a style of its own while it runs
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, editor_server.url)

    # The queue: clustered, masked, and what visitors wrote is text, never markup.
    queue = page.locator("main")
    expect(queue.get_by_role("rowheader", name=XSS, exact=True)).to_be_visible()
    expect(queue).to_contain_text("«[fødselsnummer]»")
    expect(queue).not_to_contain_text(FNR)
    expect(queue).not_to_contain_text(PHONE)
    cluster = page.locator("section.cluster").filter(has_text=UNANSWERED)
    expect(cluster).to_contain_text("varighet")  # the nearest entry
    expect(cluster.get_by_role("row")).to_have_count(3)  # the header and the two questions
    assert_accessible(page, axe_source)

    cluster.get_by_role("link", name=f"Behandle spørsmålet: {UNANSWERED}", exact=True).click()
    expect(page.get_by_role("heading", name="Behandle spørsmål")).to_be_visible()
    expect(page.get_by_label("Oppføring", exact=True)).to_have_value("varighet")
    expect(page.get_by_label("Formulering", exact=True)).to_have_value(UNANSWERED)
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Publiser formuleringen").click()

    # The publish page reports progress, then the result, without a reload.
    expect(page.get_by_role("heading", name="Publisering", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Publisert")).to_be_visible(timeout=PUBLISH_TIMEOUT)
    expect(page.get_by_role("status")).to_contain_text("Riktig førstevalg (topp-1)")
    assert_accessible(page, axe_source)

    # The assistant answers the question at once, on the chat page.
    page.goto(editor_server.url + "/")
    wait_for_widget(page)
    ask(page, UNANSWERED)
    expect(page.locator(".fa-bot").last).to_contain_text("4 år")
    assert dialogs == []
    assert editor_server.app.extensions["assistant"].ask(UNANSWERED).id == "varighet"


@pytest.mark.parametrize("width", [1280, 320])
def test_editor_pages_pass_axe(context_factory, sqlite_editor_server, axe_source, width):
    editor_server = sqlite_editor_server
    page = context_factory(width=width, height=800, bypass_csp=True).new_page()
    page.goto(editor_server.url + "/editor/login")
    assert_accessible(page, axe_source)
    log_in(page, editor_server.url)
    assert_accessible(page, axe_source)
    page.locator("section.cluster").first.get_by_role("link", name="Behandle").first.click()
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Start en ny oppføring fra spørsmålet").click()
    expect(page.get_by_role("heading", name="Ny oppføring")).to_be_visible()
    page.get_by_role("button", name="Publiser oppføringen").click()  # both målformer missing: errors shown
    expect(page.get_by_role("alert")).to_contain_text("Både bokmål og nynorsk")
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Oversikt").click()
    expect(page.locator("svg[role=img]")).to_have_count(2)
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_role("status")).to_contain_text("Du er logget ut.")


def test_the_queue_fits_a_phone(context_factory, sqlite_editor_server):
    page = context_factory(width=375, height=740).new_page()
    log_in(page, sqlite_editor_server.url)
    links = page.locator("section.cluster").get_by_role("link", name="Behandle")
    assert links.count() >= 3
    for box in (links.nth(i).bounding_box() for i in range(links.count())):
        assert 0 <= box["x"] and box["x"] + box["width"] <= 375  # the action link is on the screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    shot(page, "editor-queue-375x740")
    page.get_by_role("link", name="Oversikt").click()
    expect(page.locator("table.daily").first.locator("tbody tr")).to_have_count(1)  # today, not 30 empty days
    shot(page, "editor-dashboard-375x740", full_page=True)
