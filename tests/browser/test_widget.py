"""The widget and the pages in a real browser: conversation, storage, errors, XSS, CORS and framing."""

import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from widget_helpers import LABEL, active, ask, open_widget, wait_for_widget

XSS = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>", "javascript:window.__xss=1",
       '"><svg onload="window.__xss=1">']


def shadow_html(page: Page) -> str:
    return page.evaluate("() => document.querySelector('[data-forsoksassistenten], #fa-chat').shadowRoot.innerHTML")


def hrefs(page: Page) -> list[str]:
    return page.evaluate("""() => [...document.querySelector('[data-forsoksassistenten], #fa-chat')
                                      .shadowRoot.querySelectorAll('[href]')].map(a => a.getAttribute('href'))""")


def assert_nothing_ran(page: Page, dialogs: list) -> None:
    assert page.evaluate("() => window.__xss") is None
    assert dialogs == []
    html = shadow_html(page)
    assert "<img" not in html and "<script" not in html and "<svg" not in html
    for href in hrefs(page):
        assert re.match(r"(https://|tel:|mailto:|http://127\.0\.0\.1:\d+/widget\.css$)", href), href


def test_conversation_with_source_feedback_suggestions_and_contact(page, host_server, app_server):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    dialog = page.get_by_role("dialog", name="Spør Testkommune")  # data-title
    expect(dialog).to_contain_text("Hei! Jeg svarer på spørsmål om forsøksordningen")
    expect(page.locator(".fa-chip")).to_have_count(3)  # starting suggestions
    ask(page, "Hvor lenge kan et forsøk vare?")
    answer = page.locator(".fa-bot").last
    expect(answer).to_contain_text("4 år")
    expect(answer.get_by_role("link")).to_have_attribute("href", re.compile(r"^https://"))
    expect(answer.get_by_role("link")).to_have_attribute("target", "_blank")
    expect(page.locator(".fa-chip").first).to_be_visible()  # suggestions stay visible under the conversation
    answer.get_by_role("button", name="Ja", exact=True).click()
    expect(answer).to_contain_text("Takk for tilbakemeldingen!")
    expect(answer.get_by_role("button", name="Ja", exact=True)).to_have_attribute("aria-pressed", "true")
    log = app_server.app.extensions["log"]
    assert any(record.helpful is True for record in log.records())

    chip = page.locator(".fa-chip").first
    question = chip.inner_text()
    chip.click()
    expect(page.locator(".fa-user").last).to_have_text("Du: " + question)
    expect(page.locator(".fa-bot")).to_have_count(3)
    assert active(page)["id"] == "fa-q"

    page.get_by_role("button", name="Meny").click()
    contact = page.get_by_role("button", name="Kontakt")
    contact.click()  # the contact card is two steps away, in the menu
    expect(contact).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#fa-contact")).to_contain_text("22 24 72 01")
    expect(page.locator("#fa-contact a[href='tel:+4722247201']")).to_be_visible()

    origins = {urlsplit(url)._replace(path="", query="", fragment="").geturl() for url in requests}
    assert origins <= {host_server.url, app_server.url}  # no requests except to the widget's own host
    assert page.context.cookies() == []


def test_a_fallback_links_the_phone_number_and_the_contact_page(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    ask(page, "Hva koster en pizza i Bergen?")
    answer = page.locator(".fa-bot").last
    expect(answer.locator("a[href='tel:+4722247201']")).to_be_visible()
    expect(answer.get_by_role("link", name=re.compile("Forsøkskommune"))).to_have_attribute(
        "href", re.compile(r"^https://www\.regjeringen\.no/"))


def test_counter_and_too_long_question(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    box = page.get_by_role("textbox", name=LABEL)
    box.fill("Hvem kan søke?")
    expect(page.locator("#fa-count")).to_have_text("14 av 500 tegn")
    box.fill("ø" * 501)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#fa-form-msg")).to_have_text("Spørsmålet er for langt (høyst 500 tegn).")
    box.press("Enter")
    expect(page.locator(".fa-user")).to_have_count(0)  # not sent
    box.fill("   ")
    box.press("Enter")
    expect(page.locator("#fa-form-msg")).to_have_text("Skriv et spørsmål først.")
    box.fill("😀" * 500)  # 500 characters (1000 UTF-16 units) is allowed
    expect(page.locator("#fa-count")).to_have_text("500 av 500 tegn")
    expect(box).not_to_have_attribute("aria-invalid", "true")


def test_conversation_survives_a_reload_and_start_again_clears_it(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    ask(page, "Hvor lenge kan et forsøk vare?")
    session = page.evaluate("() => JSON.parse(Object.values({...localStorage})[0]).session")
    page.reload()
    wait_for_widget(page)
    expect(page.get_by_role("dialog")).to_be_visible()  # still open
    expect(page.locator(".fa-user")).to_have_text(["Du: Hvor lenge kan et forsøk vare?"])
    expect(page.locator(".fa-bot").last).to_contain_text("4 år")
    with page.expect_request(lambda r: r.url.endswith("/api/ask") and r.method == "POST") as sent:
        ask(page, "Kan den forlenges?")
    assert sent.value.post_data_json["session"] == session  # the conversation goes on
    page.get_by_role("button", name="Meny").click()
    page.get_by_role("button", name="Start på nytt").click()
    page.get_by_role("button", name="Ja, start på nytt").click()
    expect(page.locator(".fa-user")).to_have_count(0)
    expect(page.locator(".fa-bot")).to_have_count(1)  # the greeting
    assert active(page)["id"] == "fa-q"
    with page.expect_request(lambda r: r.url.endswith("/api/ask") and r.method == "POST") as sent:
        ask(page, "Hvem kan søke?")
    assert "session" not in sent.value.post_data_json


def test_a_clear_message_when_the_api_cannot_be_reached(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    page.route(app_server.url + "/api/ask", lambda route: route.abort())
    ask(page, "Hvem kan søke?")
    error = page.locator(".fa-error")
    expect(error).to_contain_text("får ikke kontakt med tjenesten")
    expect(error).to_contain_text("22 24 72 01")
    assert active(page)["id"] == "fa-q"


def test_rate_limited_and_failing_api_get_their_own_messages(page, host_server, app_server):
    page.goto(app_server.url + "/")
    wait_for_widget(page)
    page.route("**/api/ask", lambda route: route.fulfill(
        status=429, headers={"Retry-After": "30"}, content_type="application/json",
        body=json.dumps({"error": {"code": "rate_limited", "message": "x"}})))
    ask(page, "Hvem kan søke?")
    expect(page.locator(".fa-error").last).to_contain_text("mange spørsmål på kort tid")
    page.unroute("**/api/ask")
    page.route("**/api/ask", lambda route: route.fulfill(status=500, body="<html>oops</html>"))
    ask(page, "Hvem kan søke?")
    expect(page.locator(".fa-error").last).to_contain_text("noe gikk galt")


@pytest.mark.parametrize(("path", "launcher", "greeting"), [
    ("/widget-nn.html", "Spør om forsøksordninga", "Eg svarar på spørsmål om forsøksordninga"),  # page lang nn-NO
    ("/widget-left.html", "Spør om forsøksordninga", "Eg svarar"),  # data-lang="nn"
    ("/widget.html", "Spør om forsøksordningen", "Jeg svarer"),
])
def test_ui_language_follows_data_lang_or_the_page(page, host_server, app_server, path, launcher, greeting):
    page.goto(host_server.url + path)
    open_widget(page, launcher)
    expect(page.get_by_role("dialog")).to_contain_text(greeting)
    lang = "nn" if "ordninga" in launcher else "nb"
    assert page.evaluate("() => document.querySelector('[data-forsoksassistenten]').shadowRoot"
                         ".querySelector('.fa').lang") == lang


def test_position_left(page, host_server, app_server):
    page.goto(host_server.url + "/widget-left.html")
    wait_for_widget(page)
    box = page.get_by_role("button", name="Spør om forsøksordninga").bounding_box()
    assert box["x"] < 100


def _contrast(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 1.05 / (0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b) + 0.05)


def test_a_weak_accent_is_darkened_to_4_5_to_1(page, host_server, app_server):
    warnings = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    page.goto(host_server.url + "/widget.html")  # data-accent="#ffcc00": 1.6:1 against white
    open_widget(page)
    accent = page.evaluate("""() => document.querySelector('[data-forsoksassistenten]').shadowRoot
                                  .querySelector('.fa').style.getPropertyValue('--fa-accent')""")
    assert accent != "#ffcc00" and 4.5 <= _contrast(accent) < 5.5
    background = page.evaluate("""() => getComputedStyle(document.querySelector('[data-forsoksassistenten]')
                                      .shadowRoot.querySelector('.fa-send')).backgroundColor""")
    assert background == "rgb({}, {}, {})".format(*(int(accent[i:i + 2], 16) for i in (1, 3, 5)))
    assert any("kontrast" in w for w in warnings)


def test_xss_in_configured_values_and_questions_renders_as_text(page, host_server, app_server):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(host_server.url + "/xss.html")
    open_widget(page)  # invalid data-lang/-accent/-position/-target are ignored: Bokmål, launcher, defaults
    expect(page.get_by_role("heading", level=2)).to_have_text('<img src=x onerror="window.__xss=1">')
    for question in XSS:
        ask(page, question)
        expect(page.locator(".fa-user").last).to_have_text("Du: " + question)
    assert_nothing_ran(page, dialogs)


def test_xss_in_an_answer_renders_as_text_and_unsafe_links_are_dropped(page, app_server):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_server.url + "/")
    wait_for_widget(page)
    evil = {
        "question": "x", "answer": XSS[0] + " " + XSS[1], "lang": "<b>", "confidence": 1, "fallback": False,
        "source": {"url": "javascript:window.__xss=1", "title": XSS[3]}, "id": None, "intent": None,
        "suggestions": [{"id": "a", "question": XSS[0]}, {"id": "b", "question": 42}],
        "session": "<script>", "reply_id": "<img>",
        "contact": {"phone": "<img src=x onerror=window.__xss=1>", "postal_address": XSS[1],
                    "visiting_address": {"x": 1}, "url": "javascript:window.__xss=1", "title": XSS[0]},
    }
    page.route("**/api/ask", lambda route: route.fulfill(status=200, content_type="application/json",
                                                         body=json.dumps(evil)))
    ask(page, "Hvem kan søke?")
    answer = page.locator(".fa-bot").last
    expect(answer.locator(".fa-answer")).to_have_text(evil["answer"])
    expect(answer.locator("a[href*='javascript']")).to_have_count(0)  # a javascript: source gets no link
    expect(page.locator(".fa-chip").first).to_have_text(XSS[0])
    page.reload()  # and once more from localStorage
    wait_for_widget(page)
    expect(page.locator(".fa-bot .fa-answer").last).to_have_text(evil["answer"])
    assert_nothing_ran(page, dialogs)


def test_embed_options_render_as_text(page, app_server):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_server.url + "/embed?title=%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E&accent=%23fff")
    wait_for_widget(page)
    expect(page.get_by_role("heading", level=2)).to_have_text("<img src=x onerror=window.__xss=1>")
    assert_nothing_ran(page, dialogs)


def test_the_chat_page_works_without_javascript(context_factory, app_server):
    page = context_factory(java_script_enabled=False, width=320).new_page()
    page.goto(app_server.url + "/?lang=nn")
    page.get_by_role("button", name="Kor lenge kan eit forsøk vare?").click()  # a suggestion, as a form button
    expect(page.locator("#svar")).to_contain_text("4 år")
    expect(page.locator("#svar")).to_be_focused()  # the page opens at the answer
    expect(page.locator("#svar .source a")).to_have_attribute("href", re.compile("^https://"))
    page.get_by_role("button", name="Ja", exact=True).click()
    expect(page.locator("#svar .thanks")).to_have_text("Takk for tilbakemeldinga!")
    box = page.get_by_role("textbox", name=LABEL)
    box.fill(XSS[1] + " Kven kan søkje?")
    box.press("Enter")
    expect(page.locator(".msg-user").last).to_have_text("Du: " + XSS[1] + " Kven kan søkje?")
    expect(page.locator(".msg-user")).to_have_count(2)  # the whole conversation


def test_cors_and_framing_follow_the_allowlist(context_factory, host_server, app_server):
    page = context_factory().new_page()
    page.goto(host_server.url + "/iframe.html")  # an allowed origin may frame /embed
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Spør kommunen")).to_be_visible()
    ask(frame, "Kven kan søkje?")  # type: ignore[arg-type]

    # The same host page under an origin not on the list: widget.js loads from the API host, but the
    # browser refuses the API's answers (no Access-Control-Allow-Origin for this origin), its texts first,
    # so the widget is not drawn at all (it could not answer there).
    other = host_server.url.replace("127.0.0.1", "localhost")
    page = context_factory().new_page()
    with page.expect_console_message(lambda message: "fikk ikke hentet tekstene" in message.text):
        page.goto(other + "/widget.html")
    expect(page.locator("[data-forsoksassistenten]")).to_have_count(0)
    page.goto(other + "/iframe.html")  # frame-ancestors: that origin may not frame /embed
    for _ in range(50):
        if page.frames[1].url.startswith("chrome-error:"):
            break
        page.wait_for_timeout(100)
    assert page.frames[1].url.startswith("chrome-error:")


def test_the_widget_shows_the_servers_texts_contact_card_and_starters(page, context_factory, host_server,
                                                                      app_server):
    """The widget has no texts of its own: what the server sends (GET /api/texts) is what it shows."""
    from assistant.messages import ui

    def changed(route):
        response = route.fetch()
        body = response.json()
        body["texts"]["nb"].update(heading="Spør tenaren", greeting="Hallo frå tenaren.", send="Av stad")
        body["contact"]["phone"] = "11 22 33 44"
        body["starters"]["nb"] = body["starters"]["nb"][:1]
        route.fulfill(response=response, json=body)

    page.goto(host_server.url + "/widget-full.html")
    open_widget(page, ui("nb")["heading"])
    expect(page.locator(".fa-bot").first).to_have_text(ui("nb")["bot"] + ": " + ui("nb")["greeting"])
    expect(page.locator(".fa-send")).to_have_text(ui("nb")["send"])
    expect(page.locator(".fa-chip")).to_have_count(3)

    page = context_factory().new_page()  # a fresh profile: nothing stored from the first visit
    page.route("**/api/texts", changed)
    page.goto(host_server.url + "/widget-full.html")
    open_widget(page, "Spør tenaren")
    expect(page.locator(".fa-bot").first).to_contain_text("Hallo frå tenaren.")
    expect(page.locator(".fa-send")).to_have_text("Av stad")
    expect(page.locator(".fa-chip")).to_have_count(1)
    page.get_by_role("button", name="Meny").click()
    page.get_by_role("button", name="Kontakt").click()
    expect(page.locator("#fa-contact")).to_contain_text("11 22 33 44")


def test_without_the_servers_texts_the_page_keeps_its_chat_without_javascript(page, app_server):
    page.route("**/api/texts", lambda route: route.fulfill(status=503, body="{}"))
    page.goto(app_server.url + "/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#fa-chat .nojs-chat")).to_be_visible()
    assert page.evaluate("() => document.querySelector('#fa-chat').shadowRoot") is None
