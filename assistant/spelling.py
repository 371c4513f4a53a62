"""Query-time spelling correction toward the index's own vocabulary.

A visitor's typo in the key word ("forsøksordnigen", "frikomune", "sokke", "kviflr") costs every
word-level feature its best term. :class:`SpellingCorrector` is fitted on the words the knowledge base
uses, as written (folded) and as the spelling map turns them (Nynorsk and dialect forms are words too:
"kvifor", "korleis"), and replaces a question word it does not know by the known word within a small
edit distance, when that word is frequent enough and unambiguous; the spelling map runs after the
correction. Before that, a place name the index does not know stands in for what it names (:mod:`assistant.places`).
A word that is itself a common Norwegian word is no typo and is left as it is, however close a known
word lies ("vedtok" is not "vedtak", "fylker" not "fylket", "vann" not "vinn"): the common words are wordfreq's
list of Bokmål words used at least once per million words (about 26,000, from subtitles, Wikipedia, news and
the web; installed with the package, nothing is downloaded). It only corrects: a word with no close known word
("barnehageplass") is left as it is, so that an out-of-scope question keeps the unknown word that tells it apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .places import PlaceNames
from .text import apply_spelling, folded_tokens, spelling_map, stem, stopwords


def common_words() -> frozenset[str]:
    """The words of wordfreq's small Bokmål list (used at least once per million words), folded as questions are.

    Only fitting reads the list (the fitted corrector keeps the set), so wordfreq is imported here, not by a server.
    """
    from wordfreq import iter_wordlist

    return frozenset(w for word in iter_wordlist("nb", wordlist="small") for w in folded_tokens(word) if w.isalpha())


@dataclass
class SpellingCorrector:
    """Corrects unknown words to the closest known word (optimal string alignment distance).

    ``min_length``: shorter words are never corrected (too many neighbours); words of up to
    ``long_word`` letters are corrected at distance 1, longer ones at distance 2; a word of up to
    ``short_word`` letters keeps its first letter (or has its first two swapped). A correction of up to
    ``long_word`` letters is a word seen at least ``min_count`` times ("skatt" does not become the rare
    "satt"). ``dominance``:
    when several known words lie at the same distance, the most frequent is taken when they share a
    stem ("kommune", "kommunene") or it is this many times as frequent as the next; otherwise the
    word is left alone. Before correction an unknown compound is split into known parts (:meth:`split_compound`).
    Corrections are remembered for up to ``cache_size`` words, then forgotten all at once, so that a server's
    memory does not grow with every new word visitors type.
    """

    min_length: int = 4
    short_word: int = 6
    long_word: int = 8
    min_count: int = 3
    dominance: float = 3.0
    compound_length: int = 8
    compound_part: int = 4
    cache_size: int = 20_000

    def fit(self, texts: list[str]) -> SpellingCorrector:
        """Learn the known words (and how often each occurs) from ``texts``, as written and as mapped."""
        counts: Counter[str] = Counter()
        for text in texts:
            surface = folded_tokens(text)
            counts.update(surface)
            counts.update(t for t in apply_spelling(surface) if t not in surface)
        for key, value in spelling_map().items():
            counts.update({t: self.min_count for t in (*key, *value) if t not in counts})
        counts.update({w: self.min_count for w in stopwords() if w not in counts})
        self.counts_ = dict(counts)
        # Short rare words make false corrections ("skatt" -> "satt"); long words hardly do.
        self.words_ = sorted(w for w, n in counts.items() if w.isalpha() and len(w) >= self.min_length - 1
                             and (n >= self.min_count or len(w) > self.long_word))
        self.cache_: dict[str, str] = {}
        self.places_ = PlaceNames()
        self.stems_ = frozenset(stem(w) for w in counts)
        self.common_ = common_words()
        return self

    def knows(self, token: str) -> bool:
        """Whether the knowledge base uses ``token`` (a folded word) or another form of its stem ("namdalen")."""
        return token in self.counts_ or stem(token) in self.stems_

    def correct_token(self, token: str) -> str:
        """``token`` itself when known, a common word, too short or not a word; else its unambiguous close known
        word."""
        if token in self.counts_ or token in self.common_ or len(token) < self.min_length or not token.isalpha():
            return token
        if token not in self.cache_:
            if len(self.cache_) >= self.cache_size:  # every visitor's unknown words: kept within bounds
                self.cache_.clear()
            self.cache_[token] = self._closest(token)
        return self.cache_[token]

    def _closest(self, token: str) -> str:
        limit = 1 if len(token) <= self.long_word else 2
        matches = process.extract(token, self.words_, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if len(token) <= self.short_word:
            matches = [m for m in matches if m[0][0] == token[0] or m[0][:2] == token[1::-1]]
        if not matches:
            return token
        best = min(distance for _, distance, _ in matches)
        tied = sorted((w for w, distance, _ in matches if distance == best), key=lambda w: -self.counts_[w])
        same_stem = len({stem(w) for w in tied}) == 1
        if len(tied) > 1 and not same_stem and self.counts_[tied[0]] < self.dominance * self.counts_[tied[1]]:
            return token
        return tied[0]

    def correct(self, text: str) -> str:
        """``text`` as canonical tokens (spelling-mapped after correction), joined by spaces."""
        return " ".join(self.canonical_tokens(text))

    def split_compound(self, token: str) -> list[str]:
        """An unknown compound as its two known parts ("kommunestyrerepresentant" -> "kommunestyre", "representant";
        "rekrutteringsproblemer" -> "rekruttering", "problemer": a linking s or e dropped), else ``[token]``.

        Norwegian writes compounds as one word, and a visitor makes new ones the index has never seen; its parts
        tell what the question is about. Only a word of ``compound_length`` letters or more that neither the
        index nor the common words know is split, each part ``compound_part`` letters or more and known to the
        index; the longest known last part wins.
        """
        if len(token) < self.compound_length or not token.isalpha() or self.knows(token) or token in self.common_:
            return [token]
        part = self.compound_part
        for i in range(part, len(token) - part + 1):
            head, tail = token[:i], token[i:]
            if self.knows(tail):
                for first in (head, head[:-1] if head[-1] in "se" else ""):
                    if len(first) >= part and self.knows(first):
                        return [first, tail]
        return [token]

    def canonical_tokens(self, text: str) -> list[str]:
        """The words of ``text`` folded, place names the index does not know replaced (:mod:`assistant.places`),
        unknown compounds split, corrected, then spelling-mapped."""
        tokens = self.places_.replace(text, folded_tokens(text), self.knows)
        return apply_spelling([self.correct_token(t) for token in tokens for t in self.split_compound(token)])

    def known_words(self, tokens: list[str]) -> int:
        """How many of a question's :meth:`canonical_tokens` (two or more letters, stop words aside) the index knows.

        A message with none ("1", "x", "asdfgh", "???") is junk and is never answered.
        """
        drop = stopwords()
        return sum(len(t) >= 2 and t.isalpha() and t in self.counts_ and t not in drop for t in tokens)
