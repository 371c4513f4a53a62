"""The pages (/ and /embed without JavaScript), the widget's files and the security headers, over the test client."""

import gzip
import re
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.app import create_app
from assistant.security import page_csp, parse_origins
from assistant.web import safe_url

WEB = Path(__file__).resolve().parent.parent / "web"
ORIGIN = "https://www.kommune.example"


@pytest.fixture()
def app(assistant, tmp_path):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
                       "CORS_ORIGINS": [ORIGIN]}, assistant=assistant)


@pytest.fixture()
def client(app):
    return app.test_client()


def form_post(client, url: str, data: dict):
    """Post the chat form at ``url`` as a browser does: with the form token of the page it was on."""
    token = re.search(r'name="form_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)
    return client.post(url, data={"form_token": token, **data})


def hidden_session(html: str) -> str:
    return re.search(r'name="session" value="([^"]*)"', html).group(1)


def test_chat_page_works_as_a_plain_form(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="nb">' in html
    assert '<form class="ask" method="post" action="/#svar">' in html
    assert '<label for="nojs-question">Spørsmålet ditt</label>' in html
    assert 'role="log" aria-live="polite"' in html
    assert 'src="/widget.js" defer data-mode="inline" data-target="fa-chat" data-lang="nb"' in html
    assert "22 24 72 01" in html and 'href="tel:+4722247201"' in html  # the contact card is on the page


def page_session(response) -> str:
    return re.search(r"[?&]s=([A-Za-z0-9_-]+)", response.headers["Location"]).group(1)


def test_posting_a_question_redirects_to_the_whole_conversation(client):
    response = form_post(client, "/", data={"question": "Kor lenge kan eit forsøk vare?", "session": ""})
    assert response.status_code == 303  # POST–redirect–GET: Back and Reload never post again
    session = page_session(response)
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", session)
    assert response.headers["Location"] == f"/?s={session}#svar"
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Kor lenge kan eit forsøk vare?" in html and "4 år" in html
    assert '<div class="exchange" id="svar" tabindex="-1">' in html  # the page opens at the newest exchange
    assert '<div class="msg msg-bot" lang="nn">' in html  # the målform on the bubble
    assert re.search(r'<p class="source">Kjelde: <a href="https://', html)
    assert 'name="reply_id"' in html  # the feedback form
    assert '<script src="/widget.js"' not in html  # a conversation page stays a plain form
    assert hidden_session(html) == session
    follow_up = form_post(client, "/", data={"question": "og kan det forlengast?", "session": session})
    assert page_session(follow_up) == session
    html = client.get(follow_up.headers["Location"]).get_data(as_text=True)
    assert html.index("Kor lenge kan eit forsøk vare?") < html.index("og kan det forlengast?")  # both exchanges
    assert html.count('class="msg msg-user"') == 2 and html.count('id="svar"') == 1


def test_the_stored_conversation_is_masked(client, app):
    response = form_post(client, "/", data={"question": "Hvem kan søke? Ring meg på 912 34 567"})
    stored = app.extensions["transcripts"].get(page_session(response))
    assert "912 34 567" not in str(stored)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "912 34 567" not in html and "Hvem kan søke?" in html


def test_a_fallback_gets_no_feedback_form(client):
    response = form_post(client, "/", data={"question": "Hva koster en pizza i Bergen?"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "22 24 72 01" in html and 'name="reply_id"' not in html


def test_a_malformed_session_starts_a_new_one(client):
    response = form_post(client, "/", data={"question": "Hvem kan søke?", "session": '"><script>x</script>'})
    assert re.fullmatch(r"[0-9a-f]{32}", page_session(response))
    html = client.get("/?s=%22%3E%3Cscript%3Ex%3C/script%3E").get_data(as_text=True)
    assert "<script>x</script>" not in html and 'name="session" value=""' in html


def test_visitor_text_is_escaped(client):
    question = '<script>alert(1)</script><img src=x onerror=alert(2)> "\' javascript:alert(3)'
    html = client.get(form_post(client, "/", data={"question": question}).headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert 'href="javascript:' not in html


def test_a_reply_with_an_unsafe_link_is_shown_without_the_link(app, client, assistant, monkeypatch):
    real_ask = assistant.ask

    def ask(*args, **kwargs):
        reply = real_ask(*args, **kwargs)
        return replace(reply, answer="<b>bold</b>", source_url="javascript:alert(1)", source_title="<i>t</i>")

    monkeypatch.setattr(assistant, "ask", ask)
    posted = form_post(client, "/", data={"question": "Hvem kan søke?"})
    html = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "javascript:" not in html and "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize(("question", "status", "message"), [
    ("", 400, "Skriv et spørsmål først."),
    ("   ", 400, "Skriv et spørsmål først."),
    ("x" * 501, 422, "Spørsmålet er for langt"),
])
def test_form_errors_are_shown_on_the_page(client, question, status, message):
    response = form_post(client, "/", data={"question": question})
    html = response.get_data(as_text=True)
    assert response.status_code == status and message in html and 'aria-invalid="true"' in html


def test_form_errors_in_nynorsk(client):
    html = form_post(client, "/?lang=nn", data={"question": ""}).get_data(as_text=True)
    assert "Skriv eit spørsmål først." in html and '<html lang="nn">' in html


def test_feedback_without_javascript(client):
    asked = form_post(client, "/", data={"question": "Hvor lenge kan et forsøk vare?"})
    html = client.get(asked.headers["Location"]).get_data(as_text=True)
    reply_id = re.search(r'name="reply_id" value="([0-9a-f]{32})"', html).group(1)
    thanks = form_post(client, "/", data={"reply_id": reply_id, "helpful": "1", "session": hidden_session(html)})
    assert thanks.status_code == 303 and f"takk={reply_id}" in thanks.headers["Location"]
    html = client.get(thanks.headers["Location"]).get_data(as_text=True)
    assert "Takk for tilbakemeldingen!" in html and 'name="reply_id"' not in html and "Hvor lenge kan" in html
    unknown = form_post(client, "/", data={"reply_id": "0" * 32, "helpful": "0"})
    assert unknown.status_code == 404 and "Fant ikke svaret" in unknown.get_data(as_text=True)


def test_nynorsk_page_and_language_switch(client):
    html = client.get("/?lang=nn").get_data(as_text=True)
    assert '<html lang="nn">' in html and "Spør om forsøksordninga" in html
    assert 'href="/?lang=nb" lang="nb" hreflang="nb">Bokmål</a>' in html
    assert client.get("/?lang=<x>").get_data(as_text=True).startswith("<!doctype html>\n<html lang=\"nb\">")


def test_the_form_is_rate_limited_with_a_page(assistant, tmp_path):
    client = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}",
                         "RATELIMIT_DEFAULT": "1 per minute"}, assistant=assistant).test_client()
    assert form_post(client, "/", data={"question": "Hvem kan søke?"}).status_code == 303
    limited = form_post(client, "/", data={"question": "Hvem kan søke?"})
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert "mange spørsmål på kort tid" in limited.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_a_form_body_over_8_kib_gets_the_page_with_a_message(client):
    response = form_post(client, "/", data={"question": "x" * 9000})
    assert response.status_code == 413 and "for langt" in response.get_data(as_text=True)


def test_embed_page_validates_its_options(client):
    html = client.get("/embed?lang=nn&title=<img src=x onerror=alert(1)>&accent=%23ffcc00").get_data(as_text=True)
    assert '<html lang="nn">' in html
    assert 'data-title="&lt;img src=x onerror=alert(1)&gt;"' in html and "<img src=x" not in html
    assert 'data-accent="#ffcc00"' in html  # the widget darkens it to 4.5:1
    bad = client.get("/embed?lang=sv&title=" + "x" * 61 + "&accent=javascript:alert(1)").get_data(as_text=True)
    assert "data-lang" not in bad and "data-title" not in bad and "data-accent" not in bad
    assert "javascript:" not in bad


def test_embed_works_without_javascript_and_keeps_its_options(client):
    response = form_post(client, "/embed?lang=nn", data={"question": "Kven kan søkje?"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/embed?lang=nn&s=")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'action="/embed?lang=nn#svar"' in html and 'class="source"' in html


def test_pages_send_a_strict_content_security_policy(client):
    for path in ("/", "/embed", "/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        assert f"frame-ancestors 'self' {ORIGIN}" in csp
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"
    api = client.get("/api/health").headers
    assert api["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api["X-Content-Type-Options"] == "nosniff"


def test_no_cookies_are_set(client):
    responses = [client.get("/"), form_post(client, "/", data={"question": "Hvem kan søke?"}),
                 client.post("/api/ask", json={"question": "Hvem kan søke?"}), client.get("/widget.js")]
    assert not any("Set-Cookie" in r.headers for r in responses)


def test_unknown_pages_get_a_norwegian_html_404(client):
    response = client.get("/nope")
    assert response.status_code == 404 and "Finner ikke siden." in response.get_data(as_text=True)


@pytest.mark.parametrize(("name", "mimetype"), [("widget.js", "text/javascript"), ("widget.css", "text/css"),
                                                ("page.css", "text/css")])
def test_assets_are_served_for_other_sites(client, name, mimetype):
    response = client.get(f"/{name}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin" or name == "page.css"
    assert "max-age=3600" in response.headers["Cache-Control"]


def test_widget_is_at_most_15_kb_gzipped():
    size = sum(len(gzip.compress((WEB / name).read_bytes(), compresslevel=9)) for name in ("widget.js", "widget.css"))
    assert size <= 15 * 1024, f"widget.js + widget.css gzipped: {size} bytes"


def test_widget_never_writes_html_nor_uses_cookies_or_eval():
    source = (WEB / "widget.js").read_text(encoding="utf-8")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                      "document.cookie", "setAttribute(\"style\""):
        assert forbidden not in source, forbidden


@pytest.mark.parametrize(("url", "expected"), [
    ("https://www.regjeringen.no/x", "https://www.regjeringen.no/x"),
    ("mailto:post@kdd.dep.no", "mailto:post@kdd.dep.no"),
    ("tel:+4722247201", "tel:+4722247201"),
    ("javascript:alert(1)", None), ("JaVaScRiPt:alert(1)", None), (" javascript:alert(1)", None),
    ("java\tscript:alert(1)", None), ("data:text/html,<script>", None), ("http://example.no", None),
    ("//evil.example", None), ("/relative", None), (None, None), (42, None),
])
def test_safe_url_allows_only_https_mailto_and_tel(url, expected):
    assert safe_url(url) == expected


def test_origins_are_parsed_exactly():
    assert parse_origins("https://a.example https://a.example,http://127.0.0.1:8080") == (
        "https://a.example", "http://127.0.0.1:8080")
    assert parse_origins(None) == () and parse_origins([]) == ()
    assert page_csp(["https://a.example"]).endswith("frame-ancestors 'self' https://a.example")
