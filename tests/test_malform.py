import pytest

from assistant.malform import MalformClassifier, marker_counts


@pytest.mark.parametrize(("text", "counts"), [
    ("Kor lenge kan eit forsøk vare?", (0, 2)),
    ("Hvor lenge kan et forsøk vare?", (1, 0)),
    ("kven kan sokje", (0, 2)),  # without æøå
    ("søknadsfrist", (0, 0)),
    ("er det vanleg å søkje om skulefravær", (0, 3)),  # -leg, søkje, skule- compound
    ("er det vanlig at kommunene søker", (2, 0)),  # -lig, kommunene
    ("trenger allmennlege", (0, 0)),  # a doctor (lege) is no -leg word
    ("hva da med fristen", (1, 0)),  # "da" is Bokmål, though "då" without å looks the same
    ("kva då med fristen", (0, 2)),
    ("billige og frivillige tilbod", (0, 0)),  # -llig words are Nynorsk too, not the Bokmål -lig suffix
    ("korttidsbustad i pleie- og omsorgstenesta", (0, 1)),  # teneste- inside a compound
    ("dei utvalde fylkesstyra", (0, 3)),  # dei, -valde, -styra
    ("de utvalgte fylkesstyrene", (0, 0)),
])
def test_marker_words_count_with_and_without_special_letters(text, counts):
    assert marker_counts(text) == counts


def test_classifier_falls_back_to_ngrams_and_then_to_the_default():
    texts = ["Kommunane søkjer om forsøk", "Kommunene søker om forsøk", "Søknaden vart handsama",
             "Søknaden ble behandlet", "Fylkeskommunane fekk svar", "Fylkeskommunene fikk svar"] * 3
    langs = ["nn", "nb"] * 9
    model = MalformClassifier().fit(texts, langs)
    assert model.predict("Kor lenge varer det?") == "nn"
    assert model.predict("Hvem bestemmer?") == "nb"
    assert model.predict("søknaden vart handsama no") == "nn"  # no marker word: n-grams decide
    assert model.predict("takk for svaret", prior="nb") == "nb"  # short, no marker: the conversation's målform
    assert model.predict("takk for hjelpa", prior="nb") == "nn"  # a marker word still decides
    assert model.predict("???", default="nn") == "nn"
    assert MalformClassifier().predict("søknadsfrist") == "nb"


def test_index_classifies_development_questions_well(index):
    right = sum(p.lang == p.question.lang for p in index.predictions)
    assert right / len(index.predictions) >= 0.9
