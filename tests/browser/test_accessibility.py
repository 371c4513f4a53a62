"""WCAG 2.1 AA in a real browser: axe-core on every page at 1280 and 320 px, keyboard use, reflow, motion."""

import json

import pytest
from playwright.sync_api import Page, expect
from widget_helpers import LABEL, active, ask, open_widget, run_axe, wait_for_widget


def _chat(page: Page, api: str, host: str) -> None:
    page.goto(api + "/")
    wait_for_widget(page)
    ask(page, "Hvem kan søke om å delta i forsøksordningen?")


def _chat_without_javascript(page: Page, api: str, host: str) -> None:
    # The page a visitor without JavaScript gets after posting: the plain form, answered on the server.
    page.goto(api + "/")
    with page.expect_navigation():
        page.evaluate("""() => {
            const form = document.querySelector("form.ask");
            form.querySelector("input[name=question]").value = "Kor lenge kan eit forsøk vare?";
            form.submit();
        }""")
    expect(page.locator(".msg-bot .source a")).to_have_count(1)


def _widget(page: Page, api: str, host: str) -> None:
    page.goto(host + "/widget.html")
    open_widget(page)
    ask(page, "Hvor lenge kan et forsøk vare?")
    page.get_by_role("button", name="Ja", exact=True).first.click()
    expect(page.get_by_text("Takk for tilbakemeldingen!")).to_be_visible()
    ask(page, "Hva koster en pizza?")  # a fallback, with the contact line in the answer
    page.get_by_role("button", name="Meny").click()
    page.get_by_role("button", name="Kontakt").click()


def _embed(page: Page, api: str, host: str) -> None:
    page.goto(api + "/embed?lang=nn&title=Sp%C3%B8r%20kommunen&accent=%23ffcc00")
    wait_for_widget(page)
    ask(page, "Kven kan søkje om å vere med?")


PAGES = {"chat": _chat, "chat-without-js": _chat_without_javascript, "widget-open": _widget, "embed": _embed}


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(context_factory, app_server, host_server, axe_source, name, width):
    # axe-core injects a style of its own while it runs; bypass_csp lets it, the page is unchanged.
    page = context_factory(width=width, height=800, bypass_csp=True).new_page()
    PAGES[name](page, app_server.url, host_server.url)
    result = run_axe(page, axe_source)
    assert result["passes"] > 10  # axe really ran
    assert result["violations"] == [], json.dumps(result["violations"], indent=1, ensure_ascii=False)


def test_axe_finds_the_violations_of_a_negative_control(page, host_server, app_server, axe_source):
    page.goto(host_server.url + "/control.html")
    found = {v["id"] for v in run_axe(page, axe_source)["violations"]}
    assert {"image-alt", "label", "color-contrast", "button-name", "link-name", "html-has-lang"} <= found


def test_keyboard_only(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    wait_for_widget(page)
    for _ in range(6):  # Tab through the host page's links to the launcher
        page.keyboard.press("Tab")
        if (active(page) or {}).get("cls") == "fa-launcher":
            break
    else:
        pytest.fail("Tab never reached the launcher")
    page.keyboard.press("Enter")
    assert active(page)["id"] == "fa-q"  # focus lands in the text field
    page.keyboard.type("Hvor lenge kan et forsøk vare?")
    page.keyboard.press("Enter")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator(".fa-bot")).to_have_count(2)  # the greeting and the answer, in the live log
    expect(log).to_contain_text("4 år")
    assert active(page)["id"] == "fa-q"  # focus did not jump when the reply arrived

    # No keyboard trap: Tab leaves the widget, Shift+Tab comes back and goes through all of it and out.
    assert _tab_until_outside(page, "Tab") == ["Send"]
    seen = _tab_until_outside(page, "Shift+Tab")
    assert seen[0] == "Send" and seen[1] == "fa-q" and seen[-1].endswith("Spør om forsøksordningen")
    assert {"Meny", "✕ Lukk"} <= set(seen)
    assert any(s.endswith("Ja") for s in seen) and any(s.endswith("Nei") for s in seen)
    assert any(s.endswith("?") for s in seen)  # the suggestions
    assert any(s.startswith("Lov om forsøk") for s in seen)  # the source link

    page.get_by_role("textbox", name=LABEL).focus()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert active(page)["cls"] == "fa-launcher"  # Esc closes and focus returns to the launcher
    expect(page.get_by_role("button", name="Spør om forsøksordningen")).to_have_attribute("aria-expanded", "false")


def _tab_until_outside(page: Page, key: str) -> list[str]:
    """Press ``key`` until focus is outside the widget; the widget's elements passed on the way."""
    seen = []
    for _ in range(60):
        page.keyboard.press(key)
        now = active(page)
        if not (now and now["inWidget"]):
            return seen
        seen.append(now["id"] or now["text"])
    pytest.fail(f"focus never left the widget: {seen}")


def test_close_button_returns_focus_to_the_launcher(page, host_server, app_server):
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    page.get_by_role("button", name="Lukk").click()
    assert active(page)["cls"] == "fa-launcher"


ANIMATION = """() => {
  const root = document.querySelector("[data-forsoksassistenten]").shadowRoot;
  return [getComputedStyle(root.querySelector(".fa-panel")).animationName,
          getComputedStyle(root.querySelector(".fa-typing span")).animationName,
          getComputedStyle(root.querySelector(".fa-log")).scrollBehavior];
}"""


@pytest.mark.parametrize(("motion", "expected"), [("reduce", ["none", "none", "auto"]),
                                                   ("no-preference", ["fa-in", "fa-dot", "smooth"])])
def test_reduced_motion_is_honoured(context_factory, host_server, app_server, motion, expected):
    page = context_factory(reduced_motion=motion).new_page()
    page.goto(host_server.url + "/widget.html")
    open_widget(page)
    assert page.evaluate(ANIMATION) == expected


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width + 1) out.push("page " + document.documentElement.scrollWidth);
  const visit = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) visit(el.shadowRoot);
      const r = el.getBoundingClientRect();
      if (r.width === 0 || getComputedStyle(el).visibility === "hidden") continue;
      const name = el.id || el.className || el.tagName;
      if (r.left < -1 || r.right > width + 1) out.push(name + " " + r.left + "-" + r.right);
      if (el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible")
        out.push("scrolls sideways: " + name);
    }
  };
  visit(document);
  return out;
}"""


@pytest.mark.parametrize(("width", "text_size"), [(320, "100%"), (1280, "200%"), (640, "200%")])
@pytest.mark.parametrize("name", ["chat", "widget-open", "embed"])
def test_layout_reflows(context_factory, app_server, host_server, name, width, text_size):
    page = context_factory(width=width, height=640).new_page()
    PAGES[name](page, app_server.url, host_server.url)
    page.evaluate("(size) => { document.documentElement.style.fontSize = size; }", text_size)
    box = page.get_by_role("textbox", name=LABEL)
    expected = 32 if text_size == "200%" else 16
    assert page.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)", box.element_handle()) == expected
    page.wait_for_timeout(50)
    assert page.evaluate(OVERFLOW) == []
    box.scroll_into_view_if_needed()
    expect(box).to_be_in_viewport()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_in_viewport()


TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }"""


@pytest.mark.parametrize("name", ["chat", "widget-open", "embed"])
def test_text_spacing_loses_no_content(context_factory, app_server, host_server, name):
    # WCAG 1.4.12: the bookmarklet's spacing, applied to the page and inside the widget's shadow root.
    page = context_factory(width=320, height=640, bypass_csp=True).new_page()
    PAGES[name](page, app_server.url, host_server.url)
    page.evaluate("""(css) => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        const root = document.querySelector("[data-forsoksassistenten], #fa-chat").shadowRoot;
        root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    }""", TEXT_SPACING)
    assert page.evaluate(OVERFLOW) == []
    expect(page.get_by_role("textbox", name=LABEL)).to_be_visible()
