import copy

import numpy as np
import pytest

from assistant.malform import MalformClassifier
from assistant.retrieval import (
    CharTfidfRetriever,
    EntryClassifier,
    FuzzyRetriever,
    HybridRetriever,
    NeighbourClassifier,
    WordTfidfRetriever,
    top_indices,
)

TEXTS = ["Hvor lenge kan et forsøk vare?", "Kor lenge varer eit forsøk?", "Hva var søknadsfristen?",
         "Får kommunen tilskudd?", "Hvem kan søke?"]
KEYS = ["varighet", "varighet", "frist", "tilskudd", "hvem"]


@pytest.mark.parametrize("retriever", [WordTfidfRetriever(), CharTfidfRetriever(), FuzzyRetriever(), EntryClassifier()])
def test_each_retriever_finds_the_right_key_alone(retriever):
    retriever.fit(TEXTS, KEYS)
    assert retriever.keys_ == ["varighet", "frist", "tilskudd", "hvem"]
    assert retriever.query("kor lenge kan forsøket vare", k=1)[0].key == "varighet"
    assert retriever.query("søknadsfrist", k=1)[0].key == "frist"
    scores = retriever.scores("tilskudd til kommunen")
    assert scores.shape == (4,) and 0 <= scores.min() and scores.max() <= 1.0 + 1e-9


@pytest.mark.parametrize("make", [WordTfidfRetriever, CharTfidfRetriever, FuzzyRetriever, EntryClassifier,
                                  NeighbourClassifier, MalformClassifier])
def test_components_follow_scikit_learns_conventions(make):
    """The constructor stores its parameters only; fitting adds state ending in ``_`` and changes no parameter."""
    component = make()
    parameters = dict(vars(component))
    assert not [name for name in parameters if name.endswith("_") or name.startswith("_")]
    component.fit(TEXTS, ["nb", "nn", "nb", "nb", "nb"] if make is MalformClassifier else KEYS)
    assert {name: vars(component)[name] for name in parameters} == parameters
    assert all(name.endswith("_") or name.startswith("_") for name in set(vars(component)) - set(parameters))


def test_character_ngrams_survive_typos_and_missing_letters():
    retriever = CharTfidfRetriever().fit(TEXTS, KEYS)
    assert retriever.query("soknadsfirsten", k=1)[0].key == "frist"
    assert retriever.query("tilskud kommunen", k=1)[0].key == "tilskudd"


def test_word_retriever_matches_nynorsk_to_bokmal():
    retriever = WordTfidfRetriever().fit(["Hvem kan søke om forsøk?", "Hva koster det?"], ["hvem", "pris"])
    top = retriever.query("kven kan søkje om forsøk", k=2)
    assert top[0].key == "hvem" and top[0].score > 0.9 and top[1].score < 0.1


def test_query_on_unknown_words_scores_zero():
    retriever = WordTfidfRetriever().fit(TEXTS, KEYS)
    assert retriever.scores("xyzzy plugh").max() == 0.0


NEAR = ["Hvor lenge varer et forsøk?", "Hvor lenge kan forsøket vare?", "Hvor mange år varer forsøket?",
        "varighet forsøk", "Kan forsøket forlenges?", "forlengelse av forsøket", "Kan vi forlenge forsøket?",
        "Hvor lenge kan forsøket forlenges?", "Hva var søknadsfristen?", "søknadsfrist forsøk",
        "Når var fristen for å søke?"]
NEAR_KEYS = ["varighet"] * 4 + ["forlengelse"] * 4 + ["frist"] * 3


def test_entry_classifier_learns_the_word_that_tells_near_neighbours_apart():
    question = "hvor mange år kan det forlenges"
    # The nearest phrasing shares "hvor mange år": word TF-IDF picks the wrong neighbour ...
    assert WordTfidfRetriever().fit(NEAR, NEAR_KEYS).query(question, k=1)[0].key == "varighet"
    # ... the classifier has learnt that "forlenge" is what marks the other entry.
    classifier = EntryClassifier().fit(NEAR, NEAR_KEYS)
    assert classifier.query(question, k=1)[0].key == "forlengelse"
    scores = classifier.scores(question)
    assert classifier.keys_ == ["varighet", "forlengelse", "frist"] and scores.sum() == pytest.approx(1.0)


def test_entry_classifier_needs_two_entries():
    with pytest.raises(ValueError, match="two entries"):
        EntryClassifier().fit(["Hvem kan søke?", "hvem søker"], ["hvem", "hvem"])


def test_beyond_its_size_limit_each_entry_is_learnt_against_its_nearest_entries(index):
    retriever = HybridRetriever(classifier_max_entries=len(index.kb.entries) - 1).fit(index.kb)
    assert isinstance(retriever.clf_, NeighbourClassifier) and not isinstance(index.retriever.clf_, NeighbourClassifier)
    assert retriever.clf_.weights_.getnnz(axis=1).max() <= retriever.clf_.max_weights
    candidates, _ = retriever.candidates("Kor lenge kan eit forsøk vare?")
    best = max(candidates, key=lambda c: c.features["clf"])
    assert best.id == "varighet" and best.features["clf"] > 0.5 and best.features["clf_gap"] == 0.0


def test_the_neighbour_classifier_tells_near_neighbours_apart():
    classifier = NeighbourClassifier().fit(NEAR, NEAR_KEYS)  # each entry against the two others
    assert classifier.query("hvor mange år kan det forlenges", k=1)[0].key == "forlengelse"
    scores = classifier.scores_among(classifier.vector("søknadsfrist"), np.array([2]))
    assert scores[2] > 0.5 and scores[0] == scores[1] == 0.0


@pytest.mark.parametrize("question", ["hvor mange år kan det forlenges", "søknadsfrist", "xyz", "hva"])
def test_the_neighbour_classifier_scores_its_candidates_as_the_dense_product_does(question):
    classifier = NeighbourClassifier().fit(NEAR, NEAR_KEYS)
    features = classifier.vector(question)
    keys = np.array([2, 0])
    dense = classifier.weights_[keys] @ features.dense(classifier.weights_.shape[1]) + classifier.intercept_[keys]
    assert np.array_equal(classifier.scores_among(features, keys)[keys], 1.0 / (1.0 + np.exp(-dense)))


@pytest.mark.parametrize("k", [0, 1, 3, 10, 50, 60])
def test_top_indices_are_the_stable_argsort_s_first(k):
    rng = np.random.default_rng(k)
    scores = rng.integers(0, 5, size=50) / 4.0  # many ties
    assert top_indices(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()


def test_beyond_its_postings_budget_the_char_scores_are_completed_for_the_leading_entries(index):
    small = copy.copy(index.retriever)
    small.max_postings = 2_000  # today's questions walk ~70,000 character n-gram postings
    for question, expected in [("Kor lenge kan eit forsøk vare?", "varighet"), ("hvem kan søke om forsøk", None)]:
        exact, _ = index.retriever.candidates(question)
        bounded, _ = small.candidates(question)
        exact_char = {c.id: c.features["q_char"] for c in exact}
        assert all(c.features["q_char"] <= exact_char.get(c.id, 1.0) + 1e-12 for c in bounded)
        if expected:
            ranked = index.calibration.rank(bounded)
            assert ranked[0].id == expected


def test_every_development_question_is_scored_exactly_within_the_postings_budget(index):
    retriever = index.retriever
    for question in index.devset:
        vectors = retriever.vectors(retriever._analysed(retriever.speller_.correct(question.q)))
        for name in ("q_char", "e_char"):
            assert getattr(retriever, f"{name}_").partial_scores(vectors[name], retriever.max_postings).exact, \
                f"{question.q!r} walks more than max_postings ({retriever.max_postings}) {name} postings: raise it"
