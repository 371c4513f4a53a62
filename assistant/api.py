"""The JSON API blueprint: ``POST /api/ask`` and ``GET /api/health``.

Every error is a JSON object ``{"error": {"code", "message"}}`` with a Norwegian message and the
right status; no input gives a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from .dialogue import Assistant
from .knowledge import LANGS

bp = Blueprint("api", __name__, url_prefix="/api")

_ASK_FIELDS = {"question", "lang"}


class ApiError(Exception):
    """An error to report to the client as JSON."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    """The JSON error body with ``status``."""
    return jsonify({"error": {"code": code, "message": message}}), status


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[Response, int]:
    return error_response(exc.status, exc.code, exc.message)


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[Response, int] | HTTPException:
    if not request.path.startswith(bp.url_prefix or "/api"):
        return exc
    messages = {
        404: ("not_found", "Finner ikke denne adressen."),
        405: ("method_not_allowed", "Denne metoden er ikke tillatt her."),
        413: ("payload_too_large", "Forespørselen er for stor (høyst 8 KiB)."),
    }
    code, message = messages.get(exc.code or 400, ("bad_request", "Ugyldig forespørsel."))
    return error_response(exc.code or 400, code, message)


def _json_body() -> dict[str, Any]:
    max_length = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > max_length:
        raise ApiError(413, "payload_too_large", "Forespørselen er for stor (høyst 8 KiB).")
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send spørsmålet som JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "invalid_json", "Forespørselen er ikke gyldig JSON.")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Forespørselen må være et JSON-objekt.")
    return body


def parse_ask(body: dict[str, Any]) -> tuple[str, str | None]:
    """Validate an ask request body; return the question and the requested målform (or None)."""
    unknown = set(body) - _ASK_FIELDS
    if unknown:
        raise ApiError(400, "unknown_field", f"Ukjent felt: {', '.join(sorted(unknown))}.")
    question = body.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ApiError(400, "missing_question", "Skriv et spørsmål i feltet «question».")
    limit = current_app.config["MAX_QUESTION_CHARS"]
    if len(question) > limit:
        raise ApiError(422, "question_too_long", f"Spørsmålet er for langt (høyst {limit} tegn).")
    lang = body.get("lang")
    if lang is not None and lang not in LANGS:
        raise ApiError(400, "invalid_lang", "«lang» må være «nb» eller «nn».")
    return question, lang


@bp.post("/ask")
def ask() -> Response:
    """Answer one question with the public reply JSON."""
    question, lang = parse_ask(_json_body())
    assistant: Assistant = current_app.extensions["assistant"]
    return jsonify(assistant.ask(question, lang=lang).to_dict())


@bp.get("/health")
def health() -> Response:
    """Liveness and the loaded index."""
    assistant: Assistant = current_app.extensions["assistant"]
    return jsonify({"status": "ok", "index": assistant.index.content_hash,
                    "entries": len(assistant.index.kb.entries)})
