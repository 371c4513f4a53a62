"""Query-time spelling correction toward the index's own vocabulary.

A visitor's typo in the key word ("forsøksordnigen", "frikomune", "sokke") costs every word-level
feature its best term. :class:`SpellingCorrector` is fitted on the words the knowledge base uses
(canonical tokens: folded, spelling- and dialect-mapped) and replaces a question word it does not
know by the one known word within a small edit distance, when that word is unambiguous. It only
corrects: a word with no close known word ("barnehageplass") is left as it is, so that an
out-of-scope question keeps the unknown word that tells it apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .text import TextPipeline, stopwords


@dataclass
class SpellingCorrector:
    """Corrects unknown words to the closest known word (optimal string alignment distance).

    ``min_length``: shorter words are never corrected (too many neighbours); words of up to
    ``long_word`` letters are corrected at distance 1, longer ones at distance 2; a word of up to
    ``short_word`` letters keeps its first two letters (so "skatt" does not become "satt"). ``dominance``:
    when several known words lie at the same distance, the most frequent is taken only if it is
    this many times as frequent as the next; otherwise the word is left alone.
    """

    min_length: int = 4
    short_word: int = 6
    long_word: int = 8
    dominance: float = 3.0
    pipeline: TextPipeline = field(default_factory=TextPipeline)

    def fit(self, texts: list[str]) -> SpellingCorrector:
        """Learn the known words (and how often each occurs) from ``texts``."""
        counts: Counter[str] = Counter(t for text in texts for t in self.pipeline.canonical_tokens(text))
        counts.update({w: 1 for w in stopwords()})
        self.counts_ = dict(counts)
        self.words_ = sorted(w for w in counts if w.isalpha() and len(w) >= self.min_length - 1)
        self.cache_: dict[str, str] = {}
        return self

    def correct_token(self, token: str) -> str:
        """``token`` itself when known, too short or not a word; else its unambiguous close known word."""
        if token in self.counts_ or len(token) < self.min_length or not token.isalpha():
            return token
        if token not in self.cache_:
            self.cache_[token] = self._closest(token)
        return self.cache_[token]

    def _closest(self, token: str) -> str:
        limit = 1 if len(token) <= self.long_word else 2
        matches = process.extract(token, self.words_, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not matches:
            return token
        if len(token) <= self.short_word:
            matches = [m for m in matches if m[0][:2] == token[:2]]
        if not matches:
            return token
        best = min(distance for _, distance, _ in matches)
        tied = sorted((self.counts_[w] for w, distance, _ in matches if distance == best), reverse=True)
        if len(tied) > 1 and tied[0] < self.dominance * tied[1]:
            return token
        return max((w for w, distance, _ in matches if distance == best), key=self.counts_.__getitem__)

    def correct(self, text: str) -> str:
        """``text`` as canonical tokens with unknown words corrected, joined by spaces."""
        return " ".join(self.correct_token(t) for t in self.pipeline.canonical_tokens(text))

    def corrections(self, text: str) -> dict[str, str]:
        """The words of ``text`` that :meth:`correct` would change, with their corrections."""
        tokens = self.pipeline.canonical_tokens(text)
        return {t: c for t in tokens if (c := self.correct_token(t)) != t}

    def known_words(self, text: str) -> int:
        """How many words of ``text`` (corrected, two or more letters, stop words aside) the index knows.

        A message with none ("1", "x", "asdfgh", "???") is junk and is never answered.
        """
        drop = stopwords()
        tokens = (self.correct_token(t) for t in self.pipeline.canonical_tokens(text))
        return sum(len(t) >= 2 and t.isalpha() and t in self.counts_ and t not in drop for t in tokens)
