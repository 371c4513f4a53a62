"""The shapes of the ids the assistant makes and accepts, in one place.

Each pattern is matched in full (``fullmatch``); the OpenAPI description (:mod:`assistant.openapi`) anchors the
same patterns. An id from outside (a request, the command line, a file name) is checked against its shape
before it is used.
"""

from __future__ import annotations

import re

from slugify import slugify

#: A conversation id: made by :func:`assistant.sessions.new_session_id` (uuid4 hex), or sent by a script.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
#: A reply id in the question log, and a publish job's id: ``uuid4().hex``.
HEX_ID = re.compile(r"[0-9a-f]{32}")
#: An editor's account name: lower-case letters, digits, dot, hyphen, underscore; 2–40 characters.
ACCOUNT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")


def entry_slug(text: str, max_length: int = 0) -> str:
    """The FAQ entry id (and file name) python-slugify makes of ``text``, cut at a word under ``max_length``."""
    return slugify(text, max_length=max_length, word_boundary=bool(max_length))


def is_entry_slug(value: str) -> bool:
    """Whether ``value`` is a FAQ entry id: non-empty and its own slug."""
    return bool(value) and value == entry_slug(value)
