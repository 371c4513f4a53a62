"""Norwegian place names in a question: municipalities, counties and regions the knowledge base does not name.

Visitors name their own municipality ("Er Bodø med?", "har narvik søkt", "kva med kommunane i Hardanger"). The
FAQ answers such questions in general terms (whether a municipality is part of a trial, which trials were chosen),
and names only the places that have trials. A place name the index does not know is then an unknown word: it
lowers the confidence as strongly as a word of another topic would ("barnehageplass"), and the spelling corrector
may turn it into a known word that happens to be close ("Bodø" -> "bdo"). :class:`PlaceNames` replaces such a name
by what it stands for in the question: a municipality by "kommunen"; a county or a region, which a question names
as where something happens ("forsøk i Nordland"), is left out. A name the index knows (a trial's municipality)
stays as it is, since it tells entries apart.

The names are data (``assistant/data/places.tsv``: municipalities of 2024 and before the 2020 reform, counties,
regions). A name that is also an ordinary word (Moss, Time, Vik, Bø) counts only when written with a capital
letter after the first word of the message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from .text import data_lines, folded_tokens, tokenize

PLACES_FILE = "places.tsv"
KINDS = ("kommune", "fylke", "region")
#: What a place of each kind becomes in the question (nothing: left out).
STANDS_FOR: dict[str, tuple[str, ...]] = {"kommune": ("kommunen",), "fylke": (), "region": ()}


@dataclass(frozen=True)
class Place:
    """A place name as folded tokens, its kind and whether it is also an ordinary word."""

    tokens: tuple[str, ...]
    kind: str
    word: bool = False


@lru_cache(maxsize=1)
def load_places() -> dict[tuple[str, ...], Place]:
    """Every place of :data:`PLACES_FILE` by its folded tokens; raise ValueError on a malformed line."""
    places: dict[tuple[str, ...], Place] = {}
    for line in data_lines(PLACES_FILE):
        fields = line.split("\t")
        if len(fields) != 3 or fields[1] not in KINDS or fields[2] not in ("ord", "-"):
            raise ValueError(f"{PLACES_FILE}: malformed line {line!r}")
        tokens = tuple(folded_tokens(fields[0]))
        if tokens:
            places.setdefault(tokens, Place(tokens, fields[1], fields[2] == "ord"))
    return places


@dataclass
class PlaceNames:
    """Finds place names in a question's folded tokens and replaces those the index does not know."""

    places: dict[tuple[str, ...], Place] = field(default_factory=load_places)

    def __post_init__(self) -> None:
        self.longest = max((len(k) for k in self.places), default=0)

    def replace(self, text: str, tokens: list[str], known: Callable[[str], bool]) -> list[str]:
        """``tokens`` (``text``'s folded tokens) with each place name not all of whose words are ``known``
        replaced by what it stands for (:data:`STANDS_FOR`)."""
        if not self.longest:
            return tokens
        cased = tokenize(unicodedata.normalize("NFKC", text))  # the same words, not case-folded
        capital = [len(cased) == len(tokens) and i > 0 and cased[i][:1].isupper() for i in range(len(tokens))]
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                place = self.places.get(tuple(tokens[i:i + n]))
                if place is not None and (not place.word or capital[i]):
                    break
            else:
                out.append(tokens[i])
                i += 1
                continue
            if all(map(known, place.tokens)):
                out.extend(place.tokens)
            else:
                out.extend(STANDS_FOR[place.kind])
            i += n
        return out
