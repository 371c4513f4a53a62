"""The review queue: questions the assistant could not answer well, grouped into clusters of similar questions.

A logged question is in the queue when the assistant fell back, asked "did you mean?", answered with a
confidence below ``EDITOR_LOW_CONFIDENCE``, or the visitor said the answer did not help (👎), and no editor
has decided on it yet. Questions with the same text (after normalisation) are one :class:`Question`;
similar questions are grouped by average-linkage clustering on TF-IDF vectors of stemmed words (with the
Nynorsk→Bokmål spelling map, so both målformer meet) and of character n-grams (so typos meet).
Everything here was masked when it was stored.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.sparse import hstack
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as normalize_rows

from ..database import Record
from ..dialogue import Assistant
from ..masking import TOKENS
from ..text import TextPipeline, normalize

#: The reasons a question is in the queue, with their labels for editors.
KINDS = {"fallback": "Reservesvar", "low_confidence": "Usikkert svar", "thumbs_down": "Ikke nyttig (👎)"}
#: The most questions clustered at once (the most recently asked are kept).
MAX_QUESTIONS = 2000
_PIPELINE = TextPipeline()


@dataclass(frozen=True)
class Question:
    """One distinct question in the queue, with every logged record of it."""

    key: str
    text: str
    reply_ids: tuple[str, ...]
    lang: str
    kinds: tuple[str, ...]
    last_asked: datetime
    entry_id: str | None
    comments: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many times it was asked."""
        return len(self.reply_ids)

    @property
    def kind_labels(self) -> list[str]:
        """The reasons it is in the queue, for people."""
        return [KINDS[kind] for kind in self.kinds]


@dataclass(frozen=True)
class Nearest:
    """The entry the assistant ranks first for a cluster, and how sure it is."""

    entry_id: str
    question: str
    confidence: float


@dataclass(frozen=True)
class Cluster:
    """Similar questions, the most asked first."""

    questions: tuple[Question, ...]
    nearest: Nearest | None = None

    @property
    def count(self) -> int:
        """How many logged questions the cluster holds."""
        return sum(q.count for q in self.questions)

    @property
    def reply_ids(self) -> tuple[str, ...]:
        """One reply id per distinct question: enough to find them again."""
        return tuple(q.reply_ids[0] for q in self.questions)


def question_key(text: str) -> str:
    """Questions with the same key are the same question (case, spacing and end punctuation aside)."""
    return normalize(text).rstrip("?!. ")


def kinds_of(record: Record, low_confidence: float) -> list[str]:
    """Why ``record`` belongs in the queue (empty when it does not)."""
    kinds = []
    if record.fallback:
        kinds.append("fallback")
    elif record.intent == "clarify" or (record.entry_id is not None and record.confidence < low_confidence):
        kinds.append("low_confidence")
    if record.helpful is False:
        kinds.append("thumbs_down")
    return kinds


def queue_questions(records: Iterable[Record], reviewed: set[str], low_confidence: float) -> list[Question]:
    """The distinct questions still to review among ``records``, the most recently asked first."""
    groups: dict[str, list[tuple[Record, list[str]]]] = defaultdict(list)
    for record in records:
        kinds = kinds_of(record, low_confidence)
        if kinds and record.reply_id not in reviewed and record.question.strip():
            groups[question_key(record.question)].append((record, kinds))
    questions = []
    for key, items in groups.items():
        items.sort(key=lambda item: item[0].created_at, reverse=True)
        latest = items[0][0]
        kinds = {kind for _, ks in items for kind in ks}
        questions.append(Question(
            key=key, text=latest.question, reply_ids=tuple(r.reply_id for r, _ in items),
            lang=Counter(r.lang for r, _ in items).most_common(1)[0][0],
            kinds=tuple(kind for kind in KINDS if kind in kinds), last_asked=latest.created_at,
            entry_id=next((r.entry_id for r, _ in items if r.entry_id), None),
            comments=tuple(dict.fromkeys(r.comment for r, _ in items if r.comment))))
    questions.sort(key=lambda q: q.last_asked, reverse=True)
    return questions[:MAX_QUESTIONS]


def without_placeholders(text: str) -> str:
    """``text`` without the masking's «[…]» placeholders (they say nothing about what was asked)."""
    for token in TOKENS.values():
        text = text.replace(token, " ")
    return re.sub(r"\s+([,.;:!?])", r"\1", " ".join(text.split()))


def distances(texts: Sequence[str]) -> np.ndarray:
    """Pairwise cosine distances of ``texts`` on stemmed-word and character n-gram TF-IDF (kept sparse until here)."""
    texts = [without_placeholders(text) for text in texts]
    words = TfidfVectorizer(analyzer=_PIPELINE.terms, sublinear_tf=True).fit_transform(texts)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                            preprocessor=_PIPELINE.canonical).fit_transform(texts)
    vectors = normalize_rows(hstack([words, chars]).tocsr())
    result = np.clip(1.0 - (vectors @ vectors.T).toarray(), 0.0, 2.0)
    np.fill_diagonal(result, 0.0)
    return result


def cluster_questions(questions: Sequence[Question], distance: float) -> list[list[Question]]:
    """Group similar questions (average cosine distance at most ``distance``); the largest group first."""
    if len(questions) < 2:
        return [list(questions)] if questions else []
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                     distance_threshold=distance).fit_predict(distances([q.text for q in questions]))
    groups: dict[int, list[Question]] = defaultdict(list)
    for question, label in zip(questions, labels, strict=True):
        groups[int(label)].append(question)
    clusters = [sorted(group, key=lambda q: (-q.count, -q.last_asked.timestamp())) for group in groups.values()]
    clusters.sort(key=lambda group: (-sum(q.count for q in group), -max(q.last_asked.timestamp() for q in group)))
    return clusters


def nearest_entry(assistant: Assistant, questions: Sequence[Question], lang: str = "nb",
                  sample: int = 3) -> Nearest | None:
    """The entry the assistant ranks first for the most asked questions.

    A vote weighted by how often each was asked; a tie goes to the entry ranked with more confidence.
    """
    votes: Counter[str] = Counter()
    confidence: dict[str, float] = {}
    for question in list(questions)[:sample]:
        ranking = assistant.rank(question.text)
        if ranking.top is not None:
            votes[ranking.top.id] += question.count
            confidence[ranking.top.id] = max(confidence.get(ranking.top.id, 0.0), ranking.confidence)
    if not votes:
        return None
    entry_id = max(votes, key=lambda e: (votes[e], confidence[e]))
    entry = assistant.index.kb.by_id.get(entry_id)
    if entry is None:
        return None
    return Nearest(entry_id, entry.part(lang).questions[0], confidence[entry_id])


def with_nearest(groups: Iterable[Sequence[Question]], assistant: Assistant) -> list[Cluster]:
    """The groups as clusters, each with the entry nearest to it."""
    return [Cluster(tuple(group), nearest_entry(assistant, group, group[0].lang)) for group in groups if group]


def review_queue(records: Iterable[Record], reviewed: set[str], assistant: Assistant, *, low_confidence: float,
                 distance: float, limit: int | None = None) -> list[Cluster]:
    """The queue's clusters, largest first (the first ``limit``), each with the entry nearest to it."""
    groups = cluster_questions(queue_questions(records, reviewed, low_confidence), distance)
    return with_nearest(groups if limit is None else groups[:limit], assistant)


def find_questions(questions: Iterable[Question], reply_ids: Iterable[str]) -> list[Question]:
    """The queue's questions that hold any of ``reply_ids``, in the order of ``reply_ids``."""
    by_reply = {reply_id: q for q in questions for reply_id in q.reply_ids}
    found = [by_reply[i] for i in reply_ids if i in by_reply]
    return list({q.key: q for q in found}.values())
