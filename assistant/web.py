"""The pages blueprint: the full-page chat ``/``, the ``/embed`` iframe page and the widget's files.

Both pages work without JavaScript: a plain form posts the question, the answer is added to the
conversation kept on the server (:mod:`assistant.transcripts`, masked) and the browser is redirected
to ``?s=<session>#svar``, where the whole exchange is rendered with Jinja's autoescaping
(POST–redirect–GET: Back and Reload never post again). With JavaScript, ``widget.js`` takes the form's
place. Every form carries a token bound to the visitor's address (:func:`assistant.security.form_token`;
no cookie), so another site cannot post questions through its visitors' browsers; the pages that hold
one are never cached. Visitor text is never logged; the question log and the transcripts mask what they
store.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .api import (
    ApiError,
    answer,
    http_error_json,
    record_feedback,
    request_assistant,
    validate_question,
    validate_session,
)
from .config import PROJECT_ROOT
from .knowledge import LANGS
from .messages import CONTACT, error_for_status, ui
from .security import FORM_TOKEN_FIELD, form_token, valid_form_token
from .transcripts import TranscriptStore, exchange, transcript_store

bp = Blueprint("web", __name__)


@bp.record_once
def _open_transcripts(state: Any) -> None:
    config = state.app.config
    state.app.extensions.setdefault("transcripts", transcript_store(config["SESSION_STORE_URL"],
                                                                    int(config["SESSION_TTL"])))


ASSETS = ("widget.js", "widget.css", "page.css")
SAFE_SCHEMES = ("https", "mailto", "tel")
MAX_TITLE_CHARS = 60
_ACCENT = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: API error code -> the page's own text for it (other errors show the API's message).
_FORM_ERRORS = {"missing_question": "empty", "question_too_long": "too_large", "unknown_reply": "unknown_reply"}


@bp.app_template_filter("safe_url")
def safe_url(url: object) -> str | None:
    """``url`` if it is an https, mailto or tel link; None otherwise (never ``javascript:`` and the like)."""
    if not isinstance(url, str) or _CONTROL.search(url):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in SAFE_SCHEMES else None


@bp.app_template_global()
def tel_href(phone: str) -> str:
    """A ``tel:`` link for a Norwegian phone number written with spaces."""
    digits = re.sub(r"\D", "", phone)
    return f"tel:+47{digits}" if len(digits) == 8 else f"tel:{digits}"


def page_lang() -> str:
    """The page's målform from ``?lang=`` (Bokmål by default)."""
    lang = request.args.get("lang")
    return lang if lang in LANGS else "nb"


def embed_options() -> dict[str, str]:
    """The validated ``/embed`` options from the query string (an invalid value is left out)."""
    options: dict[str, str] = {}
    lang = request.args.get("lang")
    if lang in LANGS:
        options["lang"] = lang
    title = " ".join(request.args.get("title", "").split())
    if title and len(title) <= MAX_TITLE_CHARS and not _CONTROL.search(title):
        options["title"] = title
    accent = request.args.get("accent", "")
    if _ACCENT.fullmatch(accent):
        options["accent"] = accent
    return options


def _form_session() -> str | None:
    """The form's session id, or None when it is missing or malformed."""
    try:
        return validate_session(request.form.get("session") or None)
    except ApiError:
        return None


def _transcripts() -> TranscriptStore:
    return current_app.extensions["transcripts"]


def _page_session() -> str | None:
    """The conversation the page shows (``?s=``), or None when it is missing or malformed."""
    try:
        return validate_session(request.args.get("s") or None)
    except ApiError:
        return None


def _page_url(endpoint: str, session: str | None, **extra: str) -> str:
    """The page (with its options) showing conversation ``session``, at the newest reply."""
    options = embed_options() if endpoint == "web.embed" else {"lang": "nn"} if page_lang() == "nn" else {}
    return url_for(endpoint, **options, **({"s": session} if session else {}), **extra) + "#svar"


def _handle_post(endpoint: str) -> Response | tuple[str, int, dict[str, str]]:
    """Answer the form's question or record its feedback, then redirect to the conversation (POST–redirect–GET).

    An invalid form is shown at once, with its message and the conversation so far.
    """
    form = request.form
    session = _form_session()
    if not valid_form_token(form.get(FORM_TOKEN_FIELD)):
        return render_chat(endpoint, {"session": session, "error": ui(_endpoint_lang(endpoint))["expired"]}, 400)
    try:
        if "reply_id" in form:
            reply_id = form.get("reply_id", "")
            record_feedback(reply_id, form.get("helpful") == "1")
            return redirect(_page_url(endpoint, session, takk=reply_id), 303)
        question = form.get("question", "")
        reply = answer(validate_question(question), session)
        _transcripts().append(reply["session"], exchange(question, reply))
        return redirect(_page_url(endpoint, reply["session"]), 303)
    except ApiError as exc:
        t = ui(_endpoint_lang(endpoint))
        message = t[_FORM_ERRORS[exc.code]] if exc.code in _FORM_ERRORS else exc.message
        return render_chat(endpoint, {"session": session, "error": message}, exc.status)


def _endpoint_lang(endpoint: str) -> str:
    return embed_options().get("lang", "nb") if endpoint == "web.embed" else page_lang()


def render_chat(endpoint: str, context: dict[str, Any] | None = None,
                status: int = 200) -> tuple[str, int, dict[str, str]]:
    """Render the chat page (``web.index``) or the embed page (``web.embed``) with the conversation of its session.

    A page showing a conversation is never cached (``Cache-Control: no-store``): Back and Reload ask again.
    """
    context = dict(context or {})
    options = embed_options() if endpoint == "web.embed" else {"lang": "nn"} if page_lang() == "nn" else {}
    lang = options.get("lang", "nb")
    t = ui(lang)
    session = context.get("session")
    exchanges = _transcripts().get(session) if session else []
    last = exchanges[-1]["reply"] if exchanges else None
    suggestions = last["suggestions"] if last and last["suggestions"] else request_assistant().index.kb.starters(lang)
    template = "embed.html" if endpoint == "web.embed" else "chat.html"
    return render_template(
        template, t=t, texts={code: ui(code) for code in LANGS}, lang=lang, options=options,
        title=options.get("title", t["name"]),
        action=url_for(endpoint, **options), suggestions=suggestions, contact=CONTACT, exchanges=exchanges,
        form_token=form_token(),
        thanked=request.args.get("takk"), other_lang="nn" if lang == "nb" else "nb",
        enhance=request.method == "GET" and not session, **context), status, {"Cache-Control": "no-store"}


@bp.route("/", methods=["GET", "POST"])
def index() -> Response | tuple[str, int, dict[str, str]]:
    """The full-page chat for the assistant's own site."""
    if request.method == "POST":
        return _handle_post("web.index")
    return render_chat("web.index", {"session": _page_session()})


@bp.route("/embed", methods=["GET", "POST"])
def embed() -> Response | tuple[str, int, dict[str, str]]:
    """The chat alone, for an ``<iframe>`` on sites whose CSP does not allow our script."""
    if request.method == "POST":
        return _handle_post("web.embed")
    return render_chat("web.embed", {"session": _page_session()})


def web_dir() -> Path:
    """The folder with the widget's and the pages' static files."""
    return Path(current_app.config["WEB_DIR"] or PROJECT_ROOT / "web")


@bp.get("/<any(" + ", ".join(f'"{name}"' for name in ASSETS) + "):name>")
def asset(name: str) -> Response:
    """``widget.js``, ``widget.css`` and ``page.css``: public, cached for an hour."""
    return send_from_directory(web_dir(), name, max_age=3600)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Any:
    """JSON errors under ``/api/``; on a chat form, the chat page with the message; else an error page."""
    if request.path.startswith("/api/"):
        return http_error_json(exc)
    status = exc.code or 500
    if request.method == "POST" and request.endpoint in ("web.index", "web.embed"):
        lang = _endpoint_lang(request.endpoint)
        key = {413: "too_large", 429: "rate_limited"}.get(status, "error")
        session = _form_session() if status == 429 else None
        return render_chat(request.endpoint, {"error": ui(lang)[key], "session": session}, status)
    message = error_for_status(status, "page").texts["page"]
    return render_template("error.html", t=ui("nb"), lang="nb", status=status, message=message), status
