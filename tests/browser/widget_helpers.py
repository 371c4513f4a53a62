"""Helpers for the browser tests: driving the widget (inside its Shadow DOM) and running axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

#: Screenshots of the states the tests reach: artefacts of the run (build/ is not committed).
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LABEL = "Spørsmålet ditt"

#: Describes the focused element, looking into shadow roots.
DEEP_ACTIVE = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body) return null;
  const root = el.getRootNode();
  return {id: el.id, cls: el.className, tag: el.tagName.toLowerCase(), text: (el.textContent || "").trim(),
          inWidget: root instanceof ShadowRoot};
}"""

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return {
    violations: result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                             targets: v.nodes.map(n => n.target)})),
    passes: result.passes.length,
    incomplete: result.incomplete.map(v => v.id),
  };
}"""


def active(page: Page) -> dict[str, Any] | None:
    """The focused element (id, class, tag, text), looking into the widget's shadow root."""
    return page.evaluate(DEEP_ACTIVE)


def run_axe(page: Page, axe_source: str) -> dict[str, Any]:
    """Inject axe-core and run the WCAG 2.0/2.1 A and AA rules on the whole page (shadow roots included)."""
    page.evaluate(axe_source)
    return page.evaluate(RUN_AXE, WCAG_TAGS)


def wait_for_widget(page: Page) -> None:
    """Wait until the widget has drawn itself (its stylesheet loaded)."""
    expect(page.locator(".fa-launcher, .fa--inline .fa-panel").first).to_be_visible()


def open_widget(page: Page, launcher: str = "Spør om forsøksordningen") -> None:
    """Open the launcher's panel."""
    wait_for_widget(page)
    page.get_by_role("button", name=launcher).click()
    expect(page.get_by_role("textbox", name=LABEL)).to_be_focused()


def ask(page: Page, question: str) -> None:
    """Type a question into the widget, send it with Enter, and wait for the answer (or the error)."""
    replies = page.locator(".fa-bot, .fa-error")
    # The page's own heading can be visible before the widget has drawn its log; the greeting is always its
    # first reply, so wait for it before counting (else the greeting is counted as the answer).
    expect(replies.first).to_be_visible()
    before = replies.count()
    box = page.get_by_role("textbox", name=LABEL)
    box.fill(question)
    box.press("Enter")
    expect(replies).to_have_count(before + 1)


def shot(page: Page, name: str, **options: Any) -> None:
    """Save the page as build/screenshots/<name>.png, once animations and smooth scrolling have settled."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)
    page.screenshot(path=str(SHOTS / f"{name}.png"), **options)
