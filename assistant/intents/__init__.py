"""Small talk and conversation moves: greeting, thanks, contact, målform switch, English ...

Each intent's training examples and behaviour flags, in Bokmål and Nynorsk, are data in
``assistant/intents/data/<intent>.yaml``; its reply is a text of the message catalogue (section
``intents`` of ``assistant/data/messages.yaml``), so that editing it needs no rebuild.
:class:`IntentClassifier` is a scikit-learn model
trained on them (plus the FAQ's own questions as examples of "no intent"); ``train.py``
reports its accuracy on held-out examples.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

from .. import messages
from ..knowledge import LANGS, load_yaml
from ..logistic import LogisticRegression
from ..query import analyse
from ..text import TextPipeline, fold_ascii, normalize
from ..vectors import CharTfidfVectorizer, LinearProbabilities, SparseVector, TermSpace, char_wb_ngrams, word_ngrams

NONE = "none"

_ENGLISH = frozenset("""
the what how who when where which why does do is are can could would should please you your my
apply application trial trials municipality municipalities deadline hello hi thanks thank help
english about with this that there any speak
""".split())
_NORWEGIAN = frozenset("""
og er kan jeg eg det om en ei et ein eit hva kva hvem kven når hvor kor hvordan korleis ikke ikkje
på til for med som har vi me du de dei forsøk søke søkje kommune kommunen kommuner kommunar
""".split())


def looks_english(text: str) -> bool:
    """Whether ``text`` is written in English rather than Norwegian (function words decide)."""
    tokens = analyse(text).words
    english = sum(t in _ENGLISH for t in tokens)
    norwegian = sum(t in _NORWEGIAN or fold_ascii(t) != t for t in tokens)
    return english >= 2 and english > norwegian


@dataclass(frozen=True)
class Intent:
    """One intent: its examples per målform, and how the dialogue treats it (its reply is in the catalogue).

    The behaviour flags, all optional in the intent's YAML: ``contact`` (the reply carries Kommunalavdelingen's
    contact card and links its page), ``suggest`` (the reply offers the content's small-talk suggestions,
    ``small_talk_suggestions`` in ``faq/_meta.yaml``), ``opener`` (said before a question, "Hei, ...?", it is
    folded into the answer instead of answered on its own) and ``switch_to`` (a målform the conversation
    switches to for good).
    """

    id: str
    examples: dict[str, tuple[str, ...]]
    contact: bool = False
    suggest: bool = False
    opener: bool = False
    switch_to: str | None = None


_FLAGS = {"contact", "suggest", "opener"}
_KEYS = {"intent", "examples", "switch_to", *_FLAGS}


class IntentError(ValueError):
    """An intent's YAML is malformed: an unknown key, a flag that is not true/false, an unknown målform."""


def _intent(name: str, data: dict) -> Intent:
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise IntentError(f"{name}: unknown key(s) {', '.join(unknown)} (an intent has {', '.join(sorted(_KEYS))})")
    for flag in _FLAGS:
        if not isinstance(data.get(flag, False), bool):
            raise IntentError(f"{name}: {flag} must be true or false")
    if data.get("switch_to") not in (None, *LANGS):
        raise IntentError(f"{name}: switch_to must be one of {', '.join(LANGS)}")
    if data["intent"] != NONE and data["intent"] not in messages.catalogue()["intents"]:
        raise IntentError(f"{name}: no reply in the message catalogue (intents.{data['intent']} in "
                          f"assistant/data/{messages.CATALOGUE})")
    return Intent(
        data["intent"],
        {lang: tuple(str(x) for x in data["examples"][lang]) for lang in LANGS},
        **{flag: data.get(flag, False) for flag in _FLAGS}, switch_to=data.get("switch_to"),
    )


def load_intents() -> dict[str, Intent]:
    """Every intent in ``assistant/intents/data``; an :class:`IntentError` for a malformed one."""
    intents = {}
    folder = resources.files("assistant.intents").joinpath("data")
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        data = load_yaml(item.read_text(encoding="utf-8"))
        intents[data["intent"]] = _intent(item.name, data)
    return intents


def _canonical(text: str) -> str:
    return TextPipeline().canonical(text) or normalize(text)


_WORD = r"[^\W_]+"
_CHAR_NGRAMS, _WORD_NGRAMS = (2, 4), (1, 2)


def _model() -> Pipeline:
    features = FeatureUnion([
        ("chars", CharTfidfVectorizer(analyzer="char_wb", ngram_range=_CHAR_NGRAMS, sublinear_tf=True,
                                      preprocessor=_canonical)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=_WORD_NGRAMS, sublinear_tf=True,
                                  preprocessor=_canonical, token_pattern=_WORD)),
    ])
    return make_pipeline(features, LogisticRegression(C=20.0, max_iter=5000))


def _examples(intents: dict[str, Intent], extra_none: list[str]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for intent in intents.values():
        for lang in LANGS:
            texts.extend(intent.examples[lang])
            labels.extend([intent.id] * len(intent.examples[lang]))
    texts.extend(extra_none)
    labels.extend([NONE] * len(extra_none))
    return texts, labels


def holdout_accuracy(intents: dict[str, Intent], extra_none: list[str], share: float = 0.25, seed: int = 7) -> float:
    """The intent model's accuracy on a held-out ``share`` of the examples, trained on the rest.

    A figure for the report (``train.py``), not part of the index: a build fits the model once, on every example.
    """
    texts, labels = _examples(intents, extra_none)
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * share)
    test, train = order[:cut], order[cut:]
    model = _model().fit([texts[i] for i in train], [labels[i] for i in train])
    predicted = model.predict([texts[i] for i in test])
    return sum(p == labels[i] for p, i in zip(predicted, test, strict=True)) / len(test)


@dataclass
class IntentClassifier:
    """Which intent, if any, a message expresses, with the model's probability."""

    threshold: float = 0.5
    intents: dict[str, Intent] = field(default_factory=dict)

    def fit(self, intents: dict[str, Intent], extra_none: list[str]) -> IntentClassifier:
        """Train on every example; ``extra_none`` are messages with no intent (the FAQ's questions)."""
        self.intents = intents
        texts, labels = _examples(intents, extra_none)
        self.model_ = _model().fit(texts, labels)
        union, model = self.model_.steps[0][1], self.model_.steps[-1][1]
        self._spaces = tuple(TermSpace(vectorizer) for _, vectorizer in union.transformer_list)
        self._proba = LinearProbabilities(model)
        return self

    def probabilities(self, text: str) -> np.ndarray:
        """The model's probability of every intent (in ``model_.classes_`` order) for ``text``.

        The same numbers as ``model_.predict_proba([text])[0]``, from the question's (cached) analysis.
        """
        query = analyse(text)
        canonical = query.canonical or query.normalized
        chars, words = self._spaces
        vector = SparseVector.concat([chars.vector(char_wb_ngrams(canonical, _CHAR_NGRAMS)),
                                      words.vector(word_ngrams(re.findall(_WORD, canonical), _WORD_NGRAMS))
                                      .shifted(chars.size)])
        return self._proba(vector)

    def predict(self, text: str) -> tuple[str, float]:
        """The most likely intent and its probability; ``none`` when below the threshold."""
        proba = self.probabilities(text)
        best = int(proba.argmax())
        intent = str(self.model_.classes_[best])
        return (intent if proba[best] >= self.threshold else NONE), float(proba[best])

    def reply(self, intent: str, lang: str) -> str:
        """The reply for ``intent`` in målform ``lang`` (from the message catalogue, contact details filled in)."""
        return messages.text("intents", intent, lang)
