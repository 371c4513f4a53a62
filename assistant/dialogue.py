"""From a question to a :class:`~assistant.reply.Reply`: retrieval, confidence, fallback, suggestions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from .config import build_dir, content_root
from .index import Index, Progress, load_or_build
from .knowledge import LANGS, Entry
from .messages import CONTACT, fallback_text
from .reply import Reply, Suggestion


@dataclass
class Assistant:
    """Answers questions from a built :class:`~assistant.index.Index`.

    ``close_call`` is how near (in fused score) the runner-up may come before the two best entries
    count as too close to call; ``suggest_floor`` is the lowest fused score an entry needs to be
    offered as a suggestion.
    """

    index: Index
    close_call: float = 0.12
    suggest_floor: float = 0.25
    max_suggestions: int = 3

    def detect_lang(self, question: str) -> str:
        """The målform of ``question`` ("nb" or "nn")."""
        return self.index.malform.predict(question)

    def _suggestion(self, entry: Entry, lang: str) -> Suggestion:
        return Suggestion(entry.id, entry.part(lang).questions[0])

    def ask(self, question: str, lang: str | None = None, session: str | None = None) -> Reply:
        """Answer ``question`` in målform ``lang`` (detected from the question when None).

        ``session`` is the opaque id of the conversation; a new one is made when it is None.
        """
        session = session or uuid.uuid4().hex
        if not question or not question.strip():
            raise ValueError("empty question")
        if lang is not None and lang not in LANGS:
            raise ValueError(f"unknown målform {lang!r}")
        lang = lang or self.detect_lang(question)
        candidates, _ = self.index.retriever.candidates(question)
        ranked = self.index.calibration.rank(candidates)
        confidence = self.index.calibration.confidence(ranked)
        entries = self.index.kb.by_id
        if ranked and confidence >= self.index.calibration.threshold:
            top = ranked[0]
            entry = entries[top.id]
            close = [c.id for c in ranked[1:self.max_suggestions]
                     if top.score - c.score <= self.close_call and c.score >= self.suggest_floor]
            ids = list(dict.fromkeys([*close, *entry.related]))[: self.max_suggestions]
            return Reply(question, entry.part(lang).answer, lang, confidence, False, entry.source.url,
                         entry.source.title, entry.id,
                         tuple(self._suggestion(entries[i], lang) for i in ids if i in entries), session=session)
        near = [c.id for c in ranked[: self.max_suggestions] if c.score >= self.suggest_floor]
        return Reply(question, fallback_text(lang, with_suggestions=bool(near)), lang, confidence, True,
                     CONTACT["url"], CONTACT["title"], None,
                     tuple(self._suggestion(entries[i], lang) for i in near), session=session, contact=True)


def open_assistant(root: Path | None = None, build: Path | None = None,
                   progress: Progress | None = None) -> Assistant:
    """An :class:`Assistant` for the content under ``root``, building its index first if needed."""
    root = root or content_root()
    index = load_or_build(root, build or build_dir(root), progress=progress or (lambda *_: None))
    return Assistant(index)
