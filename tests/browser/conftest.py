"""Browser tests: the app and a separate "host site" served on 127.0.0.1, driven in Debian's headless Chromium.

Playwright for Python drives ``/usr/bin/chromium`` (``executable_path``; Playwright's own browser
downloads are never used) and axe-core comes from ``node_modules`` (``npm ci``). Both are installed by
``.ci/setup-browser``; without them these tests skip, except in CI (``REQUIRE_SERVICES=1``), where
they fail.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
from flask import Flask, Response
from werkzeug.serving import make_server

from assistant.app import create_app

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]



@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser``: a plain ``pytest`` leaves them out, ``pytest -m ""`` runs them."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)

def unavailable(reason: str) -> None:
    """Skip (or, in CI with ``REQUIRE_SERVICES=1``, fail) when the browser or axe-core is missing."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"required for the browser tests in CI: {reason} (run .ci/setup-browser)")
    pytest.skip(f"{reason}; run `bash .ci/setup-browser` to install it")


class Server:
    """A WSGI app on 127.0.0.1 on a free port, in a thread."""

    def __init__(self, app: Flask):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="session")
def host_server() -> Iterator[Server]:
    """The "host site": a separate origin whose pages embed the widget (created first, so its port is known)."""
    app = Flask("hostsite")
    pages: dict[str, tuple[str, str | None]] = {}
    app.config["PAGES"] = pages

    @app.get("/<name>.html")
    def page(name: str) -> Response:
        if name not in pages:
            return Response("not found", 404)
        html, csp = pages[name]
        response = Response(html, mimetype="text/html")
        if csp:
            response.headers["Content-Security-Policy"] = csp
        return response

    server = Server(app)
    yield server
    server.close()


@pytest.fixture(scope="session")
def app_server(assistant, host_server: Server, tmp_path_factory) -> Iterator[Server]:
    """The assistant, allowing the host site's origin (and only that) for CORS and framing."""
    log = tmp_path_factory.mktemp("browser") / "log.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{log}", "CORS_ORIGINS": [host_server.url],
                      "RATELIMIT_DEFAULT": "1000 per minute"}, assistant=assistant)
    server = Server(app)
    _add_host_pages(host_server, server)
    yield server
    server.close()


def embed_line(api: str, **data: str) -> str:
    """The documented one-line embed, with ``data-`` options (escaped as a site owner's CMS would)."""
    attrs = "".join(f' data-{key.replace("_", "-")}="{escape(value)}"' for key, value in data.items())
    return f'<script src="{api}/widget.js" defer{attrs}></script>'


def host_page(api: str, page_lang: str = "nb", **data: str) -> str:
    """A plain municipal page with the widget embedded."""
    return f"""<!doctype html>
<html lang="{page_lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Testkommune – forsøk</title></head>
<body>
<header><a href="#innhold">Til innholdet</a></header>
<main id="innhold">
<h1>Testkommune</h1>
<p>Kommunen vurderer å søke om et forsøk. <a href="https://www.regjeringen.no/">Les mer</a>.</p>
</main>
{embed_line(api, **data)}
</body>
</html>"""


def _add_host_pages(host: Server, api: Server) -> None:
    csp = (f"default-src 'none'; script-src {api.url}; style-src {api.url}; connect-src {api.url}; "
           f"frame-src {api.url}; img-src 'none'")
    pages = host.app.config["PAGES"]
    pages["widget"] = (host_page(api.url, title="Spør Testkommune", accent="#ffcc00"), csp)
    pages["widget-full"] = (host_page(api.url, privacy_url="https://www.testkommune.example/personvern",
                                      municipality_name="Testkommune",
                                      municipality_url="https://www.testkommune.example/tjenester"), csp)
    pages["widget-nn"] = (host_page(api.url, page_lang="nn-NO"), csp)
    pages["widget-left"] = (host_page(api.url, lang="nn", position="left"), csp)
    pages["xss"] = (host_page(api.url, title='<img src=x onerror="window.__xss=1">', lang="<script>",
                              accent="javascript:alert(1)", position="<b>", mode="inline",
                              target='innhold"><img src=x onerror="window.__xss=1'), csp)
    pages["iframe"] = (f"""<!doctype html><html lang="nn"><head><meta charset="utf-8"><title>Iframe</title></head>
<body><main><h1>Testkommune</h1>
<iframe src="{api.url}/embed?lang=nn&amp;title=Sp%C3%B8r%20kommunen" title="Forsøksassistenten" width="400"
        height="600"></iframe></main></body></html>""", csp)
    pages["control"] = ("""<!doctype html><html><head><meta charset="utf-8"><title>Kontroll</title></head>
<body><p style="color:#bbb;background:#fff">Svak kontrast</p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text"><button></button><a href="#"></a></body></html>""", None)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser build from node_modules (installed by ``npm ci``)."""
    if not AXE.is_file():
        unavailable(f"axe-core is not installed ({AXE.relative_to(ROOT)} is missing)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian, driven by Playwright through ``executable_path``."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        unavailable(f"Chromium is not installed ({CHROMIUM} is missing)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def context_factory(browser):
    """New browser contexts (a fresh profile each: no storage carried between tests), closed afterwards."""
    contexts = []

    def make(width: int = 1280, height: int = 800, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def page(context_factory):
    """A page at 1280 × 800."""
    return context_factory().new_page()
