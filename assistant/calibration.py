"""Learning how to fuse the retrieval features and how far to trust the result.

Two small logistic regressions, fitted on labelled questions (the development set):

1. a pointwise *ranker* over each candidate's features (:data:`~assistant.retrieval.FEATURES`):
   its coefficients become the fusion weights;
2. a *confidence* model over the top candidate's fused score and its lead over the runner-up,
   so that ``confidence`` in [0, 1] estimates the probability that the top answer is right.

The answer threshold is then the lowest confidence that keeps out-of-scope questions from being
answered more often than ``max_oos_rate``, chosen to maximise right minus wrong answers.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

from .retrieval import FEATURES, Candidate


def answers(entry_id: str, expect: str | None, also: tuple[str, ...]) -> bool:
    """Whether ``entry_id`` answers a question labelled ``expect`` (None: out of scope), or with ``also`` as well."""
    return expect is not None and (entry_id == expect or entry_id in also)


@dataclass(frozen=True)
class Example:
    """One labelled question: its unranked candidates, the expected entry id (None: out of scope), the
    score of its best page passage and other entries whose answers answer it as well (``also``)."""

    candidates: list[Candidate]
    expect: str | None
    passage: float = 0.0
    also: tuple[str, ...] = ()

    def is_right(self, entry_id: str) -> bool:
        """Whether answering with ``entry_id`` answers this question."""
        return answers(entry_id, self.expect, self.also)


@dataclass
class Calibration:
    """Fusion weights, the confidence model and the thresholds.

    ``threshold``: from here the assistant answers outright. ``hedge_threshold`` (at most
    ``threshold``): from here it answers but says which question it thinks it answers ("Jeg tror du
    spør om ..."). ``passage_threshold``: the passage score from which a page passage may answer when
    no entry does.
    """

    weights: dict[str, float]
    bias: float = 0.0
    conf_coef: tuple[float, ...] = (8.0, 4.0, -2.0, -2.0, 0.0, 2.0, 2.0, 2.0, 0.0, 0.0)
    conf_intercept: float = -4.0
    threshold: float = 0.5
    hedge_threshold: float = 0.5
    passage_threshold: float = 1.0
    extra: dict[str, float] = field(default_factory=dict)

    def rank(self, candidates: list[Candidate]) -> list[Candidate]:
        """Give each candidate its fused score (a probability) and sort, best first."""
        names, weights = list(self.weights), list(self.weights.values())
        scored = []
        for c in candidates:
            # The products added one by one from 0, in the weights' order (as sum() over a generator adds them).
            z = self.bias + sum(map(operator.mul, weights, [c.features[name] for name in names]))
            scored.append(Candidate(c.id, c.features, 1.0 / (1.0 + math.exp(-z))))
        return sorted(scored, key=lambda c: -c.score)

    def confidence(self, ranked: list[Candidate]) -> float:
        """The probability that ``ranked[0]`` is the right answer."""
        if not ranked:
            return 0.0
        z = self.conf_intercept + sum(c * x for c, x in zip(self.conf_coef, confidence_inputs(ranked), strict=True))
        return 1.0 / (1.0 + math.exp(-z))


#: The gap features: how far a candidate lies below the best entry by one retriever (0: it is that retriever's best).
GAPS = tuple(name for name in FEATURES if name.endswith("_gap"))


def confidence_inputs(ranked: list[Candidate]) -> tuple[float, ...]:
    """What the confidence model looks at: the top fused score, its lead, unknown words, coverage,
    whether the question is about the scheme at all (:mod:`assistant.answerability`), how many of the
    retrievers put the top entry first themselves, and the entry classifier's probability for it.

    Whether the question has any word the knowledge base does not know (typos aside) is its own
    input: one unknown word ("barnehageplass", "startlån") is strong evidence of another topic. When
    word, character, fuzzy and classifier scores agree on the top entry, it is right more often than its
    fused score alone says.
    """
    top = ranked[0]
    lead = top.score - (ranked[1].score if len(ranked) > 1 else 0.0)
    unknown = top.features["unknown"]
    has_unknown = float(unknown > 0)
    answerable = top.features["answerable"]
    agreement = sum(top.features[gap] >= 0.0 for gap in GAPS) / len(GAPS)
    return (top.score, lead, unknown, has_unknown, has_unknown * top.score, top.features["coverage"],
            answerable, answerable * top.score, agreement, top.features["clf"])


def _ranker(examples: list[Example], features: tuple[str, ...]) -> tuple[dict[str, float], float]:
    X = [[c.features[name] for name in features] for ex in examples for c in ex.candidates]
    y = [int(ex.is_right(c.id)) for ex in examples for c in ex.candidates]
    if len(set(y)) < 2:
        raise ValueError("the ranker needs both right and wrong candidates to learn from")
    X = np.array(X)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000).fit((X - mean) / scale, np.array(y))
    # Fold the standardisation into the weights, so ranking needs no scaler.
    weights = model.coef_[0] / scale
    bias = float(model.intercept_[0] - (model.coef_[0] * mean / scale).sum())
    return dict(zip(features, weights.tolist(), strict=True)), bias


def _answered_counts(confidences: list[float], thresholds: np.ndarray,
                     *flags: list[bool]) -> tuple[np.ndarray, ...]:
    """For each of ``thresholds``: how many ``confidences`` reach it, and how many of those have each of ``flags``
    set (counted on the confidences sorted once, instead of a pass over every confidence per threshold)."""
    values = np.asarray(confidences, dtype=float)
    order = np.argsort(values, kind="stable")
    first = np.searchsorted(values[order], thresholds, side="left")  # the first confidence >= each threshold
    counts = [len(values) - first]
    for flag in flags:
        from_top = np.concatenate([np.cumsum(np.asarray(flag, dtype=np.int64)[order][::-1])[::-1], [0]])
        counts.append(from_top[first])
    return tuple(counts)


def choose_threshold(confidences: list[float], correct: list[bool], out_of_scope: list[bool],
                     max_oos_rate: float) -> float:
    """The confidence threshold that maximises right minus wrong answers within ``max_oos_rate``.

    An answer counts as wrong when it is the wrong entry or answers an out-of-scope question. Of equally
    good thresholds the lowest wins.
    """
    n_oos = max(1, sum(out_of_scope))
    thresholds = np.append(np.unique(np.asarray(confidences, dtype=float)), 1.0)
    answered, right, oos_answered = _answered_counts(confidences, thresholds, correct, out_of_scope)
    utility = np.where(oos_answered / n_oos > max_oos_rate, -np.inf, (2 * right - answered).astype(float))
    best = int(np.argmax(utility))  # the first of the best
    return float(thresholds[best]) if utility[best] > -np.inf else 1.0


def choose_hedge_threshold(confidences: list[float], correct: list[bool], out_of_scope: list[bool],
                           max_wrong_rate: float, max_oos_rate: float) -> float:
    """The lowest confidence from which answering keeps wrong answers to in-scope questions within
    ``max_wrong_rate`` and answers to out-of-scope questions within ``max_oos_rate``."""
    n_in, n_oos = max(1, out_of_scope.count(False)), max(1, sum(out_of_scope))
    thresholds = np.unique(np.asarray(confidences, dtype=float))[::-1]
    wrong_in_scope = [not ok and not o for ok, o in zip(correct, out_of_scope, strict=True)]
    _, wrong, oos = _answered_counts(confidences, thresholds, wrong_in_scope, out_of_scope)
    over = np.flatnonzero((wrong / n_in > max_wrong_rate) | (oos / n_oos > max_oos_rate))
    kept = len(thresholds) if not len(over) else int(over[0])  # the thresholds from the top down to the first over
    return float(thresholds[kept - 1]) if kept else 1.0


def choose_passage_threshold(examples: list[Example], answerable: float = 0.5) -> float:
    """Just above the best passage score of any out-of-scope example that looks answerable, so that on
    the examples no question about another topic is answered from a page."""
    scores = [ex.passage for ex in examples if ex.expect is None and ex.candidates
              and ex.candidates[0].features["answerable"] >= answerable]
    return max(scores, default=0.0) + 1e-6


def fit_calibration(examples: list[Example], max_oos_rate: float = 0.03, max_wrong_rate: float = 0.03,
                    features: tuple[str, ...] = FEATURES) -> Calibration:
    """Fit ranker weights, the confidence model and the thresholds on labelled examples.

    ``features`` are the candidate features the ranker may use (all of them unless an ablation
    leaves some out).
    """
    weights, bias = _ranker(examples, features)
    calibration = Calibration(weights=weights, bias=bias)
    rankings = [calibration.rank(ex.candidates) for ex in examples]  # the confidence model leaves ranks as they are
    rows, labels, oos = [], [], []
    for ex, ranked in zip(examples, rankings, strict=True):
        rows.append(list(confidence_inputs(ranked)))
        labels.append(bool(ranked) and ex.is_right(ranked[0].id))
        oos.append(ex.expect is None)
    if len(set(labels)) == 2:
        model = LogisticRegression(C=10.0, max_iter=5000).fit(np.array(rows), np.array(labels, dtype=int))
        calibration.conf_coef = tuple(float(c) for c in model.coef_[0])
        calibration.conf_intercept = float(model.intercept_[0])
    confidences = [calibration.confidence(ranked) for ranked in rankings]
    calibration.threshold = choose_threshold(confidences, labels, oos, max_oos_rate)
    calibration.hedge_threshold = min(calibration.threshold,
                                      choose_hedge_threshold(confidences, labels, oos, max_wrong_rate, max_oos_rate))
    calibration.passage_threshold = choose_passage_threshold(examples)
    return calibration
