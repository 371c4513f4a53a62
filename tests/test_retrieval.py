import pytest

from assistant.retrieval import CharTfidfRetriever, FuzzyRetriever, WordTfidfRetriever

TEXTS = ["Hvor lenge kan et forsøk vare?", "Kor lenge varer eit forsøk?", "Hva var søknadsfristen?",
         "Får kommunen tilskudd?", "Hvem kan søke?"]
KEYS = ["varighet", "varighet", "frist", "tilskudd", "hvem"]


@pytest.mark.parametrize("retriever", [WordTfidfRetriever(), CharTfidfRetriever(), FuzzyRetriever()])
def test_each_retriever_finds_the_right_key_alone(retriever):
    retriever.fit(TEXTS, KEYS)
    assert retriever.keys_ == ["varighet", "frist", "tilskudd", "hvem"]
    assert retriever.query("kor lenge kan forsøket vare", k=1)[0].key == "varighet"
    assert retriever.query("søknadsfrist", k=1)[0].key == "frist"
    scores = retriever.scores("tilskudd til kommunen")
    assert scores.shape == (4,) and 0 <= scores.min() and scores.max() <= 1.0 + 1e-9


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
