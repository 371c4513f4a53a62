"""Is a question outside the trial scheme but about the municipality's own services?

The widget then points to the host municipality (its ``data-municipality-name`` and ``-url``) instead of
Kommunalavdelingen. For now the decision rests on a word list (``assistant/data/municipal_services.txt``);
:func:`refer_to` is the one place to change when a better model of what the assistant can answer arrives.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from .text import fold_ascii, normalize, tokenize

#: Words of the trial scheme itself: a question using them is about the scheme, whatever else it names.
SCHEME_WORDS = ("forsok", "frikommune")


@lru_cache(maxsize=1)
def municipal_words() -> tuple[str, ...]:
    """The word beginnings of ``municipal_services.txt``, case- and æøå-folded."""
    raw = resources.files("assistant").joinpath("data", "municipal_services.txt").read_text(encoding="utf-8")
    return tuple(fold_ascii(normalize(line)) for line in raw.splitlines() if line.strip() and not line.startswith("#"))


def municipal_service_question(question: str) -> bool:
    """Whether ``question`` names a municipal service and nothing of the trial scheme."""
    words = [fold_ascii(token) for token in tokenize(normalize(question))]
    if any(word.startswith(SCHEME_WORDS) for word in words):
        return False
    return any(word.startswith(municipal_words()) for word in words)


def refer_to(question: str, fallback: bool, entry_id: str | None) -> str | None:
    """``"municipality"`` when the assistant found no answer and the question is about municipal services.

    Only an unanswered question is referred: an answered one was about the scheme after all.
    """
    if fallback and entry_id is None and municipal_service_question(question):
        return "municipality"
    return None
