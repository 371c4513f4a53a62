"""The JSON API blueprint: ``POST /api/ask``, ``POST /api/feedback``, ``GET /api/health`` and the OpenAPI document.

Every error is a JSON object ``{"error": {"code", "message"}}`` with a Norwegian message and the
right status; no input gives a 500. Visitor text is never logged here: the question log
(``app.extensions["log"]``, :class:`assistant.database.QuestionLog`) masks what it stores.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .database import LogUnavailable
from .dialogue import Assistant
from .ids import HEX_ID, SESSION_ID
from .knowledge import LANGS
from .messages import CONTACT, error, error_for_status, text, ui
from .openapi import BLANK_CLASS, openapi_document
from .reply import Reply
from .text import bounded

bp = Blueprint("api", __name__, url_prefix="/api")

#: A lone UTF-16 surrogate: valid in JSON ("\ud800"), but not Unicode, so it cannot be stored or sent back.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_COMMENT_CHARS = 1000
#: A question needs one character that is not blank (the same pattern the OpenAPI document declares).
NOT_BLANK = re.compile(f"[^{BLANK_CLASS}]")

_ASK_FIELDS = {"question", "session", "lang", "choice"}
_FEEDBACK_FIELDS = {"reply_id", "helpful", "comment"}

class ApiError(Exception):
    """An error to report to the client as JSON: ``code`` of the error table (:func:`assistant.messages.error`),
    its text filled with ``values``."""

    def __init__(self, code: str, **values: object):
        row = error(code, **values)
        super().__init__(row.texts["api"])
        self.status, self.code, self.message = row.status, code, row.texts["api"]


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    """The JSON error body with ``status``."""
    return jsonify({"error": {"code": code, "message": message}}), status


def http_error_json(exc: HTTPException) -> tuple[Response, int]:
    """An HTTP error (404, 405, 413, 429, ...) as the API's JSON error, keeping its headers."""
    status = exc.code or 500
    row = error_for_status(status, "api")
    response, status = error_response(status, row.code, row.texts["api"])
    if exc.response is None:
        for name, value in exc.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
    return response, status


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[Response, int]:
    return error_response(exc.status, exc.code, exc.message)


def validate_question(question: object) -> str:
    """The question if it is a non-blank string of at most ``MAX_QUESTION_CHARS`` characters.

    The length is counted on the text as sent, before any normalisation. Lone surrogates become U+FFFD.
    """
    if not isinstance(question, str) or not NOT_BLANK.search(question):
        raise ApiError("missing_question")
    limit = current_app.config["MAX_QUESTION_CHARS"]
    if len(question) > limit:
        raise ApiError("question_too_long", limit=limit)
    return _SURROGATE.sub("\ufffd", question)


def validate_session(session: object) -> str | None:
    """The session id, or None for a new conversation."""
    if session is None:
        return None
    if not isinstance(session, str) or not SESSION_ID.fullmatch(session):
        raise ApiError("invalid_session")
    return session


def json_depth(data: bytes) -> int:
    """How deeply the arrays and objects of the JSON text ``data`` nest (brackets inside strings do not count).

    A linear scan, so that a body nested too deeply for the parser's recursion is refused before it is parsed.
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _json_body(fields: set[str]) -> dict[str, Any]:
    """The request's JSON object: 413 over ``MAX_CONTENT_LENGTH``, 415 if not JSON, 400 if nested deeper than
    ``MAX_JSON_DEPTH``, not valid JSON, not an object or with unknown fields."""
    max_length = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > max_length:
        raise ApiError("payload_too_large")
    if not request.is_json:
        raise ApiError("unsupported_media_type")
    data = request.get_data(cache=True)
    if request.content_length is None and len(data) >= max_length:
        raise ApiError("payload_too_large")  # a chunked body is cut off at the limit: it was too large
    max_depth = int(current_app.config["MAX_JSON_DEPTH"])
    if json_depth(data) > max_depth:
        raise ApiError("too_deep", max_depth=max_depth)
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError("invalid_json")
    if not isinstance(body, dict):
        raise ApiError("invalid_body")
    unknown = set(body) - fields
    if unknown:
        raise ApiError("unknown_field", fields=", ".join(sorted(unknown)))
    return body


def request_assistant() -> Assistant:
    """The assistant pinned to one snapshot of the index for this whole request (:meth:`Assistant.snapshot`).

    Validation and the reply read the same index, even when publishing or the index watcher swaps in a new one
    in the middle of the request.
    """
    if "assistant" not in g:
        g.assistant = current_app.extensions["assistant"].snapshot()
    return g.assistant


def validate_choice(choice: object) -> str | None:
    """The id of the suggestion the visitor picked, or None."""
    if choice is None:
        return None
    assistant = request_assistant()
    if not isinstance(choice, str) or choice not in assistant.index.kb.by_id:
        raise ApiError("invalid_choice")
    return choice


def parse_ask(body: dict[str, Any]) -> tuple[str, str | None, str | None, str | None]:
    """Validate an ask request body; return the question, session id, requested målform and chosen entry."""
    question = validate_question(body.get("question"))
    session = validate_session(body.get("session"))
    lang = body.get("lang")
    if lang is not None and lang not in LANGS:
        raise ApiError("invalid_lang")
    return question, session, lang, validate_choice(body.get("choice"))


def answer(question: str, session: str | None = None, lang: str | None = None,
           choice: str | None = None) -> dict[str, Any]:
    """Ask the assistant, record the exchange in the question log; the reply JSON with its ``reply_id``.

    Shared by ``POST /api/ask`` and the chat page's form. The assistant analyses the question in at most
    ``MAX_QUESTION_CHARS`` normalised characters (:func:`assistant.text.bounded`); the log keeps it as sent.
    """
    analysed = bounded(question, int(current_app.config["MAX_QUESTION_CHARS"]))
    reply: Reply = request_assistant().ask(analysed, lang=lang, session=session, choice=choice)
    try:
        reply_id: str | None = current_app.extensions["log"].record(
            session=reply.session, question=question, lang=reply.lang, entry_id=reply.id, intent=reply.intent,
            confidence=reply.confidence, fallback=reply.fallback)
    except LogUnavailable:  # the visitor still gets the answer, only without a way to give feedback
        reply_id = None
    return {**reply.to_dict(), "reply_id": reply_id}


@bp.post("/ask")
def ask() -> Response:
    """Answer one question with the public reply JSON plus ``reply_id``."""
    question, session, lang, choice = parse_ask(_json_body(_ASK_FIELDS))
    response = jsonify(answer(question, session, lang, choice))
    response.headers["Cache-Control"] = "no-store"
    return response


def parse_feedback(body: dict[str, Any]) -> tuple[str, bool, str | None]:
    """Validate a feedback body; return the reply id, whether the answer helped and the comment."""
    reply_id, helpful, comment = body.get("reply_id"), body.get("helpful"), body.get("comment")
    if not isinstance(reply_id, str) or not HEX_ID.fullmatch(reply_id):
        raise ApiError("invalid_reply_id")
    if not isinstance(helpful, bool):
        raise ApiError("invalid_helpful")
    if comment is not None and not isinstance(comment, str):
        raise ApiError("invalid_comment")
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise ApiError("comment_too_long", limit=MAX_COMMENT_CHARS)
    return reply_id, helpful, (comment.strip() or None) if comment else None


def record_feedback(reply_id: str, helpful: bool, comment: str | None = None) -> None:
    """Store feedback on a reply; an :class:`ApiError` when the reply is unknown (404) or the log is down (503)."""
    try:
        known = current_app.extensions["log"].add_feedback(reply_id, helpful, comment)
    except LogUnavailable as exc:
        raise ApiError("feedback_unavailable") from exc
    if not known:
        raise ApiError("unknown_reply")


@bp.post("/feedback")
def feedback() -> Response:
    """Record whether an answer helped (and an optional comment, masked by the log): 204 No Content."""
    record_feedback(*parse_feedback(_json_body(_FEEDBACK_FIELDS)))
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]
    return response


@bp.get("/health")
def health() -> Response:
    """The loaded index, the question log and Redis; ``"degraded"`` (still 200: it answers) while a part is failing.

    ``log`` is :meth:`assistant.database.QuestionLog.status` (for this host: every worker's spool); ``redis``
    holds, for each part kept in Redis (``sessions``, ``rate_limits``), whether it answered ``PING`` within
    ``REDIS_TIMEOUT``.
    """
    assistant = request_assistant()
    log = current_app.extensions["log"].status()
    redis = {name: check() for name, check in current_app.extensions.get("redis_checks", {}).items()}
    degraded = not log["available"] or log["pending"] or not all(redis.values())
    return jsonify({"status": "degraded" if degraded else "ok", "index": assistant.index.content_hash,
                    "entries": len(assistant.index.kb.entries), "log": log, "redis": redis})


@bp.get("/ping")
def ping() -> Response:
    """The process answers: no index, no database (a liveness probe, and the load benchmark's baseline)."""
    return jsonify({"status": "ok"})


@bp.get("/texts")
def texts() -> Response:
    """What the widget says, from the server, read once when it starts: the texts in both målformer (the message
    catalogue's ``ui`` section), the contact card, the lead-in of an English reply's Norwegian answer and the
    starter questions (``faq/_meta.yaml``). Cached for ten minutes."""
    kb = request_assistant().index.kb
    response = jsonify({"texts": {lang: ui(lang) for lang in LANGS}, "contact": CONTACT,
                        "english_best": text("english", "best", "en"),
                        "starters": {lang: kb.starters(lang) for lang in LANGS}})
    response.headers["Cache-Control"] = "public, max-age=600"
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API."""
    assistant = request_assistant()
    return jsonify(openapi_document(current_app.config["MAX_QUESTION_CHARS"], MAX_COMMENT_CHARS,
                                    sorted(assistant.index.kb.by_id)))
