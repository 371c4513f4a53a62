"""Telling Bokmål (``nb``) from Nynorsk (``nn``) in a visitor's question.

Words that exist in only one of the two written standards decide first; when a question has none
(``søknadsfrist?``), a character n-gram classifier trained on the FAQ's own phrasings decides, and
a question it cannot tell apart gets Bokmål, the more common standard.
The same word lists serve the content tests that keep Nynorsk texts free of Bokmål forms.
"""

from __future__ import annotations

import re

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from .query import analyse
from .text import fold_ascii, normalize
from .vectors import CharTfidfVectorizer, LinearProbabilities, TermSpace, char_wb_ngrams

#: Words that are Bokmål and not Nynorsk.
NB_ONLY = frozenset("""
ikke hva hvordan hvem hvilke hvilken hvilket hvor hvorfor hvis jeg fra være vært ble noen noe mye
selv uten bare kommunene fylkeskommunene tjenester tjeneste regjeringen ordningen departementene deres
forsøkene
""".split())

#: Words that are Nynorsk and not Bokmål.
NN_ONLY = frozenset("""
ikkje kva korleis kven kvifor kor kvar eg frå vere vore kommunane fylkeskommunane søkje søkjer berre
noko nokon mykje sjølv utan ein eit eitt tenester teneste regjeringa ordninga departementa
forsøka kommunar fylkeskommunar skule skulen førebels endeleg handsame dykk
dei deira mogleg vert verte gjev fekk sjå fleire saman heile attende treng utanfor synest tilskot ope
då heilt morgon hjelpa
""".split())

#: Word shapes only one standard has: Nynorsk -leg/-lege and -ane, skule- compounds, teneste- anywhere
#: in a compound (helsetenesta), -valde participles (folkevalde) and -styra (kommunestyra); Bokmål -lig/-lige
#: (but not -llig: frivillig, villig and billig are Nynorsk too) and hv- words.
_NN_SHAPES = re.compile(r"^(\w{2,}leg|\w{4,}(?<!b)ane|skule\w*|\w*tenest\w*|\w*valde|\w*styra)$")
_NB_SHAPES = re.compile(r"^(\w{2,}(?<!l)lige?|hv\w+)$")

_NB_FOLDED = frozenset(fold_ascii(w) for w in NB_ONLY)
_NN_FOLDED = frozenset(fold_ascii(w) for w in NN_ONLY)
# Without æøå a short word is ambiguous ("då" -> "da", ordinary Bokmål): only longer folded forms count.
_NB_FOLDED_ONLY = {w for w in _NB_FOLDED - _NN_FOLDED if len(w) > 3}
_NN_FOLDED_ONLY = {w for w in _NN_FOLDED - _NB_FOLDED if len(w) > 3}


def marker_counts(text: str) -> tuple[int, int]:
    """Count (Bokmål-only, Nynorsk-only) words in ``text``, with or without æøå."""
    tokens = analyse(text).words
    nb = sum(1 for t in tokens if t in NB_ONLY or fold_ascii(t) in _NB_FOLDED_ONLY or _NB_SHAPES.match(t))
    nn = sum(1 for t in tokens if t in NN_ONLY or fold_ascii(t) in _NN_FOLDED_ONLY or _NN_SHAPES.match(t))
    return nb, nn


class MalformClassifier:
    """Classifies text as ``nb`` or ``nn``: marker words first, character n-grams second.

    Unfitted, it decides by marker words alone; ``fit`` adds the n-gram model (``model_``).
    """

    def fit(self, texts: list[str], langs: list[str]) -> MalformClassifier:
        """Train the n-gram fallback on labelled texts (the FAQ's phrasings and answers)."""
        self.model_: Pipeline = make_pipeline(
            CharTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                                preprocessor=normalize),
            LogisticRegression(max_iter=2000, C=4.0),
        )
        self.model_.fit(texts, langs)
        vectorizer, model = self.model_.steps[0][1], self.model_.steps[-1][1]
        self._fast = (TermSpace(vectorizer), vectorizer.ngram_range, LinearProbabilities(model))
        return self

    def probabilities(self, text: str) -> dict[str, float]:
        """The n-gram model's probability of each målform (``predict_proba`` without its input checks)."""
        space, ngram_range, proba = self._fast
        values = proba(space.vector(char_wb_ngrams(analyse(text).normalized, ngram_range)))
        return dict(zip(proba.classes.tolist(), values.tolist(), strict=True))

    def predict(self, text: str, default: str = "nb", prior: str | None = None) -> str:
        """The målform of ``text``; ``default`` when nothing in it tells the two apart.

        ``prior`` is the målform a conversation has used so far: a short message without marker
        words keeps it rather than trusting n-grams of two or three words.
        """
        nb, nn = marker_counts(text)
        if nb != nn:
            return "nb" if nb > nn else "nn"
        words = analyse(text).words
        if prior is not None and len(words) < 4:
            return prior
        if not hasattr(self, "model_") or not words:
            return default
        proba = self.probabilities(text)
        if abs(proba.get("nn", 0.0) - 0.5) < 0.15:
            return default
        return "nn" if proba["nn"] > 0.5 else "nb"
