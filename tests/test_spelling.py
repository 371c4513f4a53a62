import pytest

from assistant.spelling import SpellingCorrector
from assistant.text import TextPipeline

TEXTS = ["Hva er forsøksordningen?", "Hvem kan søke om forsøk?", "Når er søknadsfristen?",
         "Forsøksloven gjelder for kommuner og fylkeskommuner.", "Kan forsøket forlenges?", "satt", "statt"]


@pytest.fixture(scope="module")
def speller():
    return SpellingCorrector().fit(TEXTS)


@pytest.mark.parametrize(("typed", "known"), [
    ("forsøksordnigen", "forsoksordningen"),   # dropped letter
    ("forsøksordingnen", "forsoksordningen"),  # swapped letters (one OSA edit)
    ("sokke", "soke"),                         # doubled letter
    ("forsøksløven", "forsoksloven"),          # keyboard neighbour
])
def test_a_typo_in_a_key_word_is_corrected_to_the_known_word(speller, typed, known):
    assert speller.correct_token(TextPipeline().canonical_tokens(typed)[0]) == known


def test_words_with_no_close_known_word_are_left_alone(speller):
    assert speller.correct("barnehageplass eiendomsskatt") == "barnehageplass eiendomsskatt"


def test_a_short_word_keeps_its_first_two_letters(speller):
    # "skatt" is one edit from "satt" and "statt", but a typo rarely hits the first letters of a short word.
    assert speller.correct_token("skatt") == "skatt"


def test_an_ambiguous_correction_is_not_made():
    speller = SpellingCorrector().fit(["kommunen", "kommunar"])
    assert speller.correct_token("kommunat") == "kommunat"


def test_dialect_and_chat_forms_map_to_the_bokmal_question_words(speller):
    assert speller.correct("ka e forsøksloven") == "hva er forsoksloven"
    assert speller.correct("kem kan søkje") == "hvem kan soke"
    assert speller.correct("koss søke pls") == "hvordan soke"


@pytest.mark.parametrize(("text", "known"), [("1", 0), ("x", 0), ("asdfgh", 0), ("???", 0), ("2023", 0),
                                             ("forsoksloven?", 1), ("når e sokandsfristen", 1)])
def test_known_words_counts_the_words_the_index_knows(speller, text, known):
    assert (speller.known_words(text) > 0) == bool(known)
