"""The reply: the plain data object at the end of the pipeline, and its public JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .messages import CONTACT
from .scope import refer_to


@dataclass(frozen=True)
class Suggestion:
    """An entry offered to the visitor, as its question in the reply's målform."""

    id: str
    question: str


@dataclass(frozen=True, kw_only=True)
class Reply:
    """What the assistant answers to one question; built with keywords only, changed with ``dataclasses.replace``.

    ``to_dict`` is the public JSON contract shared by the CLI (``ask --json``) and ``POST /api/ask``:
    extend it, never break it (a new field: a field here with a default, a key in ``to_dict``, the
    ``Reply`` schema in :mod:`assistant.openapi` and the contract table in the README).
    """

    question: str
    answer: str
    lang: str
    confidence: float
    fallback: bool
    source_url: str | None = None
    source_title: str | None = None
    id: str | None = None
    suggestions: tuple[Suggestion, ...] = field(default_factory=tuple)
    intent: str | None = None
    session: str | None = None
    contact: bool = False

    @property
    def refer_to(self) -> str | None:
        """``"municipality"`` when the question is about the municipality's own services (see :mod:`.scope`)."""
        return refer_to(self.question, self.fallback, self.id)

    def to_dict(self) -> dict[str, Any]:
        """The reply as the JSON object of the public contract."""
        source = {"url": self.source_url, "title": self.source_title} if self.source_url else None
        return {
            "question": self.question,
            "answer": self.answer,
            "lang": self.lang,
            "confidence": round(self.confidence, 4),
            "fallback": self.fallback,
            "source": source,
            "id": self.id,
            "suggestions": [{"id": s.id, "question": s.question} for s in self.suggestions],
            "intent": self.intent,
            "session": self.session,
            "contact": CONTACT if self.contact else None,
            "refer_to": self.refer_to,
        }
