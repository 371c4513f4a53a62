"""Is a question about forsøksordningen at all? A model of its own, beside the ranking.

The ranking's confidence says how sure the best entry is *among the entries*; it cannot tell a
typo-ridden question about the scheme from a neat question about kindergarten places that shares
its words ("frist for å søke"). :class:`AnswerabilityModel` learns the difference from the FAQ's
phrasings (about the scheme) against an out-of-scope corpus kept as data
(``assistant/data/out_of_scope.txt``: municipal services, elections, mergers, taxes, other
ministries' schemes, other senses of "forsøk", chit-chat) and generated junk (bare numbers, single
letters, keyboard mash). Its probability is one input of the confidence model
(:mod:`assistant.calibration`), so the answer threshold need not sit near 0.9 to keep other topics out.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .text import TextPipeline, data_lines
from .vectors import CharTfidfVectorizer

_KEYBOARD_ROWS = ("qwertyuiopå", "asdfghjkløæ", "zxcvbnm")


def out_of_scope_questions() -> list[str]:
    """The out-of-scope questions kept in ``assistant/data/out_of_scope.txt``."""
    return data_lines("out_of_scope.txt")


def junk_examples(n: int = 120, seed: int = 7) -> list[str]:
    """``n`` generated junk messages: numbers, single letters, keyboard runs, repeated signs."""
    rng = random.Random(seed)
    makers = (
        lambda: str(rng.randint(0, 9999)),
        lambda: rng.choice(string.ascii_lowercase + "æøå"),
        lambda: (row := rng.choice(_KEYBOARD_ROWS))[(i := rng.randint(0, len(row) - 4)):i + rng.randint(3, 6)],
        lambda: rng.choice("?!.-øåæ") * rng.randint(2, 6),
        lambda: "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9))),
        lambda: f"{rng.randint(1, 31)}.{rng.randint(1, 12)}",
    )
    return [rng.choice(makers)() for _ in range(n)]


def _canonical(pipeline: TextPipeline, text: str) -> str:
    return pipeline.canonical(text)


@dataclass
class AnswerabilityModel:
    """Logistic regression over word and character n-grams: in scope (FAQ phrasings) or not.

    ``C`` is the inverse regularisation strength; the classes are weighted to balance, as the
    phrasings outnumber the out-of-scope examples.
    """

    C: float = 3.0
    pipeline: TextPipeline = field(default_factory=TextPipeline)

    def fit(self, in_scope: list[str], out_of_scope: list[str]) -> AnswerabilityModel:
        """Learn from questions about the scheme and questions that are not."""
        if not in_scope or not out_of_scope:
            raise ValueError("the answerability model needs examples of both kinds")
        texts = [*in_scope, *out_of_scope]
        labels = np.array([1] * len(in_scope) + [0] * len(out_of_scope))
        self.word_ = TfidfVectorizer(tokenizer=self.pipeline.terms, lowercase=False, token_pattern=None,
                                     sublinear_tf=True)
        self.char_ = CharTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, lowercase=False,
                                         preprocessor=partial(_canonical, self.pipeline))
        features = sp.hstack([self.word_.fit_transform(texts), self.char_.fit_transform(texts)], format="csr")
        self.model_ = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000).fit(features, labels)
        return self

    def _features(self, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack([self.word_.transform(texts), self.char_.transform(texts)], format="csr")

    def probability(self, text: str) -> float:
        """The probability that ``text`` is about forsøksordningen."""
        return float(self.model_.predict_proba(self._features([text]))[0, 1])

