"""The chat as visitors use it: room to read, the start of each answer in view at three sizes, the conversation
kept on reload, the opening notice, the language switch, compact fallbacks, print and copy, the no-JS page's
POST–redirect–GET. Every state is saved as a screenshot under build/screenshots/ (an artefact of the run)."""

import json
import re

import pytest
from playwright.sync_api import Page, expect
from widget_helpers import LABEL, ask, open_widget, run_axe, shot, wait_for_widget

#: 1280x800 desktop, a 375x740 phone, and 640x400: the desktop at 200 % zoom.
SIZES = [(1280, 800), (375, 740), (640, 400)]
QUESTIONS = ["Hvor lenge kan et forsøk vare?", "Når blir søpla mi henta?", "Hvem kan søke om å delta?",
             "Hva koster en pizza i Bergen?", "What is the trial scheme?"]

#: Where the first line of the newest reply and the close button are, and whether each is in view.
IN_VIEW = """() => {
  const root = document.querySelector("[data-forsoksassistenten]").shadowRoot;
  const replies = root.querySelectorAll(".fa-bot, .fa-error");
  const first = replies[replies.length - 1].querySelector(".fa-answer") || replies[replies.length - 1];
  const r = first.getBoundingClientRect();
  const line = parseFloat(getComputedStyle(first).lineHeight);
  const log = root.querySelector(".fa-log").getBoundingClientRect();
  const close = root.querySelector(".fa-close").getBoundingClientRect();
  const hit = root.elementFromPoint(close.left + close.width / 2, close.top + close.height / 2);
  return {
    answer: r.top >= Math.max(0, log.top) - 1 && r.top + line <= Math.min(innerHeight, log.bottom) + 1,
    close: close.top >= 0 && close.bottom <= innerHeight && close.left >= 0 && close.right <= innerWidth
           && !!hit && hit.closest(".fa-close") !== null,
  };
}"""


def assert_newest_in_view(page: Page) -> None:
    page.wait_for_function(f"() => {{ const v = ({IN_VIEW})(); return v.answer && v.close; }}", timeout=5000)


def widget_js(page: Page, script: str):
    return page.evaluate(f"() => {{ const root = document.querySelector('[data-forsoksassistenten]').shadowRoot; "
                         f"return {script}; }}")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_newest_answer_and_the_close_button_stay_in_view(context_factory, host_server, app_server, width,
                                                             height):
    page = context_factory(width=width, height=height).new_page()
    page.goto(host_server.url + "/widget-full.html")
    open_widget(page)
    shot(page, f"widget-{width}x{height}-0-open")
    for n, question in enumerate(QUESTIONS, 1):
        ask(page, question)
        assert_newest_in_view(page)
        shot(page, f"widget-{width}x{height}-{n}")
    # One scroll container: the panel itself never scrolls, only the log.
    assert widget_js(page, "root.querySelector('.fa-panel').scrollTop") == 0
    assert widget_js(page, "getComputedStyle(root.querySelector('.fa-panel')).overflowY") == "hidden"
    if (width, height) != (1280, 800):  # full screen below the breakpoint
        box = page.locator(".fa-panel").bounding_box()
        assert box["width"] == width and box["height"] == height


def test_the_on_screen_keyboard_does_not_hide_the_newest_answer(context_factory, host_server, app_server):
    page = context_factory(width=375, height=740).new_page()
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    ask(page, "Hvor lenge kan et forsøk vare?")
    ask(page, "Hvem kan søke om å delta?")
    page.set_viewport_size({"width": 375, "height": 420})  # what the keyboard leaves of the screen
    assert_newest_in_view(page)
    expect(page.get_by_role("textbox", name=LABEL)).to_be_in_viewport()
    shot(page, "widget-375x420-keyboard")


def test_chips_belong_to_the_last_reply(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    chips = page.locator(".fa-chips")
    expect(chips).to_have_count(1)  # the starters, under the greeting
    assert widget_js(page, "root.querySelector('.fa-chips').previousElementSibling.classList.contains('fa-bot')")
    ask(page, "Hvor lenge kan et forsøk vare?")
    expect(chips).to_have_count(1)
    assert widget_js(page, "[...root.querySelectorAll('.fa-bot')].pop().nextElementSibling.className") == "fa-chips"
    expect(chips).not_to_contain_text("Hva er forsøksordningen")  # the starters are gone
    ask(page, "What is the trial scheme?")  # a reply without suggestions leaves no stale chips behind
    expect(chips).to_have_count(0)


def test_reload_restores_the_latest_message_in_view_and_an_old_conversation_expires(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    for question in QUESTIONS[:3]:
        ask(page, question)
    page.reload()
    wait_for_widget(page)
    expect(page.get_by_role("dialog")).to_be_visible()  # open again on a large screen
    expect(page.locator(".fa-user")).to_have_count(3)
    assert_newest_in_view(page)
    shot(page, "widget-1280x800-restored")
    stored = page.evaluate("() => Object.entries({...localStorage})"
                           ".filter(([key]) => key.startsWith('forsoksassistenten'))")
    assert len(stored) == 1 and len(json.loads(stored[0][1])["messages"]) == 6
    page.evaluate("""([key, value]) => { const s = JSON.parse(value); s.at -= 2 * 3600 * 1000;
                                         localStorage.setItem(key, JSON.stringify(s)); }""", stored[0])
    page.reload()  # two hours later the conversation is gone
    wait_for_widget(page)
    expect(page.get_by_role("dialog")).to_be_hidden()
    open_widget(page)
    expect(page.locator(".fa-user")).to_have_count(0)


def test_on_a_phone_the_panel_is_closed_on_the_next_page(context_factory, host_server, app_server):
    page = context_factory(width=375, height=740).new_page()
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    ask(page, "Hvor lenge kan et forsøk vare?")
    page.goto(host_server.url + "/widget.html?neste")
    wait_for_widget(page)
    expect(page.get_by_role("dialog")).to_be_hidden()
    open_widget(page)
    expect(page.locator(".fa-user")).to_have_count(1)
    assert_newest_in_view(page)


def test_start_again_asks_first(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    ask(page, "Hvem kan søke?")
    page.get_by_role("button", name="Meny").click()
    page.get_by_role("button", name="Start på nytt").click()
    expect(page.get_by_text("Vil du slette samtalen og starte på nytt?")).to_be_visible()
    shot(page, "widget-1280x800-restart-confirm")
    page.get_by_role("button", name="Avbryt").click()
    expect(page.locator(".fa-user")).to_have_count(1)
    page.get_by_role("button", name="Start på nytt").click()
    page.get_by_role("button", name="Ja, start på nytt").click()
    expect(page.locator(".fa-user")).to_have_count(0)
    expect(page.get_by_role("textbox", name=LABEL)).to_be_focused()


def test_opening_notice_language_switch_and_lang_on_every_bubble(page, host_server, app_server):
    page.goto(host_server.url + "/widget-full.html")
    open_widget(page)
    notice = page.locator(".fa-notice")
    expect(notice).to_contain_text("automatisk assistent")
    expect(notice).to_contain_text("Ikke skriv personopplysninger")
    expect(notice.get_by_role("link", name=re.compile("Personvern"))).to_have_attribute(
        "href", "https://www.testkommune.example/personvern")
    ask(page, "What is the trial scheme?")
    expect(page.locator(".fa-bot").last).to_have_attribute("lang", "en")
    expect(page.locator(".fa-user").last).to_have_attribute("lang", "en")
    ask(page, "Kor lenge kan eit forsøk vare?")
    expect(page.locator(".fa-bot").last).to_have_attribute("lang", "nn")
    page.get_by_role("button", name="Meny").click()
    switch = page.get_by_role("button", name="Nynorsk")
    expect(switch).to_have_attribute("lang", "nn")
    switch.click()
    expect(page.get_by_role("button", name="Bokmål")).to_be_focused()  # the menu stays open, now in Nynorsk
    expect(page.locator(".fa").first).to_have_attribute("lang", "nn")
    expect(page.locator(".fa-launcher")).to_have_attribute("aria-expanded", "true")  # still open, and shown so
    expect(page.locator(".fa").first).to_have_class(re.compile(r"\bfa--open\b"))
    expect(page.get_by_role("dialog")).to_contain_text("Dette er ein automatisk assistent")
    page.keyboard.press("Escape")
    ask(page, "Hvem kan søke?")  # written in Bokmål, answered in the chosen Nynorsk
    expect(page.locator(".fa-bot").last).to_have_attribute("lang", "nn")
    shot(page, "widget-1280x800-nynorsk")


def test_typing_is_announced_and_enter_while_waiting_says_so(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    release = []
    page.route("**/api/ask", lambda route: release.append(route))
    box = page.get_by_role("textbox", name=LABEL)
    box.fill("Hvem kan søke?")
    box.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Assistenten svarer …")).to_have_count(1)
    box.fill("Og hvor lenge?")
    box.press("Enter")
    expect(page.locator("#fa-form-msg")).to_have_text("Vent til svaret kommer, så kan du sende neste spørsmål.")
    expect(box).to_have_value("Og hvor lenge?")  # not lost
    release[0].continue_()
    expect(page.locator(".fa-bot")).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="Assistenten svarer")).to_have_count(0)


def test_feedback_only_on_answers_and_a_compact_fallback(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    ask(page, "Hei")
    expect(page.locator(".fa-bot").last.locator(".fa-feedback")).to_have_count(0)  # small talk
    ask(page, "Hva koster en pizza i Bergen?")
    fallback = page.locator(".fa-bot").last
    expect(fallback.locator(".fa-feedback")).to_have_count(0)
    expect(fallback.locator("a[href='tel:+4722247201']")).to_have_count(1)
    assert fallback.inner_text().count("22 24 72 01") == 1  # no repeated details
    assert fallback.inner_text().count("Akersgata 59") == 1
    expect(fallback.get_by_role("heading")).to_have_count(0)  # no second contact card in the answer
    ask(page, "Hvor lenge kan et forsøk vare?")
    expect(page.locator(".fa-bot").last.locator(".fa-feedback")).to_have_count(1)


def test_a_municipal_question_points_to_the_host_municipality(page, host_server, app_server):
    page.goto(host_server.url + "/widget-full.html")
    open_widget(page)
    ask(page, "Når blir søpla mi henta?")
    reply = page.locator(".fa-bot").last
    expect(reply).to_contain_text("berre kjenner forsøksordninga")
    expect(reply.get_by_role("link", name=re.compile("Testkommune"))).to_have_attribute(
        "href", "https://www.testkommune.example/tjenester")
    expect(reply).not_to_contain_text("22 24 72 01")  # not the ministry's number
    shot(page, "widget-1280x800-municipal")


def test_copy_and_print_the_whole_conversation(context_factory, host_server, app_server):
    context = context_factory(width=375, height=740)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=host_server.url)
    page = context.new_page()
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    for question in QUESTIONS[:3]:
        ask(page, question)
    page.get_by_role("button", name="Meny").click()
    page.get_by_role("button", name="Kopier samtalen").click()
    expect(page.get_by_text("Samtalen er kopiert.")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.index("Du: Hvor lenge kan et forsøk vare?") < copied.index("Du: Hvem kan søke om å delta?")
    assert "Assistenten: Etter forsøksloven" in copied and "<https://" in copied
    page.keyboard.press("Escape")
    page.emulate_media(media="print")
    # Printed, the log is not a scroll box: every message is laid out, the form and the buttons are not.
    assert widget_js(page, "root.querySelector('.fa-log').scrollHeight <= root.querySelector('.fa-log').clientHeight")
    expect(page.locator(".fa-form")).to_be_hidden()
    expect(page.locator(".fa-user").first).to_be_visible()
    shot(page, "widget-375x740-print")


def _ask_without_js(page: Page, question: str) -> None:
    box = page.get_by_role("textbox", name=LABEL)
    box.fill(question)
    with page.expect_navigation():
        box.press("Enter")


def test_without_javascript_back_and_reload_work_and_the_whole_exchange_shows(context_factory, app_server):
    page = context_factory(java_script_enabled=False, width=375, height=740).new_page()
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(app_server.url + "/")
    _ask_without_js(page, "Hvor lenge kan et forsøk vare?")
    first = page.url
    assert re.search(r"\?s=[0-9a-f]{32}#svar$", first)
    _ask_without_js(page, "Kan perioden forlenges?")
    expect(page.locator(".msg-user")).to_have_text(["Du: Hvor lenge kan et forsøk vare?",
                                                    "Du: Kan perioden forlenges?"])
    expect(page.locator("#svar")).to_be_focused()
    shot(page, "nojs-375x740-two-exchanges")
    page.reload()  # Reload repeats the GET, not the POST
    expect(page.locator(".msg-user")).to_have_count(2)
    assert len(posts) == 2
    page.go_back()  # Back shows the conversation again: no ERR_CACHE_MISS, no resubmission
    expect(page.locator(".msg-user").first).to_have_text("Du: Hvor lenge kan et forsøk vare?")
    assert len(posts) == 2 and page.url.startswith(app_server.url)
    page.go_back()
    expect(page.get_by_role("heading", name="Spør om forsøksordningen", level=1)).to_be_visible()
    assert len(posts) == 2


AXE_STATES = {
    "widget-answers": lambda page: [ask(page, q) for q in QUESTIONS[:3]],
    "widget-menu-confirm": lambda page: (page.get_by_role("button", name="Meny").click(),
                                         page.get_by_role("button", name="Kontakt").click(),
                                         page.get_by_role("button", name="Start på nytt").click()),
    "widget-municipal": lambda page: ask(page, "Når blir søpla mi henta?"),
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("state", list(AXE_STATES))
def test_no_axe_violations_in_every_state(context_factory, host_server, app_server, axe_source, state, scheme):
    page = context_factory(width=375, height=740, bypass_csp=True, color_scheme=scheme).new_page()
    page.goto(host_server.url + "/widget-full.html")
    open_widget(page)
    AXE_STATES[state](page)
    shot(page, f"axe-{state}-{scheme}")
    result = run_axe(page, axe_source)
    assert result["passes"] > 10
    assert result["violations"] == [], json.dumps(result["violations"], indent=1, ensure_ascii=False)


@pytest.mark.parametrize("path", ["/", "/?lang=nn", "/embed"])
def test_no_axe_violations_on_the_pages_in_dark_mode(context_factory, app_server, axe_source, path):
    page = context_factory(width=1280, height=800, bypass_csp=True, color_scheme="dark").new_page()
    page.goto(app_server.url + path)
    wait_for_widget(page)
    ask(page, "Kor lenge kan eit forsøk vare?")
    shot(page, "axe-page-dark-" + re.sub(r"\W+", "", path or "root"))
    result = run_axe(page, axe_source)
    assert result["violations"] == [], json.dumps(result["violations"], indent=1, ensure_ascii=False)


def test_no_axe_violations_without_javascript_in_dark_mode(context_factory, app_server, axe_source):
    # The page a visitor without JavaScript gets after posting (the conversation page has no widget script).
    page = context_factory(width=375, height=740, bypass_csp=True, color_scheme="dark").new_page()
    page.goto(app_server.url + "/")
    for question in ("Kor lenge kan eit forsøk vare?", "Hva koster en pizza i Bergen?"):
        with page.expect_navigation():
            page.evaluate("""(q) => { const form = document.querySelector("form.ask");
                form.querySelector("input[name=question]").value = q; form.submit(); }""", question)
    expect(page.locator(".msg-user")).to_have_count(2)
    shot(page, "axe-nojs-dark")
    result = run_axe(page, axe_source)
    assert result["violations"] == [], json.dumps(result["violations"], indent=1, ensure_ascii=False)
