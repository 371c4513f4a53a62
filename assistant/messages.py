"""The message catalogue ``assistant/data/messages.yaml``: loaded and validated once, read by key.

Every fixed text of the assistant, its pages and its widget is written in the catalogue, in Bokmål and
Nynorsk (the ``english`` section in English), with Kommunalavdelingen's contact details written once in
its ``contact`` record and filled into the texts from there. The catalogue is not part of the index's
code hash (:func:`assistant.index.code_hash`): a changed sentence needs no rebuild.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

CATALOGUE = "messages.yaml"
#: The languages every message of a section must have.
SECTION_LANGS: dict[str, tuple[str, ...]] = {"dialogue": ("nb", "nn"), "english": ("en",), "ui": ("nb", "nn"),
                                              "intents": ("nb", "nn")}
#: Where an error's text is shown: the JSON API, the chat pages, the editor (the ``errors`` table's columns).
SURFACES = ("api", "page", "editor", "editor_heading")
#: The contact record's fields, in the order of the reply's ``contact`` card.
CONTACT_FIELDS = ("unit", "phone", "postal_address", "visiting_address", "url", "title")
#: Placeholders the code fills in when it uses a text (everything else comes from the contact record).
#: (Never a contact field's name: the contact record is filled in first.)
ARGUMENTS = frozenset({"question", "page", "limit", "max_depth", "fields"})


class CatalogueError(ValueError):
    """The catalogue is malformed: a missing section, message or language, or an unknown placeholder."""


@dataclass(frozen=True)
class ErrorText:
    """One row of the error table: its code, HTTP status and text per surface (``api``, ``page``, ``editor``)."""

    code: str
    status: int
    texts: dict[str, str]


def placeholders(contact: dict[str, str]) -> dict[str, str]:
    """The values of the contact placeholders: the record's fields, and ``street`` and ``city`` of its visiting
    address (the street and number before its last comma, and the place after it)."""
    street, _, city = contact["visiting_address"].rpartition(", ")
    return {**contact, "street": street, "city": city}


def fill(text: str, contact: dict[str, str]) -> str:
    """``text`` with its contact placeholders filled in (the :data:`ARGUMENTS` are left for the caller)."""
    values = placeholders(contact)
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _check_text(where: str, text: object, contact: dict[str, str], problems: list[str]) -> str:
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: missing or empty")
        return ""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
        return ""
    unknown = sorted(names - set(placeholders(contact)) - ARGUMENTS)
    if unknown:
        problems.append(f"{where}: unknown placeholder {', '.join('{' + n + '}' for n in unknown)}")
    return " ".join(fill(text, contact).split())


def validate(data: Any, source: str = CATALOGUE) -> dict[str, Any]:
    """The catalogue ``data`` with the contact placeholders filled in and white space folded.

    Raises :class:`CatalogueError` listing every problem: a missing section or contact field, a message
    without a text in one of its section's languages, a language the section does not have, an unknown
    placeholder.
    """
    if not isinstance(data, dict):
        raise CatalogueError(f"{source}: not a mapping")
    problems: list[str] = []
    contact = data.get("contact")
    if not isinstance(contact, dict) or any(not isinstance(contact.get(f), str) for f in CONTACT_FIELDS):
        raise CatalogueError(f"{source}: contact: needs the fields {', '.join(CONTACT_FIELDS)}")
    contact = {f: contact[f] for f in CONTACT_FIELDS}
    result: dict[str, Any] = {"contact": contact}
    for section, langs in SECTION_LANGS.items():
        messages = data.get(section)
        if not isinstance(messages, dict) or not messages:
            problems.append(f"{source}: section {section!r} is missing")
            continue
        result[section] = {}
        for key, texts in messages.items():
            where = f"{source}: {section}.{key}"
            if not isinstance(texts, dict):
                problems.append(f"{where}: needs a text for each of {', '.join(langs)}")
                continue
            for extra in sorted(set(texts) - set(langs)):
                problems.append(f"{where}.{extra}: unknown language (this section has {', '.join(langs)})")
            result[section][key] = {lang: _check_text(f"{where}.{lang}", texts.get(lang), contact, problems)
                                    for lang in langs}
    result["errors"] = _validate_errors(data.get("errors"), source, contact, problems)
    unknown = sorted(set(data) - {"contact", "errors", *SECTION_LANGS})
    problems.extend(f"{source}: unknown section {name!r}" for name in unknown)
    if problems:
        raise CatalogueError("\n".join(problems))
    return result


def _validate_errors(table: object, source: str, contact: dict[str, str],
                     problems: list[str]) -> dict[str, ErrorText]:
    if not isinstance(table, dict) or not table:
        problems.append(f"{source}: section 'errors' is missing")
        return {}
    errors = {}
    for code, row in table.items():
        where = f"{source}: errors.{code}"
        if not isinstance(row, dict) or not isinstance(row.get("status"), int) or not 400 <= row["status"] < 600:
            problems.append(f"{where}: needs a status (an HTTP error code)")
            continue
        unknown = sorted(set(row) - {"status", *SURFACES})
        problems.extend(f"{where}.{name}: unknown field (an error has a status and {', '.join(SURFACES)})"
                        for name in unknown)
        texts = {surface: _check_text(f"{where}.{surface}", row[surface], contact, problems)
                 for surface in SURFACES if surface in row}
        if not texts:
            problems.append(f"{where}: needs a text for one of {', '.join(SURFACES)}")
        errors[code] = ErrorText(code, row["status"], texts)
    for surface, code in (("api", "bad_request"), *((surface, "internal_error") for surface in SURFACES)):
        if surface not in getattr(errors.get(code), "texts", {}):
            problems.append(f"{source}: errors.{code}.{surface}: missing (the default for {surface} errors)")
    return errors


@cache
def catalogue() -> dict[str, Any]:
    """The validated catalogue of this process (read once)."""
    text = resources.files("assistant").joinpath("data", CATALOGUE).read_text(encoding="utf-8")
    return validate(yaml.safe_load(text))


def text(section: str, key: str, lang: str) -> str:
    """The message ``section.key`` in language ``lang``, contact details filled in."""
    return catalogue()[section][key][lang]


def ui(lang: str) -> dict[str, str]:
    """The texts of the chat pages and the widget in målform ``lang``, by key."""
    return {key: texts[lang] for key, texts in catalogue()["ui"].items()}


def error(code: str, **values: object) -> ErrorText:
    """The error ``code`` of the table, its texts filled with ``values`` (``limit`` ...)."""
    row: ErrorText = catalogue()["errors"][code]
    return ErrorText(row.code, row.status, {k: v.format(**values) if values else v for k, v in row.texts.items()})


def error_for_status(status: int, surface: str) -> ErrorText:
    """The error an HTTP ``status`` (404, 413, ...) shows on ``surface``: the table's first row with that status,
    when it has a text there; else ``internal_error`` (and in the API, for a status under 500, ``bad_request``)."""
    errors: dict[str, ErrorText] = catalogue()["errors"]
    row = next((row for row in errors.values() if row.status == status), None)
    if row is not None and surface in row.texts:
        return row
    return errors["bad_request" if surface == "api" and status < 500 else "internal_error"]


#: Kommunalavdelingen's contact details: the reply's ``contact`` card.
CONTACT: dict[str, str] = catalogue()["contact"]


def contact_line(lang: str) -> str:
    """One sentence with Kommunalavdelingen's phone number and addresses."""
    return text("dialogue", "contact_line", lang)


def fallback_text(lang: str, with_suggestions: bool = False) -> str:
    """The honest "I don't know" with the contact details, in målform ``lang``.

    The pointer to the suggestions comes last, so that it stands right above them in the chat.
    """
    parts = [text("dialogue", "fallback", lang), contact_line(lang)]
    if with_suggestions:
        parts.append(text("dialogue", "suggest", lang))
    return " ".join(parts)


def clarify_text(lang: str) -> str:
    """The "did you mean ...?" question that introduces suggestions."""
    return text("dialogue", "clarify", lang)


def repeated_failure_text(lang: str) -> str:
    """The reply after fallbacks in a row: the contact card first, not another "I don't know"."""
    return text("dialogue", "repeated_failure", lang)


def hedge_text(lang: str, question: str) -> str:
    """The lead-in of an answer the assistant is fairly but not fully sure of: which question it answers."""
    return text("dialogue", "hedge", lang).format(question=question.rstrip("?.! "))


def passage_intro(lang: str, title: str) -> str:
    """The lead-in of an answer quoted from a page passage, naming the page."""
    return text("dialogue", "passage", lang).format(page=title)


def greeting_prefix(lang: str) -> str:
    """The greeting folded into an answer to "Hei, ...?"."""
    return text("dialogue", "greeting_prefix", lang)


def english_note(with_best: bool = False) -> str:
    """The note to a question in English, leading into the best Norwegian answer when ``with_best``."""
    note = text("english", "note", "en")
    return f"{note} {text('english', 'best', 'en')}" if with_best else note
