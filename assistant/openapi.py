"""The OpenAPI 3.1 document of the JSON API (``GET /api/openapi.json``).

It describes what :mod:`assistant.api` does, status by status; the tests run schemathesis
against it, so a change in behaviour that the document does not describe fails them.
"""

from __future__ import annotations

import re
from typing import Any

from . import __version__
from .ids import HEX_ID, SESSION_ID

#: What counts as blank in a question: Python's whitespace (str.isspace, as the assistant strips it) and the
#: byte-order mark, a superset of JSON Schema's (ECMA) ``\s``, so the document and the API agree on "empty".
BLANK_CLASS = "\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

_NULLABLE_STRING = {"type": ["string", "null"]}
#: The fields of the contact card (``contact`` in a reply).
_CONTACT_FIELDS = ("unit", "phone", "postal_address", "visiting_address", "url", "title")


def _anchored(pattern: re.Pattern[str]) -> str:
    """``pattern`` as a JSON Schema pattern that, like the API's ``fullmatch``, must match the whole string."""
    return f"^{pattern.pattern}$"


def _error_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


_RETRY_AFTER = {"Retry-After": {"description": "Sekunder til neste forsøk.", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9]+$"}}}


def _common_errors() -> dict[str, Any]:
    return {
        "400": _error_response("Ugyldig JSON, for dypt nestet, ikke et objekt, ukjente felt eller ugyldige verdier."),
        "413": _error_response("Forespørselen er større enn 8 KiB."),
        "415": _error_response("Innholdet er ikke application/json."),
        "422": _error_response("En tekst er for lang."),
        "429": _error_response("For mange forespørsler fra samme adresse.", _RETRY_AFTER),
    }


def _schemas(max_question: int, max_comment: int, entry_ids: list[str]) -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "additionalProperties": False,
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "additionalProperties": False,
                "required": ["code", "message"],
                "properties": {"code": {"type": "string", "description": "Maskinlesbar feilkode."},
                               "message": {"type": "string", "description": "Feilmelding på norsk."}},
            }},
        },
        "AskRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["question"],
            "properties": {
                "question": {"type": "string", "minLength": 1, "maxLength": max_question,
                             "pattern": f"[^{BLANK_CLASS}]",
                             "description": f"Spørsmålet, høyst {max_question} tegn (telt før normalisering)."},
                "session": {"type": ["string", "null"], "pattern": _anchored(SESSION_ID),
                            "description": "Økt-id fra forrige svar, for å fortsette samtalen."},
                "lang": {"enum": ["nb", "nn", None], "description": "Tving målform; ellers gjenkjennes den."},
                "choice": {"enum": [*entry_ids, None],
                           "description": "Id-en til forslaget den besøkende valgte (fra «suggestions»); "
                                          "svaret blir den oppføringen. Ukjent id gir 400."},
            },
        },
        "Source": {
            "type": "object",
            "additionalProperties": False,
            "required": ["url", "title"],
            "properties": {"url": {"type": "string"}, "title": _NULLABLE_STRING},
        },
        "Suggestion": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "question"],
            "properties": {"id": {"type": "string"}, "question": {"type": "string"}},
        },
        "Contact": {
            "type": "object",
            "description": "Kommunalavdelingens kontaktinformasjon.",
            "additionalProperties": False,
            "required": list(_CONTACT_FIELDS),
            "properties": {name: {"type": "string"} for name in _CONTACT_FIELDS},
        },
        "Reply": {
            "type": "object",
            "description": "Svaret: alltid alle feltene, aldri andre (et nytt felt føyes til her og i Reply.to_dict).",
            "additionalProperties": False,
            "required": ["question", "answer", "lang", "confidence", "fallback", "source", "id", "suggestions",
                         "intent", "session", "contact", "refer_to", "reply_id"],
            "properties": {
                "question": {"type": "string"},
                "answer": {"type": "string"},
                "lang": {"enum": ["nb", "nn"]},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "fallback": {"type": "boolean", "description": "Sant når assistenten ikke fant et sikkert svar."},
                "source": {"oneOf": [{"$ref": "#/components/schemas/Source"}, {"type": "null"}]},
                "id": {**_NULLABLE_STRING, "description": "Id-en til FAQ-oppføringen som svarer."},
                "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/Suggestion"}},
                "intent": _NULLABLE_STRING,
                "session": {"type": "string", "description": "Økt-id: send den med neste spørsmål."},
                "contact": {"oneOf": [{"$ref": "#/components/schemas/Contact"}, {"type": "null"}]},
                "refer_to": {"enum": ["municipality", None],
                             "description": "«municipality»: spørsmålet gjelder kommunens egne tjenester, ikke "
                                            "forsøksordningen; nettstedet kan vise til kommunen."},
                "reply_id": {"type": ["string", "null"], "pattern": _anchored(HEX_ID),
                             "description": "Id for tilbakemelding på dette svaret. Er databasen nede, står "
                                            "spørsmålet i kø til den svarer igjen; null bare når køen er full "
                                            "og spørsmålet ikke ble lagret."},
            },
        },
        "FeedbackRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["reply_id", "helpful"],
            "properties": {
                "reply_id": {"type": "string", "pattern": _anchored(HEX_ID)},
                "helpful": {"type": "boolean"},
                "comment": {"type": ["string", "null"], "maxLength": max_comment,
                            "description": "Valgfri kommentar; personopplysninger maskeres før lagring."},
            },
        },
        "Health": {
            "type": "object",
            "additionalProperties": False,
            "required": ["status", "index", "entries", "log", "redis"],
            "properties": {
                "status": {"enum": ["ok", "degraded"],
                           "description": "«degraded»: svarer, men spørsmålsloggen kan ikke lagre akkurat nå, "
                                          "eller Redis svarer ikke."},
                "index": {"type": "string"},
                "entries": {"type": "integer", "minimum": 0},
                "log": {"type": "object", "additionalProperties": False,
                        "required": ["host", "available", "pending", "dropped", "queue_size"],
                        "description": "Spørsmålsloggen på denne maskinen (alle arbeiderne).",
                        "properties": {
                            "host": {"type": "string"},
                            "available": {"type": "boolean"},
                            "pending": {"type": "integer", "minimum": 0,
                                        "description": "Spørsmål som venter i spoolen på disk til databasen svarer."},
                            "dropped": {"type": "integer", "minimum": 0,
                                        "description": "Spørsmål som gikk tapt (full spool, eller avvist av "
                                                       "databasen) siden spoolen ble laget."},
                            "queue_size": {"type": "integer", "minimum": 0}}},
                "redis": {"type": "object", "additionalProperties": {"type": "boolean"},
                          "description": "For hver del som ligger i Redis (sessions, rate_limits): om Redis svarte "
                                         "raskt nok. Tomt når Redis ikke er i bruk."},
            },
        },
    }


def _json_body(schema: str) -> dict[str, Any]:
    return {"required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def openapi_document(max_question: int = 500, max_comment: int = 1000,
                     entry_ids: list[str] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 description of ``/api``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Forsøksassistenten",
            "version": __version__,
            "description": "Spørsmål og svar om forsøksordningen for kommuner og fylkeskommuner, på bokmål og "
                           "nynorsk. Feil gir alltid JSON-objektet Error med norsk melding.",
        },
        "paths": {
            "/api/ask": {"post": {
                "operationId": "ask",
                "summary": "Still et spørsmål",
                "requestBody": _json_body("AskRequest"),
                "responses": {
                    "200": {"description": "Svaret.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reply"}}}},
                    **_common_errors(),
                },
            }},
            "/api/feedback": {"post": {
                "operationId": "feedback",
                "summary": "Si om et svar var nyttig",
                "requestBody": _json_body("FeedbackRequest"),
                "responses": {
                    "204": {"description": "Tilbakemeldingen er lagret."},
                    "404": _error_response("Ukjent reply_id."),
                    "503": _error_response("Loggen er utilgjengelig akkurat nå."),
                    **_common_errors(),
                },
            }},
            "/api/health": {"get": {
                "operationId": "health",
                "summary": "Helsesjekk",
                "responses": {"200": {"description": "Tjenesten kjører.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}},
            }},
            "/api/ping": {"get": {
                "operationId": "ping",
                "summary": "Lever prosessen? (uten indeks og database)",
                "responses": {"200": {"description": "Prosessen svarer.", "content": {"application/json": {
                    "schema": {"type": "object", "additionalProperties": False, "required": ["status"],
                               "properties": {"status": {"const": "ok"}}}}}}},
            }},
            "/api/texts": {"get": {
                "operationId": "texts",
                "summary": "Tekstene til widgeten (begge målformer), kontaktkortet og startspørsmålene",
                "responses": {"200": {"description": "Tekstene.", "content": {"application/json": {
                    "schema": {"type": "object", "additionalProperties": False,
                               "required": ["texts", "contact", "english_best", "starters"],
                               "properties": {
                                   "texts": {"type": "object", "additionalProperties": {"type": "object"}},
                                   "contact": {"$ref": "#/components/schemas/Contact"},
                                   "english_best": {"type": "string"},
                                   "starters": {"type": "object", "additionalProperties": {
                                       "type": "array", "items": {"$ref": "#/components/schemas/Suggestion"}}},
                               }}}}}},
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "Dette dokumentet",
                "responses": {"200": {"description": "OpenAPI 3.1-dokumentet.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {"schemas": _schemas(max_question, max_comment, entry_ids or [])},
    }
