"""Retrieval components, each with ``fit`` and ``query`` and testable alone.

Every component indexes short texts that belong to a *key* (an entry id or a passage id) and
scores a question against all keys, keeping each key's best-matching text. The
:class:`HybridRetriever` combines them into one feature vector per candidate entry; the learnt
weights that rank those vectors live in :mod:`assistant.calibration`.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .answerability import AnswerabilityModel, junk_examples, out_of_scope_questions
from .knowledge import LANGS, KnowledgeBase, Passage
from .logistic import LogisticRegression as LbfgsLogisticRegression
from .query import Query, as_query
from .spelling import SpellingCorrector
from .text import TextPipeline, stopwords
from .vectors import (
    CharTfidfVectorizer,
    LinearProbabilities,
    Postings,
    SharedGrams,
    SparseVector,
    TermSpace,
    char_wb_ngrams,
    word_ngrams,
)

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


_PIPELINE = TextPipeline()  # the default text pipeline (frozen, so one instance serves as every default)


@dataclass(frozen=True)
class Scored:
    """A key (entry or passage id) with a score in [0, 1]."""

    key: str
    score: float


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` highest ``scores``, best first, ties in index order: ``np.argsort(-scores,
    kind="stable")[:k]`` without sorting every score (a partition finds the k-th score; only those at or above it
    are sorted)."""
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]
    above = np.flatnonzero(scores >= kth)
    return above[np.argsort(-scores[above], kind="stable")][:k]


class _KeyedRetriever:
    """Shared machinery: texts grouped by key, scores aggregated per key by their maximum."""

    pipeline: TextPipeline
    keys_: list[str]

    def _set_keys(self, keys: list[str]) -> None:
        self.keys_ = list(dict.fromkeys(keys))
        index = {k: i for i, k in enumerate(self.keys_)}
        doc_key = np.array([index[k] for k in keys], dtype=int)
        self._doc_order = np.argsort(doc_key, kind="stable")  # the texts grouped by key, in key order
        bounds = np.searchsorted(doc_key[self._doc_order], np.arange(len(self.keys_) + 1))
        self._key_starts = bounds[:-1]  # where each key's texts start in that order (every key has one)
        self._key_docs = [self._doc_order[a:b] for a, b in pairwise(bounds)]  # each key's texts
        # The texts usually come grouped already (a FAQ's phrasings entry by entry): then no copy in that order.
        self._grouped = bool(np.all(self._doc_order == np.arange(len(keys))))

    def _doc_scores(self, query: Query) -> np.ndarray:
        raise NotImplementedError

    def scores(self, text: str | Query) -> np.ndarray:
        """One score per key (in ``keys_`` order): the best score among that key's texts."""
        return self._best_per_key(self._doc_scores(as_query(text, self.pipeline)))

    def _best_per_key(self, doc_scores: np.ndarray) -> np.ndarray:
        """Each key's best text score (never below 0), one contiguous segment of the grouped texts per key."""
        grouped = doc_scores if self._grouped else doc_scores[self._doc_order]
        return np.maximum(np.maximum.reduceat(grouped, self._key_starts), 0.0)

    def query(self, text: str | Query, k: int = 5) -> list[Scored]:
        """The ``k`` best keys for ``text``, best first."""
        scores = self.scores(text)
        order = top_indices(scores, k)
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
    return CharTfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True,
                               preprocessor=partial(content_text, pipeline), lowercase=False)


class WordTfidfRetriever(_KeyedRetriever):
    """TF-IDF over stemmed content words (spelling-mapped, ASCII-folded), unigrams and bigrams.

    The constructor only stores its parameters; ``fit`` makes and fits the vectoriser (``vectorizer_``).
    """

    def __init__(self, pipeline: TextPipeline = _PIPELINE, ngram_range: tuple[int, int] = (1, 2)):
        self.pipeline = pipeline
        self.ngram_range = ngram_range

    def _vectorizer(self) -> TfidfVectorizer:
        return word_vectorizer(self.pipeline, self.ngram_range)

    def fit(self, texts: list[str], keys: list[str]) -> WordTfidfRetriever:
        """Index ``texts``, each belonging to the key at the same position."""
        self.vectorizer_ = self._vectorizer()
        self.postings_ = Postings(self.vectorizer_.fit_transform(texts))
        self.space_ = TermSpace(self.vectorizer_)
        self._set_keys(keys)
        return self

    @property
    def matrix_(self) -> sp.csr_matrix:
        """The indexed texts' TF-IDF rows."""
        return self.postings_.matrix

    def grams(self, query: Query) -> list[str]:
        """The n-grams this retriever's vectoriser makes of the analysed ``query``."""
        return word_ngrams(query.terms, self.ngram_range)

    def vector(self, text: str | Query) -> SparseVector:
        """``text`` as a TF-IDF row over this retriever's vocabulary."""
        return self.space_.vector(self.grams(as_query(text, self.pipeline)))

    def scores_of(self, vector: SparseVector) -> np.ndarray:
        """:meth:`scores` for a question already turned into a row by :meth:`vector`."""
        return self._best_per_key(self.postings_.scores(vector))

    def _doc_scores(self, query: Query) -> np.ndarray:
        return self.postings_.scores(self.vector(query))

    def partial_scores(self, vector: SparseVector, budget: int) -> PartialScores:
        """:meth:`scores_of` from ``vector``'s rarest terms whose postings add up to at most ``budget`` (all its
        terms when they fit: then the scores are exact), with what it takes to complete them for a few keys."""
        rare, rest = self.postings_.split(vector, budget)
        docs = self.postings_.scores(rare)
        return PartialScores(self, docs, rest, self._best_per_key(docs))


@dataclass(frozen=True)
class PartialScores:
    """A TF-IDF retriever's scores of a question from its rarest terms: each key's score, or a lower bound of it.

    ``docs``: each text's score from those terms; ``rest``: the question's terms left out (none: the scores
    are exact); ``scores``: each key's best text score from ``docs``.
    """

    retriever: WordTfidfRetriever
    docs: np.ndarray
    rest: SparseVector
    scores: np.ndarray

    @property
    def exact(self) -> bool:
        """Whether every term of the question was scored."""
        return not len(self.rest.indices)

    def completed(self, keys: np.ndarray, texts: int = 4) -> np.ndarray:
        """``scores`` with those of the key indices ``keys`` completed: each key's ``texts`` best texts on the rare
        terms scored with every term, the key's score their best (still at most its exact score)."""
        groups = [docs if len(docs) <= texts else docs[np.argpartition(-self.docs[docs], texts - 1)[:texts]]
                  for docs in (self.retriever._key_docs[k] for k in keys.tolist())]
        docs = np.concatenate(groups)
        order = np.argsort(docs)
        added = np.empty(len(docs))
        added[order] = self.retriever.postings_.row_scores(self.rest, docs[order])
        out = self.scores.copy()
        starts = np.cumsum([0, *(len(g) for g in groups[:-1])])
        out[keys] = np.maximum(np.maximum.reduceat(self.docs[docs] + added, starts), 0.0)
        return out


class CharTfidfRetriever(WordTfidfRetriever):
    """TF-IDF over character n-grams of the content words: robust to typos and missing æøå."""

    def __init__(self, pipeline: TextPipeline = _PIPELINE, ngram_range: tuple[int, int] = (2, 5)):
        super().__init__(pipeline, ngram_range)

    def _vectorizer(self) -> TfidfVectorizer:
        return char_vectorizer(self.pipeline, self.ngram_range)

    def grams(self, query: Query) -> list[str]:
        """The character n-grams of the analysed ``query``'s content words."""
        return char_wb_ngrams(query.content, self.ngram_range)


class FuzzyRetriever(_KeyedRetriever):
    """rapidfuzz string similarity over the canonical content words, scaled to [0, 1]."""

    def __init__(self, scorer: str = "token_set_ratio", pipeline: TextPipeline = _PIPELINE):
        self.scorer = scorer
        self.pipeline = pipeline

    def fit(self, texts: list[str], keys: list[str]) -> FuzzyRetriever:
        """Keep the canonical form of every text for matching."""
        self.choices_ = [content_text(self.pipeline, t) for t in texts]
        self._set_keys(keys)
        # Each key's distinct canonical texts (phrasings often differ only in what the canonical form drops).
        self._key_choices = [list(dict.fromkeys(self.choices_[i] for i in docs.tolist())) for docs in self._key_docs]
        return self

    def _doc_scores(self, query: Query) -> np.ndarray:
        scores = process.cdist([query.content], self.choices_, scorer=FUZZY_SCORERS[self.scorer], dtype=np.float32)
        return scores[0].astype(float) / 100.0

    def scores_among(self, text: str | Query, keys: np.ndarray) -> np.ndarray:
        """:meth:`scores` computed for the key indices ``keys`` only (the texts of those keys); 0 for the rest."""
        query = as_query(text, self.pipeline)
        groups = [self._key_choices[k] for k in keys.tolist()]
        found = process.cdist([query.content], [c for group in groups for c in group],
                              scorer=FUZZY_SCORERS[self.scorer], dtype=np.float32)[0]
        out = np.zeros(len(self.keys_))
        np.maximum.at(out, np.repeat(keys, [len(group) for group in groups]), found.astype(float) / 100.0)
        return out


class EntryClassifier(_KeyedRetriever):
    """Logistic regression over the phrasings' word and character TF-IDF: which entry is asked for?

    The nearest-neighbour scores weigh a question's words by rarity alone, but near neighbours
    (how long a trial lasts, how long it can be extended) differ in a word or two. Trained on every
    phrasing with its entry as the label, the classifier learns which words tell entries apart; its
    probability per entry is one of the ranking features.
    """

    def __init__(self, C: float = 10.0, pipeline: TextPipeline = _PIPELINE,
                 retrievers: tuple[WordTfidfRetriever, ...] | None = None):
        """``retrievers``: word and character TF-IDF retrievers already fitted on the same texts (the hybrid
        retriever's), so a question is turned into features once for both; None fits its own (``retrievers_``)."""
        self.C = C
        self.pipeline = pipeline
        self.retrievers = retrievers

    def fit(self, texts: list[str], keys: list[str]) -> EntryClassifier:
        """Learn each key from its texts (at least two keys)."""
        features = self._fit_features(texts, keys)
        model = LbfgsLogisticRegression(C=self.C, max_iter=5000).fit(features, keys)
        self._set_keys(keys)
        classes = {str(k): i for i, k in enumerate(model.classes_)}
        self._columns = np.array([classes[k] for k in self.keys_])
        self.model_ = LinearProbabilities(model)
        return self

    def _fit_features(self, texts: list[str], keys: list[str]) -> sp.csr_matrix:
        """Check there are two keys to tell apart, fit (or take) the retrievers and stack their rows of ``texts``."""
        if len(set(keys)) < 2:
            raise ValueError("the entry classifier needs at least two entries to tell apart")
        self.retrievers_ = self.retrievers or (WordTfidfRetriever(self.pipeline).fit(texts, keys),
                                               CharTfidfRetriever(self.pipeline).fit(texts, keys))
        return sp.hstack([r.matrix_ for r in self.retrievers_], format="csr")

    def vector(self, text: str | Query) -> SparseVector:
        """``text`` as its row of word and character features."""
        query = as_query(text, self.pipeline)
        return self.stack([r.vector(query) for r in self.retrievers_])

    def stack(self, vectors: list[SparseVector]) -> SparseVector:
        """The rows of the word and character retrievers (in order) as one row of this classifier's features."""
        offsets = np.cumsum([0, *(r.space_.size for r in self.retrievers_[:-1])])
        return SparseVector.concat(v.shifted(int(o)) for v, o in zip(vectors, offsets, strict=True))

    def scores(self, text: str | Query) -> np.ndarray:
        """The probability of every key (in ``keys_`` order) for ``text``; they sum to 1."""
        return self.scores_of(self.vector(text))

    def scores_of(self, features: SparseVector) -> np.ndarray:
        """:meth:`scores` for a question already turned into its row of word and character features."""
        return self.model_(features)[self._columns]

    def scores_among(self, features: SparseVector, keys: np.ndarray) -> np.ndarray:
        """:meth:`scores_of`, at least for the key indices ``keys``: here every key (a probability needs them all)."""
        return self.scores_of(features)


class NeighbourClassifier(EntryClassifier):
    """The entry classifier for a large FAQ: each entry's phrasings against those of its nearest entries.

    The multinomial :class:`EntryClassifier` learns every entry against every other at once, so its fit grows with
    entries x phrasings and its weights with entries x n-grams. This one fits one logistic regression per entry:
    its phrasings against those of the ``neighbours`` entries whose phrasings are most alike (the cosine of the
    entries' mean word TF-IDF rows), the entries it has to be told apart from, and keeps its ``max_weights``
    largest weights. Its fit grows linearly with the entries, and a question is scored only for the candidate
    entries (:meth:`scores_among`), at the same cost however large the FAQ. A score is that entry's own
    probability (they do not sum to 1).
    """

    def __init__(self, C: float = 10.0, pipeline: TextPipeline = _PIPELINE,
                 retrievers: tuple[WordTfidfRetriever, ...] | None = None, neighbours: int = 10,
                 max_weights: int = 300):
        super().__init__(C, pipeline, retrievers)
        self.neighbours = neighbours
        self.max_weights = max_weights

    def fit(self, texts: list[str], keys: list[str]) -> NeighbourClassifier:
        """Learn each key from its texts against its nearest keys' texts (at least two keys)."""
        features = self._fit_features(texts, keys)
        self._set_keys(keys)
        nearest = self._nearest_keys()
        rows, columns, weights, self.intercept_ = [], [], [], np.zeros(len(self.keys_))
        for key, others in enumerate(nearest):
            own = self._key_docs[key]
            docs = np.concatenate([own, *(self._key_docs[k] for k in others)])
            sub = features[docs]
            used = np.unique(sub.indices)
            labels = np.zeros(len(docs), dtype=int)
            labels[: len(own)] = 1
            model = LogisticRegression(C=self.C, solver="liblinear").fit(sub[:, used], labels)
            coef = model.coef_[0]
            kept = np.sort(np.argsort(-np.abs(coef), kind="stable")[: self.max_weights])
            rows.append(np.full(len(kept), key))
            columns.append(used[kept])
            weights.append(coef[kept])
            self.intercept_[key] = model.intercept_[0]
        self.weights_ = sp.csr_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(columns))),
                                      shape=(len(self.keys_), features.shape[1]))
        return self

    def _nearest_keys(self, block: int = 1024) -> list[np.ndarray]:
        """Each key's ``neighbours`` most similar other keys, by the cosine of their texts' mean word TF-IDF rows."""
        words = self.retrievers_[0].matrix_
        membership = sp.csr_matrix((np.ones(words.shape[0]), (np.concatenate(
            [np.full(len(docs), k) for k, docs in enumerate(self._key_docs)]), np.concatenate(self._key_docs))),
            shape=(len(self.keys_), words.shape[0]))
        centroids = membership @ words
        norms = np.sqrt(np.asarray(centroids.multiply(centroids).sum(axis=1)).ravel())
        centroids = sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ centroids
        k = min(self.neighbours, len(self.keys_) - 1)
        nearest = []
        for start in range(0, len(self.keys_), block):
            similar = (centroids[start:start + block] @ centroids.T).toarray()
            similar[np.arange(len(similar)), np.arange(start, start + len(similar))] = -np.inf  # not itself
            top = np.argpartition(-similar, k - 1, axis=1)[:, :k]
            nearest.extend(np.sort(row) for row in top)
        return nearest

    def scores_among(self, features: SparseVector, keys: np.ndarray) -> np.ndarray:
        """Each of the key indices ``keys``'s probability for the question's row ``features``; 0 for the other keys."""
        out = np.zeros(len(self.keys_))
        rows = self.weights_[keys]
        # Each kept weight times the question's value in its column (0 where the question has none), summed per
        # row in column order: the row times the question's dense vector, without a vector as long as the
        # vocabulary (which grows with the FAQ).
        found = np.minimum(np.searchsorted(features.indices, rows.indices), max(len(features.indices) - 1, 0))
        products = np.zeros(len(rows.indices))
        if len(features.indices):
            hit = features.indices[found] == rows.indices
            products[hit] = rows.data[hit] * features.values[found[hit]]
        z = np.bincount(np.repeat(np.arange(len(keys)), np.diff(rows.indptr)), products, minlength=len(keys))
        out[keys] = 1.0 / (1.0 + np.exp(-(z + self.intercept_[keys])))
        return out

    def scores_of(self, features: SparseVector) -> np.ndarray:
        """Every key's probability for the question's row ``features`` (each its own model's)."""
        return self.scores_among(features, np.arange(len(self.keys_)))


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


class Answerability:
    """A fitted :class:`AnswerabilityModel` (``model_``) whose probability skips scikit-learn's input checks.

    The same number as ``model.probability(text)`` (to float rounding): its word and character TF-IDF rows made
    from the question's analysis (:mod:`assistant.query`) with the fitted vocabularies, its logistic regression
    applied to their coefficients.
    """

    def __init__(self, model: AnswerabilityModel):
        self.model_ = model
        self.word_ = TermSpace(model.word_)
        self.word_range_ = model.word_.ngram_range
        self.char_ = TermSpace(model.char_)
        self.char_range_ = model.char_.ngram_range
        self.proba_ = LinearProbabilities(model.model_)
        self.in_scope_ = int(np.flatnonzero(model.model_.classes_ == 1)[0])

    def probability(self, text: str | Query) -> float:
        """The probability that ``text`` is about forsøksordningen."""
        query = as_query(text, self.model_.pipeline)
        vector = SparseVector.concat([self.word_.vector(word_ngrams(query.terms, self.word_range_)),
                                      self.char_.vector(char_wb_ngrams(query.canonical, self.char_range_))
                                      .shifted(self.word_.size)])
        return float(self.proba_(vector)[self.in_scope_])


def content_terms(pipeline: TextPipeline, text: str | Query) -> list[str]:
    """The stemmed terms of ``text`` that say what it is about (question words such as "hva" left out)."""
    return list(as_query(text, pipeline).content_terms)


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

    def unknown_share(self, text: str | Query) -> float:
        """The share of the question's content terms that the knowledge base does not know."""
        terms = content_terms(self.pipeline, text)
        known = {t: self.known(t) for t in set(terms)}  # each distinct term looked up once: a fuzzy scan each
        return sum(not known[t] for t in terms) / len(terms) if terms else 0.0


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
    # Ties are broken by the word itself: the counts come from sets, whose order changes from one process to the next.
    return {eid: [w for w, _ in sorted(((w, share * math.log(total / spread[w])) for w, share in c.items()),
                                       key=lambda item: (-item[1], item[0]))[:k]]
            for eid, c in counts.items()}


_COLUMNS = FEATURES[:8]  # the features scored per entry; the gaps, coverage and unknown follow from them
#: (feature, its gap feature): how far the candidate is from the best entry on that feature.
_GAPS = tuple((name, f"{name}_gap") for name in ("q_word", "q_char", "q_fuzzy", "e_word", "clf"))


@dataclass
class HybridRetriever:
    """TF-IDF on words and character n-grams, fuzzy matching, an entry classifier and page passages, fused.

    ``fit`` indexes a :class:`KnowledgeBase`; ``candidates`` returns the ``top_k`` entries by a
    fixed prior mix of the features, each with its feature vector (:data:`FEATURES`); the learnt
    ranking of those candidates is :class:`assistant.calibration.Calibration`'s job. The sparse
    TF-IDF scores are computed for every entry; fuzzy matching, the costliest per text, only for
    the ``shortlist`` entries that lead on the other prior features (every entry when there are
    fewer): the ``top_k`` come from them, since the fuzzy score can only add to an entry's prior.
    Up to ``classifier_max_entries`` entries the entry classifier is an :class:`EntryClassifier`, beyond
    that a :class:`NeighbourClassifier`. The character n-gram scores of the phrasings walk the postings of
    the question's rarest n-grams up to ``max_postings`` (every n-gram, and exact scores, while they fit: at
    today's size no development question walks 170,000, and a test keeps them within the budget); in a FAQ so
    large that they do not, the commonest n-grams are added only for the ``shortlist`` entries that lead
    without them (:meth:`PartialScores.completed`), and the other entries keep a lower bound. The entries'
    character n-gram scores (``e_char``), a feature of the candidates only, are completed for the candidates.
    """

    fuzzy_scorer: str = "token_set_ratio"
    top_k: int = 10
    shortlist: int = 20
    classifier_max_entries: int = 300
    max_postings: int = 200_000
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
        # The multinomial classifier's fit grows with entries x phrasings (and its weights with entries x n-grams);
        # beyond ``classifier_max_entries`` each entry is learnt against its nearest entries instead.
        classifier = EntryClassifier if len(kb.entries) <= self.classifier_max_entries else NeighbourClassifier
        self.clf_ = classifier(retrievers=(self.q_word_, self.q_char_)).fit(texts, keys) \
            if len(kb.entries) >= 2 else None
        self.a_word_ = WordTfidfRetriever().fit(answers, answer_keys)
        documents = [" ".join(t for lang in LANGS for t in (*e.part(lang).questions, e.part(lang).answer))
                     for e in kb.entries]
        self.e_word_ = WordTfidfRetriever().fit(documents, self.entry_ids_)
        self.e_char_ = CharTfidfRetriever().fit(documents, self.entry_ids_)
        pipeline = self.q_word_.pipeline
        self.phrasing_terms_ = {e.id: {frozenset(content_terms(pipeline, q)) for lang in LANGS
                                       for q in e.part(lang).questions} for e in kb.entries}
        self.question_terms_ = {eid: frozenset().union(*sets) for eid, sets in self.phrasing_terms_.items()}
        # Every phrasing's terms, question words included: a question with exactly the terms of one is worded
        # as an editor wrote a question the FAQ answers, so it is about the scheme however short it is.
        self.phrasing_keys_ = frozenset(frozenset(pipeline.terms(p.text)) for p in phrasings)
        # What coverage compares a question's content terms with: the entry's phrasings and answers.
        self.entry_terms_ = {e.id: self.question_terms_[e.id].union(*(content_terms(pipeline, e.part(lang).answer)
                                                                       for lang in LANGS)) for e in kb.entries}
        self.key_terms_ = key_terms(kb, pipeline)
        passages = list(kb.passages)
        self.vocabulary_ = Vocabulary().fit(texts + answers + [f"{p.heading} {p.text}" for p in passages])
        self.speller_ = SpellingCorrector().fit(texts + answers + [f"{p.heading} {p.text}" for p in passages])
        self.answerability_ = Answerability(AnswerabilityModel().fit(texts, out_of_scope_questions() + junk_examples()))
        self.passages_ = {p.id: p for p in passages}
        if passages:
            ptexts = [f"{p.heading}. {p.text}" for p in passages]
            pkeys = [p.id for p in passages]
            self.p_word_ = WordTfidfRetriever().fit(ptexts, pkeys)
            self.p_char_ = CharTfidfRetriever().fit(ptexts, pkeys)
        self._share_grams()
        urls = {url: i for i, url in enumerate(dict.fromkeys(p.page_url for p in passages))}
        self._passage_page = np.array([urls[p.page_url] for p in passages], dtype=np.intp)
        self._entry_page = np.array([urls.get(e.source.url, -1) for e in kb.entries], dtype=np.intp)
        return self

    def _share_grams(self) -> None:
        """Group the TF-IDF retrievers that make the same n-grams, so a question's are looked up once per group."""
        groups: dict[tuple, list[str]] = {}
        for name in ("q_word", "a_word", "e_word", "p_word", "q_char", "e_char", "p_char"):
            retriever = getattr(self, f"{name}_", None)
            if retriever is not None:
                key = (type(retriever), retriever.pipeline, retriever.ngram_range)
                groups.setdefault(key, []).append(name)
        self._gram_groups = [(names, getattr(self, f"{names[0]}_"),
                              SharedGrams([getattr(self, f"{n}_").space_ for n in names])) for names in groups.values()]

    def vectors(self, text: str | Query) -> dict[str, SparseVector]:
        """``text``'s TF-IDF vector for every TF-IDF retriever, by feature name ("q_word", "e_char" ...)."""
        query = self._analysed(text)
        out: dict[str, SparseVector] = {}
        for names, first, shared in self._gram_groups:
            out.update(zip(names, shared.vectors(first.grams(query)), strict=True))
        return out

    def passage_scores(self, text: str | Query) -> dict[str, float]:
        """Passage id -> score (mean of word and character TF-IDF cosine)."""
        if not self.passages_:
            return {}
        return dict(zip(self.p_word_.keys_, self._passage_column(self.vectors(text)).tolist(), strict=True))

    def _passage_column(self, vectors: dict[str, SparseVector]) -> np.ndarray:
        return (self.p_word_.scores_of(vectors["p_word"]) + self.p_char_.scores_of(vectors["p_char"])) / 2

    def _analysed(self, text: str | Query) -> Query:
        return as_query(text, self.q_word_.pipeline)

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

    def _page_column(self, pscores: np.ndarray) -> np.ndarray:
        """Each entry's page score: the best passage score of its source page (0 without passages)."""
        best = np.zeros(int(self._passage_page.max()) + 1 if len(pscores) else 0)
        np.maximum.at(best, self._passage_page, pscores)
        return np.where(self._entry_page >= 0, best[self._entry_page] if len(best) else 0.0, 0.0)

    def _leading(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        """The ``shortlist`` entries first on the prior without its fuzzy part."""
        return top_indices(sum(self.prior[name] * columns[name] for name in self.prior if name != "q_fuzzy"),
                           self.shortlist)

    def _fuzzy_column(self, query: Query, columns: dict[str, np.ndarray]) -> np.ndarray:
        """Fuzzy scores for the ``shortlist`` entries first on the rest of the prior (all when fewer); 0 elsewhere."""
        if len(self.entry_ids_) <= self.shortlist:
            return self.q_fuzzy_.scores(query)
        return self.q_fuzzy_.scores_among(query, self._leading(columns))

    def candidates(self, text: str) -> tuple[list[Candidate], list[PassageHit]]:
        """The ``top_k`` candidate entries (unranked) and the best three passages of each målform for ``text``.

        Unknown words are first corrected toward the index's vocabulary (:mod:`assistant.spelling`);
        whether the question is about the scheme at all (``answerable``) and how many known words it
        has (``known_words``) are added to every candidate.
        """
        tokens = self.speller_.canonical_tokens(text)  # analysed once for both
        known_words = float(self.speller_.known_words(tokens))
        query = self._analysed(" ".join(tokens))
        answerable = 1.0 if frozenset(query.terms) in self.phrasing_keys_ else self.answerability_.probability(query)
        n = len(self.entry_ids_)
        vectors = self.vectors(query)
        pscores = self._passage_column(vectors) if self.passages_ else np.zeros(0)
        columns = {name: getattr(self, f"{name}_").scores_of(vectors[name]) for name in ("q_word", "a_word", "e_word")}
        q_char, e_char = (getattr(self, f"{name}_").partial_scores(vectors[name], self.max_postings)
                          for name in ("q_char", "e_char"))
        columns["q_char"] = q_char.scores
        columns["page"] = self._page_column(pscores) if self.passages_ else np.zeros(n)
        if not q_char.exact:  # a large FAQ: the commonest n-grams are added for the entries that lead without them
            columns["q_char"] = q_char.completed(self._leading(columns))
        columns["q_fuzzy"] = self._fuzzy_column(query, columns)
        prior = sum(self.prior[name] * columns[name] for name in self.prior)
        order = top_indices(prior, self.top_k)
        # e_char is a feature of the candidates alone (not of the prior, nor of a gap): completed for them only.
        columns["e_char"] = e_char.scores if e_char.exact else e_char.completed(order)
        # The classifier is not part of the prior: it scores the candidates (every entry, for the multinomial one).
        columns["clf"] = self.clf_.scores_among(self.clf_.stack([vectors["q_word"], vectors["q_char"]]), order) \
            if self.clf_ else np.zeros(n)
        columns = {name: columns[name] for name in _COLUMNS}
        best = {name: float(column.max()) for name, column in columns.items()}
        terms = query.content_terms
        unknown = self.vocabulary_.unknown_share(query)
        candidates = []
        rows = np.array([columns[name][order] for name in _COLUMNS]).T.tolist()  # the candidates' columns at once
        for i, row in zip(order.tolist(), rows, strict=True):
            entry_id = self.entry_ids_[i]
            features = dict(zip(_COLUMNS, row, strict=True))
            features.update({gap: features[name] - best[name] for name, gap in _GAPS})
            features["coverage"] = (sum(t in self.entry_terms_[entry_id] for t in terms) / len(terms)) if terms else 0.0
            features["unknown"] = unknown
            features["answerable"] = answerable
            features["known_words"] = known_words
            candidates.append(Candidate(entry_id, features))
        best_by_lang: dict[str, list[PassageHit]] = {lang: [] for lang in LANGS}
        wanted = 3 * len(LANGS)
        for i in np.argsort(-pscores, kind="stable").tolist():
            passage = self.passages_[self.p_word_.keys_[i]]
            found = best_by_lang.get(passage.lang)
            if found is not None and len(found) < 3:
                found.append(PassageHit(passage, float(pscores[i])))
                wanted -= 1
                if not wanted:
                    break
        return candidates, sorted((h for lang in LANGS for h in best_by_lang[lang]), key=lambda h: -h.score)
