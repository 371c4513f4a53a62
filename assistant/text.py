"""The Norwegian text pipeline shared by every retrieval component.

One function per step, so each can be tested alone, and :class:`TextPipeline` to run them in
order: Unicode normalisation, case folding, ASCII folding of æ/ø/å, tokenisation (a regular
expression, no downloaded nltk data), the Nynorsk/Bokmål spelling map, stop-word removal and
nltk's Snowball ``norwegian`` stemmer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from nltk.stem.snowball import SnowballStemmer

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_ASCII_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e",
                             "ê": "e", "ó": "o", "ò": "o", "ô": "o", "ü": "u"})
_PUNCT_FOLD = str.maketrans({"’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"',
                             "–": "-", "—": "-", "\u00a0": " "})


def normalize(text: str) -> str:
    """Return ``text`` NFKC-normalised, case-folded and with typographic punctuation made plain.

    NFKC runs again after case folding, whose output need not be normalised (``J\u06e3\u030c``), so that
    ``normalize`` is idempotent.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.translate(_PUNCT_FOLD).split())


def bounded(text: str, limit: int) -> str:
    """``text`` if its normal form (:func:`normalize`) has at most ``limit`` characters, else that form cut short.

    Normalisation can multiply a text's length (NFKC makes 18 characters of one U+FDFA and three of one U+FB03),
    and the cost of analysing a question grows with it; a question is analysed in at most ``limit``
    normalised characters, so 500 characters cost about what 500 ordinary characters cost.
    """
    normal = normalize(text)
    return text if len(normal) <= limit else normal[:limit]


def fold_ascii(text: str) -> str:
    """Fold Norwegian and other accented letters to ASCII (``søkje`` -> ``sokje``, ``paa`` -> ``pa``)."""
    return text.translate(_ASCII_FOLD).replace("aa", "a")


def tokenize(text: str) -> list[str]:
    """Split text into word tokens (letters and digits); punctuation and underscores are dropped."""
    return _TOKEN.findall(text)


def data_lines(name: str) -> list[str]:
    """The lines of ``assistant/data/<name>`` that hold something (blank lines and ``#`` comments left out)."""
    raw = resources.files("assistant").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in raw.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The Bokmål + Nynorsk stop words kept in ``assistant/data/stopwords.txt``, ASCII-folded."""
    return frozenset(fold_ascii(normalize(line)) for line in data_lines("stopwords.txt"))


def _folded(text: str) -> str:
    return fold_ascii(normalize(text))


def folded_tokens(text: str) -> list[str]:
    """``text``'s words normalised, case-folded and ASCII-folded, as the spelling map and a question's analysis see
    them (``"Søkje Bodø?"`` -> ``["sokje", "bodo"]``)."""
    return tokenize(_folded(text))


#: The spelling tables, read in order (a later table may not override an earlier key).
SPELLING_TABLES = ("spelling.tsv", "dialect.tsv")


@lru_cache(maxsize=1)
def spelling_map() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Nynorsk, dialect and chat spellings -> Bokmål form, from :data:`SPELLING_TABLES`, ASCII-folded.

    Keys are token tuples so that two-word forms such as ``kva tid`` can map to ``når``; a form that
    maps to nothing (``pls``, ``mvh``) is dropped.
    """
    mapping: dict[tuple[str, ...], tuple[str, ...]] = {}
    for name in SPELLING_TABLES:
        for line in data_lines(name):
            source, target = line.split("\t")
            key = tuple(folded_tokens(source))
            if not source.endswith("*") and key not in mapping:
                mapping[key] = tuple(folded_tokens(target))
    return mapping


@lru_cache(maxsize=1)
def prefix_map() -> tuple[tuple[str, str], ...]:
    """Nynorsk first parts of compounds -> Bokmål (``skule*`` -> ``skole``), ASCII-folded."""
    pairs = [line.split("\t") for line in data_lines("spelling.tsv")]
    return tuple((_folded(s[:-1]), _folded(t)) for s, t in pairs if s.endswith("*"))


@lru_cache(maxsize=50_000)
def _respell(token: str) -> str:
    for prefix, target in prefix_map():
        if token.startswith(prefix) and len(token) > len(prefix):
            return target + token[len(prefix):]
    return token


def apply_spelling(tokens: list[str]) -> list[str]:
    """Replace Nynorsk and variant spellings by their Bokmål form, two-word forms first."""
    mapping = spelling_map()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        pair = tuple(tokens[i:i + 2])
        if len(pair) == 2 and pair in mapping:
            out.extend(mapping[pair])
            i += 2
            continue
        out.extend(mapping.get((tokens[i],), (_respell(tokens[i]),)))
        i += 1
    return out


@lru_cache(maxsize=1)
def _stemmer() -> SnowballStemmer:
    return SnowballStemmer("norwegian")


@lru_cache(maxsize=50_000)
def stem(token: str) -> str:
    """Stem one (folded) token with nltk's Snowball ``norwegian`` stemmer."""
    return _stemmer().stem(token)


@lru_cache(maxsize=50_000)
def _canonical_tokens(text: str) -> tuple[str, ...]:
    """:meth:`TextPipeline.canonical_tokens`, cached: building the index analyses each text for several models."""
    return tuple(apply_spelling(folded_tokens(text)))


@dataclass(frozen=True)
class TextPipeline:
    """Turns raw text into the token streams the retrievers index.

    ``canonical`` keeps every word (spelling-mapped and folded) for character n-grams and fuzzy
    matching; ``terms`` also drops stop words and stems, for word-level TF-IDF.
    """

    drop_stopwords: bool = True
    extra_stopwords: frozenset[str] = field(default_factory=frozenset)

    def canonical_tokens(self, text: str) -> list[str]:
        """Normalised, ASCII-folded, spelling-mapped tokens, stop words kept."""
        return list(_canonical_tokens(text))

    def canonical(self, text: str) -> str:
        """The canonical tokens joined by spaces."""
        return " ".join(self.canonical_tokens(text))

    def terms(self, text: str) -> list[str]:
        """Stemmed content terms: canonical tokens without stop words, stemmed."""
        drop = stopwords() | self.extra_stopwords if self.drop_stopwords else frozenset()
        tokens = _canonical_tokens(text)
        return [stem(tok) for tok in tokens if tok not in drop] or [stem(tok) for tok in tokens]
