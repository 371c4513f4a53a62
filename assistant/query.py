"""A question analysed once: every form of it that retrieval, the intent model and målform detection use.

:func:`analyse` runs the text pipeline a single time (normalisation, ASCII folding, tokenisation,
the spelling map, stop words, stemming) and keeps each intermediate form in a :class:`Query`. The
retrievers, the entry, intent and målform classifiers turn that into their vectors without
analysing the text again. Analyses are cached for the last few hundred texts, so the components
that are handed a plain string (the dialogue passes strings) share one analysis per message.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .text import TextPipeline, apply_spelling, fold_ascii, normalize, stem, stopwords, tokenize

#: Question words left out of a question's content terms ("hva", "kva tid" ...), stemmed.
QUESTION_TERMS = frozenset(TextPipeline().terms("hva hvordan hvem hvor hvorfor hvilke når"))


@dataclass(frozen=True)
class Query:
    """One question in every form the components need.

    ``normalized``: NFKC, case-folded, plain punctuation; ``words``: its word tokens (not folded);
    ``tokens``: the canonical tokens (ASCII-folded, spelling-mapped, stop words kept); ``content``:
    the canonical tokens without stop words, joined (all of them when nothing else is left), the
    text character n-grams and fuzzy matching see; ``terms``: the stemmed content terms, as
    :meth:`TextPipeline.terms`; ``content_terms``: ``terms`` without question words.
    """

    text: str
    normalized: str
    words: tuple[str, ...]
    tokens: tuple[str, ...]
    content: str
    terms: tuple[str, ...]
    content_terms: tuple[str, ...]

    @property
    def canonical(self) -> str:
        """The canonical tokens joined by spaces (:meth:`TextPipeline.canonical`)."""
        return " ".join(self.tokens)


_DEFAULT = TextPipeline()


@lru_cache(maxsize=512)
def analyse(text: str, pipeline: TextPipeline = _DEFAULT) -> Query:
    """``text`` analysed by ``pipeline`` (cached: a message is analysed once however many parts ask)."""
    normalized = normalize(text)
    tokens = tuple(apply_spelling(tokenize(fold_ascii(normalized))))
    common = stopwords()
    content = " ".join(t for t in tokens if t not in common) or " ".join(tokens)
    drop = common | pipeline.extra_stopwords if pipeline.drop_stopwords else frozenset()
    terms = tuple(stem(t) for t in tokens if t not in drop) or tuple(stem(t) for t in tokens)
    return Query(text, normalized, tuple(tokenize(normalized)), tokens, content, terms,
                 tuple(t for t in terms if t not in QUESTION_TERMS))


def as_query(text: str | Query, pipeline: TextPipeline = _DEFAULT) -> Query:
    """``text`` itself when already analysed, else its (cached) analysis."""
    return text if isinstance(text, Query) else analyse(text, pipeline)
