"""The house style of the answers: plain language (LIX, sentence length) and the chosen wording.

LIX is words per sentence plus the share (in per cent) of words longer than six letters; the
state's plain-language guidance reads 40 as ordinary prose and over 50 as hard. The limits here are
the ones the content tests keep and ``python -m assistant content --readability`` reports against.
The house style also fixes one Nynorsk form where the norm allows two (``assistant/data/nn_forms.tsv``)
and bans wording in which the assistant narrates its own research ("kildene", "har vi ikke funnet").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from statistics import fmean

MAX_MEAN_LIX = 40.0
MAX_LIX = 50.0
MAX_SENTENCE_WORDS = 25

# A sentence ends at . ! or ? followed by a capital letter or an opening quote; abbreviations that
# take a capital after them (Meld. St., Dep.) do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«])")
_ABBREVIATION_END = re.compile(r"(?:\b(?:Meld|St|Dep|Prop|jf|nr|kl|bl\.a)\.)$")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")

#: Wording in which the assistant talks about its own sources or research instead of the matter.
SELF_REFERENCE = re.compile(
    r"\b(?:kilden\w*|kjelden\w*|kildegrunnlag\w*|kjeldegrunnlag\w*|har vi (?:ikke|ikkje)|vi har (?:ikke|ikkje)"
    r"|sidene kjenner|så langt vi kjenner|vi bygger på|vi byggjer på|i denne tjenesten|i denne tenesta)\b",
    re.IGNORECASE)


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (abbreviations such as «Meld. St.» do not end one)."""
    parts: list[str] = []
    for piece in _SENTENCE_END.split(" ".join(text.split())):
        if parts and _ABBREVIATION_END.search(parts[-1]):
            parts[-1] += " " + piece
        else:
            parts.append(piece)
    return [p for p in parts if p.strip()]


def words(text: str) -> list[str]:
    """The words of ``text`` (a hyphenated compound is one word; numbers count as words)."""
    return _WORD.findall(text)


def lix(text: str) -> float:
    """The LIX readability index of ``text``: words per sentence + per cent of words over six letters."""
    found = words(text)
    if not found:
        return 0.0
    long_words = sum(1 for w in found if len(w) > 6)
    return len(found) / max(1, len(sentences(text))) + 100 * long_words / len(found)


def long_sentences(text: str, limit: int = MAX_SENTENCE_WORDS) -> list[str]:
    """The sentences of ``text`` with more than ``limit`` words."""
    return [s for s in sentences(text) if len(words(s)) > limit]


def self_references(text: str) -> list[str]:
    """The phrases in ``text`` where the answer talks about its sources instead of the matter."""
    return [m.group(0) for m in SELF_REFERENCE.finditer(text)]


@lru_cache(maxsize=1)
def nn_forms() -> dict[str, str]:
    """The house's Nynorsk forms: each word form we do not use, mapped to the one we use instead."""
    text = resources.files("assistant").joinpath("data/nn_forms.tsv").read_text(encoding="utf-8")
    pairs = (line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {avoid.strip().casefold(): use.strip() for avoid, use in pairs}


def nn_form_slips(text: str) -> list[tuple[str, str]]:
    """(word, the form to use instead) for every word of ``text`` that is not the house's Nynorsk form."""
    forms = nn_forms()
    return [(w, forms[w.casefold()]) for w in words(text) if w.casefold() in forms]


@dataclass(frozen=True)
class Readability:
    """The readability of one answer: which entry and målform, its LIX and its over-long sentences."""

    entry_id: str
    lang: str
    lix: float
    long_sentences: tuple[str, ...]


def measure(answers: Iterable[tuple[str, str, str]]) -> list[Readability]:
    """Readability of each (entry id, målform, answer), in the order given."""
    return [Readability(entry_id, lang, lix(answer), tuple(long_sentences(answer)))
            for entry_id, lang, answer in answers]


def readability_report(results: list[Readability], top: int = 10) -> str:
    """Mean LIX per målform and overall against the limits, the ``top`` hardest answers, and every long sentence."""
    if not results:
        return "Ingen svar å måle."
    lines = []
    for lang in ("nb", "nn"):
        scores = [r.lix for r in results if r.lang == lang]
        if scores:
            lines.append(f"LIX {lang}: snitt {fmean(scores):.1f}, høyest {max(scores):.1f} ({len(scores)} svar)")
    mean = fmean(r.lix for r in results)
    over = [r for r in results if r.lix > MAX_LIX]
    long = [(r, s) for r in results for s in r.long_sentences]
    lines.append(f"LIX samlet: snitt {mean:.1f} (grense {MAX_MEAN_LIX:.0f}); {len(over)} svar over {MAX_LIX:.0f}; "
                 f"{len(long)} setninger over {MAX_SENTENCE_WORDS} ord")
    lines.append("")
    lines.append(f"De {min(top, len(results))} tyngste svarene:")
    for r in sorted(results, key=lambda r: -r.lix)[:top]:
        lines.append(f"  {r.lix:5.1f}  {r.entry_id} ({r.lang})")
    if long:
        lines.append("")
        lines.append(f"Setninger over {MAX_SENTENCE_WORDS} ord:")
        lines.extend(f"  {r.entry_id} ({r.lang}, {len(words(s))} ord): {s}" for r, s in long)
    return "\n".join(lines)
