"""Retrieval components, each with ``fit`` and ``query`` and testable alone.

Every component indexes short texts that belong to a *key* (an entry id or a passage id) and
scores a question against all keys, keeping each key's best-matching text. The
:class:`HybridRetriever` combines them into one feature vector per candidate entry; the learnt
weights that rank those vectors live in :mod:`assistant.calibration`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .answerability import AnswerabilityModel, junk_examples, out_of_scope_questions
from .knowledge import LANGS, KnowledgeBase, Passage
from .spelling import SpellingCorrector
from .text import TextPipeline, stopwords

FUZZY_SCORERS = {
    "ratio": fuzz.ratio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "token_set_ratio": fuzz.token_set_ratio,
    "token_ratio": fuzz.token_ratio,
    "partial_token_set_ratio": fuzz.partial_token_set_ratio,
    "WRatio": fuzz.WRatio,
}

#: The features the hybrid retriever computes for every candidate entry, in order.
FEATURES = ("q_word", "q_char", "q_fuzzy", "a_word", "e_word", "e_char", "page", "clf", "q_word_gap",
            "q_char_gap", "q_fuzzy_gap", "e_word_gap", "clf_gap", "coverage", "unknown")


#: Features of the question itself, the same for every candidate: not used to rank, read by the
#: confidence model (``answerable``) and the dialogue (``known_words``: none means junk).
QUESTION_FEATURES = ("answerable", "known_words")


@dataclass(frozen=True)
class Scored:
    """A key (entry or passage id) with a score in [0, 1]."""

    key: str
    score: float


class _KeyedRetriever:
    """Shared machinery: texts grouped by key, scores aggregated per key by their maximum."""

    def __init__(self) -> None:
        self.keys_: list[str] = []
        self._doc_key: np.ndarray = np.zeros(0, dtype=int)

    def _set_keys(self, keys: list[str]) -> None:
        self.keys_ = list(dict.fromkeys(keys))
        index = {k: i for i, k in enumerate(self.keys_)}
        self._doc_key = np.array([index[k] for k in keys], dtype=int)

    def _doc_scores(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def scores(self, text: str) -> np.ndarray:
        """One score per key (in ``keys_`` order): the best score among that key's texts."""
        return self._best_per_key(self._doc_scores(text))

    def _best_per_key(self, doc_scores: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self.keys_))
        np.maximum.at(out, self._doc_key, doc_scores)
        return out

    def query(self, text: str, k: int = 5) -> list[Scored]:
        """The ``k`` best keys for ``text``, best first."""
        scores = self.scores(text)
        order = np.argsort(-scores, kind="stable")[:k]
        return [Scored(self.keys_[i], float(scores[i])) for i in order]


def content_text(pipeline: TextPipeline, text: str) -> str:
    """The canonical words of ``text`` without stop words (all of them if nothing else is left)."""
    drop = stopwords()
    tokens = pipeline.canonical_tokens(text)
    return " ".join(t for t in tokens if t not in drop) or " ".join(tokens)


def word_vectorizer(pipeline: TextPipeline, ngram_range: tuple[int, int] = (1, 2)) -> TfidfVectorizer:
    """TF-IDF over stemmed content words (spelling-mapped, ASCII-folded)."""
    return TfidfVectorizer(tokenizer=pipeline.terms, lowercase=False, token_pattern=None,
                           ngram_range=ngram_range, sublinear_tf=True)


def char_vectorizer(pipeline: TextPipeline, ngram_range: tuple[int, int] = (2, 5)) -> TfidfVectorizer:
    """TF-IDF over character n-grams of the content words: robust to typos and missing æøå."""
    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True,
                           preprocessor=partial(content_text, pipeline), lowercase=False)


class WordTfidfRetriever(_KeyedRetriever):
    """TF-IDF over stemmed content words (spelling-mapped, ASCII-folded), unigrams and bigrams."""

    def __init__(self, pipeline: TextPipeline | None = None, ngram_range: tuple[int, int] = (1, 2)):
        super().__init__()
        self.pipeline = pipeline or TextPipeline()
        self.vectorizer = word_vectorizer(self.pipeline, ngram_range)

    def fit(self, texts: list[str], keys: list[str]) -> WordTfidfRetriever:
        """Index ``texts``, each belonging to the key at the same position."""
        self.matrix_ = self.vectorizer.fit_transform(texts)
        self._set_keys(keys)
        return self

    def vector(self, text: str) -> sp.csr_matrix:
        """``text`` as a TF-IDF row over this retriever's vocabulary."""
        return self.vectorizer.transform([text])

    def scores_of(self, vector: sp.csr_matrix) -> np.ndarray:
        """:meth:`scores` for a question already turned into a row by :meth:`vector`."""
        return self._best_per_key((self.matrix_ @ vector.T).toarray().ravel())

    def _doc_scores(self, text: str) -> np.ndarray:
        return (self.matrix_ @ self.vector(text).T).toarray().ravel()


class CharTfidfRetriever(WordTfidfRetriever):
    """TF-IDF over character n-grams of the content words: robust to typos and missing æøå."""

    def __init__(self, pipeline: TextPipeline | None = None, ngram_range: tuple[int, int] = (2, 5)):
        _KeyedRetriever.__init__(self)
        self.pipeline = pipeline or TextPipeline()
        self.vectorizer = char_vectorizer(self.pipeline, ngram_range)


class FuzzyRetriever(_KeyedRetriever):
    """rapidfuzz string similarity over the canonical content words, scaled to [0, 1]."""

    def __init__(self, scorer: str = "token_set_ratio", pipeline: TextPipeline | None = None):
        super().__init__()
        self.pipeline = pipeline or TextPipeline()
        self.scorer = scorer

    def fit(self, texts: list[str], keys: list[str]) -> FuzzyRetriever:
        """Keep the canonical form of every text for matching."""
        self.choices_ = [content_text(self.pipeline, t) for t in texts]
        self._set_keys(keys)
        return self

    def _doc_scores(self, text: str) -> np.ndarray:
        scores = process.cdist([content_text(self.pipeline, text)], self.choices_,
                               scorer=FUZZY_SCORERS[self.scorer], dtype=np.float32)
        return scores[0].astype(float) / 100.0


class EntryClassifier(_KeyedRetriever):
    """Logistic regression over the phrasings' word and character TF-IDF: which entry is asked for?

    The nearest-neighbour scores weigh a question's words by rarity alone, but near neighbours
    (how long a trial lasts, how long it can be extended) differ in a word or two. Trained on every
    phrasing with its entry as the label, the classifier learns which words tell entries apart; its
    probability per entry is one of the ranking features.
    """

    def __init__(self, C: float = 10.0, pipeline: TextPipeline | None = None,
                 vectorizers: tuple[TfidfVectorizer, ...] | None = None):
        """``vectorizers``: word and character TF-IDF already fitted on the same texts (the hybrid
        retriever's), so a question is turned into features once for both; None fits its own."""
        super().__init__()
        self.C = C
        self.pipeline = pipeline or TextPipeline()
        self.vectorizers = vectorizers

    def fit(self, texts: list[str], keys: list[str]) -> EntryClassifier:
        """Learn each key from its texts (at least two keys)."""
        if len(set(keys)) < 2:
            raise ValueError("the entry classifier needs at least two entries to tell apart")
        if self.vectorizers is None:
            self.vectorizers = (word_vectorizer(self.pipeline).fit(texts), char_vectorizer(self.pipeline).fit(texts))
        features = sp.hstack([v.transform(texts) for v in self.vectorizers], format="csr")
        self.model_ = LogisticRegression(C=self.C, max_iter=5000).fit(features, keys)
        self._set_keys(keys)
        classes = {str(k): i for i, k in enumerate(self.model_.classes_)}
        self._columns = np.array([classes[k] for k in self.keys_])
        return self

    def scores(self, text: str) -> np.ndarray:
        """The probability of every key (in ``keys_`` order) for ``text``; they sum to 1."""
        return self.scores_of(sp.hstack([v.transform([text]) for v in self.vectorizers], format="csr"))

    def scores_of(self, features: sp.csr_matrix) -> np.ndarray:
        """:meth:`scores` for a question already turned into its row of word and character features."""
        return self.model_.predict_proba(features)[0][self._columns]


@dataclass
class Candidate:
    """A candidate entry for a question, with the features that rank it."""

    id: str
    features: dict[str, float]
    score: float = 0.0


@dataclass
class PassageHit:
    """A page passage that matches a question."""

    passage: Passage
    score: float


_QUESTION_TERMS = frozenset(TextPipeline().terms("hva hvordan hvem hvor hvorfor hvilke når"))


def content_terms(pipeline: TextPipeline, text: str) -> list[str]:
    """The stemmed terms of ``text`` that say what it is about (question words such as "hva" left out)."""
    return [t for t in pipeline.terms(text) if t not in _QUESTION_TERMS]


@dataclass
class Vocabulary:
    """The stemmed terms the knowledge base uses, to tell how much of a question it knows about.

    A question term counts as known when the knowledge base has it, or a term within
    ``typo_similarity`` (rapidfuzz ratio) of it, so a typo is not mistaken for an unknown word.
    """

    typo_similarity: float = 84.0
    pipeline: TextPipeline = field(default_factory=TextPipeline)

    def fit(self, texts: list[str]) -> Vocabulary:
        """Collect the terms of ``texts``."""
        self.terms_ = sorted({t for text in texts for t in self.pipeline.terms(text)})
        self._known = set(self.terms_)
        return self

    def known(self, term: str) -> bool:
        """Whether ``term`` (or a near spelling of it) occurs in the knowledge base."""
        if term in self._known:
            return True
        if len(term) < 4:
            return False
        return process.extractOne(term, self.terms_, scorer=fuzz.ratio, score_cutoff=self.typo_similarity) \
            is not None

    def unknown_share(self, text: str) -> float:
        """The share of the question's content terms that the knowledge base does not know."""
        terms = content_terms(self.pipeline, text)
        return sum(not self.known(t) for t in terms) / len(terms) if terms else 0.0


def key_terms(kb: KnowledgeBase, pipeline: TextPipeline, k: int = 3) -> dict[str, list[str]]:
    """Each entry's most distinctive words: frequent in its own phrasings, rare in other entries'.

    A follow-up such as "og for den endelige søknaden?" is resolved by adding the topic's first
    key word ("fristen"), which names the topic without drowning the new question.
    """
    counts: dict[str, Counter[str]] = {}
    spread: Counter[str] = Counter()
    drop = stopwords()
    for entry in kb.entries:
        questions = [q for lang in LANGS for q in entry.part(lang).questions]
        words: Counter[str] = Counter()
        for question in questions:
            words.update({t for t in pipeline.canonical_tokens(question) if t not in drop})
        counts[entry.id] = Counter({w: n / len(questions) for w, n in words.items()})
        spread.update(words.keys())
    total = len(kb.entries)
    return {eid: [w for w, _ in sorted(((w, share * math.log(total / spread[w])) for w, share in c.items()),
                                       key=lambda item: -item[1])[:k]]
            for eid, c in counts.items()}


_GAP_FEATURES = ("q_word", "q_char", "q_fuzzy", "e_word", "clf")


@dataclass
class HybridRetriever:
    """TF-IDF on words and character n-grams, fuzzy matching, an entry classifier and page passages, fused.

    ``fit`` indexes a :class:`KnowledgeBase`; ``candidates`` returns the ``top_k`` entries by a
    fixed prior mix of the features, each with its feature vector (:data:`FEATURES`); the learnt
    ranking of those candidates is :class:`assistant.calibration.Calibration`'s job.
    """

    fuzzy_scorer: str = "token_set_ratio"
    top_k: int = 10
    classifier_max_entries: int = 300
    prior: dict[str, float] = field(default_factory=lambda: {
        "q_word": 0.35, "q_char": 0.35, "q_fuzzy": 0.2, "a_word": 0.05, "page": 0.05})

    def fit(self, kb: KnowledgeBase) -> HybridRetriever:
        """Index every phrasing, answer and page passage of ``kb``."""
        phrasings = kb.phrasings
        texts, keys = [p.text for p in phrasings], [p.entry_id for p in phrasings]
        answers = [e.part(lang).answer for e in kb.entries for lang in LANGS]
        answer_keys = [e.id for e in kb.entries for _ in LANGS]
        self.entry_ids_ = [e.id for e in kb.entries]
        self.q_word_ = WordTfidfRetriever().fit(texts, keys)
        self.q_char_ = CharTfidfRetriever().fit(texts, keys)
        self.q_fuzzy_ = FuzzyRetriever(self.fuzzy_scorer).fit(texts, keys)
        # The classifier's fit grows with entries x phrasings (and its weights with entries x n-grams);
        # beyond ``classifier_max_entries`` it is left out and its features are 0.
        fits = 2 <= len(kb.entries) <= self.classifier_max_entries
        self.clf_ = EntryClassifier(vectorizers=(self.q_word_.vectorizer, self.q_char_.vectorizer)).fit(texts, keys) \
            if fits else None
        self.a_word_ = WordTfidfRetriever().fit(answers, answer_keys)
        documents = [" ".join(t for lang in LANGS for t in (*e.part(lang).questions, e.part(lang).answer))
                     for e in kb.entries]
        self.e_word_ = WordTfidfRetriever().fit(documents, self.entry_ids_)
        self.e_char_ = CharTfidfRetriever().fit(documents, self.entry_ids_)
        pipeline = self.q_word_.pipeline
        self.phrasing_terms_ = {e.id: {frozenset(content_terms(pipeline, q)) for lang in LANGS
                                       for q in e.part(lang).questions} for e in kb.entries}
        self.question_terms_ = {eid: frozenset().union(*sets) for eid, sets in self.phrasing_terms_.items()}
        # What coverage compares a question's content terms with: the entry's phrasings and answers.
        self.entry_terms_ = {e.id: self.question_terms_[e.id].union(*(content_terms(pipeline, e.part(lang).answer)
                                                                       for lang in LANGS)) for e in kb.entries}
        self.key_terms_ = key_terms(kb, pipeline)
        passages = list(kb.passages)
        self.vocabulary_ = Vocabulary().fit(texts + answers + [f"{p.heading} {p.text}" for p in passages])
        self.speller_ = SpellingCorrector().fit(texts + answers + [f"{p.heading} {p.text}" for p in passages])
        self.answerability_ = AnswerabilityModel().fit(texts, out_of_scope_questions() + junk_examples())
        self.passages_ = {p.id: p for p in passages}
        if passages:
            ptexts = [f"{p.heading}. {p.text}" for p in passages]
            pkeys = [p.id for p in passages]
            self.p_word_ = WordTfidfRetriever().fit(ptexts, pkeys)
            self.p_char_ = CharTfidfRetriever().fit(ptexts, pkeys)
        by_url: dict[str, list[int]] = defaultdict(list)
        for i, entry in enumerate(kb.entries):
            by_url[entry.source.url].append(i)
        self._entry_page = by_url
        return self

    def passage_scores(self, text: str) -> dict[str, float]:
        """Passage id -> score (mean of word and character TF-IDF cosine)."""
        if not self.passages_:
            return {}
        scores = (self.p_word_.scores(text) + self.p_char_.scores(text)) / 2
        return dict(zip(self.p_word_.keys_, scores.tolist(), strict=True))

    def indistinct(self, text: str, ids: list[str]) -> list[str]:
        """Those of ``ids`` whose phrasings use every content word of ``text``.

        When two or more entries qualify, nothing the visitor wrote tells them apart ("Kva med
        forsøket i Nordre Follo?" fits both trials there), however the ranker orders them. None
        qualify when the first of ``ids`` has a phrasing of exactly those words: "forsøksloven"
        asks what "Hva er forsøksloven?" asks, not about its purpose or its evaluation.
        """
        terms = frozenset(content_terms(self.q_word_.pipeline, self.speller_.correct(text)))
        if not terms or (ids and terms in self.phrasing_terms_[ids[0]]):
            return []
        return [i for i in ids if terms <= self.question_terms_[i]]

    def _page_column(self, pscores: dict[str, float]) -> np.ndarray:
        page = np.zeros(len(self.entry_ids_))
        best_by_url: dict[str, float] = defaultdict(float)
        for pid, score in pscores.items():
            url = self.passages_[pid].page_url
            best_by_url[url] = max(best_by_url[url], score)
        for url, score in best_by_url.items():
            page[self._entry_page.get(url, [])] = score
        return page

    def candidates(self, text: str) -> tuple[list[Candidate], list[PassageHit]]:
        """The ``top_k`` candidate entries (unranked) and the best three passages of each målform for ``text``.

        Unknown words are first corrected toward the index's vocabulary (:mod:`assistant.spelling`);
        whether the question is about the scheme at all (``answerable``) and how many known words it
        has (``known_words``) are added to every candidate.
        """
        known_words = float(self.speller_.known_words(text))
        text = self.speller_.correct(text)
        answerable = self.answerability_.probability(text)
        pscores = self.passage_scores(text)
        words, chars = self.q_word_.vector(text), self.q_char_.vector(text)
        columns = {
            "q_word": self.q_word_.scores_of(words),
            "q_char": self.q_char_.scores_of(chars),
            "q_fuzzy": self.q_fuzzy_.scores(text),
            "a_word": self.a_word_.scores(text),
            "e_word": self.e_word_.scores(text),
            "e_char": self.e_char_.scores(text),
            "page": self._page_column(pscores),
            "clf": self.clf_.scores_of(sp.hstack([words, chars], format="csr")) if self.clf_
            else np.zeros(len(self.entry_ids_)),
        }
        prior = sum(self.prior[name] * columns[name] for name in self.prior)
        order = np.argsort(-prior, kind="stable")[: self.top_k]
        best = {name: float(column.max()) for name, column in columns.items()}
        terms = content_terms(self.q_word_.pipeline, text)
        unknown = self.vocabulary_.unknown_share(text)
        candidates = []
        for i in order:
            entry_id = self.entry_ids_[i]
            features = {name: float(columns[name][i]) for name in columns}
            features.update({f"{name}_gap": features[name] - best[name] for name in _GAP_FEATURES})
            features["coverage"] = (sum(t in self.entry_terms_[entry_id] for t in terms) / len(terms)) if terms else 0.0
            features["unknown"] = unknown
            features["answerable"] = answerable
            features["known_words"] = known_words
            candidates.append(Candidate(entry_id, features))
        ranked = sorted((PassageHit(self.passages_[pid], s) for pid, s in pscores.items()), key=lambda h: -h.score)
        hits = [h for lang in LANGS for h in [h for h in ranked if h.passage.lang == lang][:3]]
        return candidates, sorted(hits, key=lambda h: -h.score)
