import pytest

from assistant.spelling import SpellingCorrector, common_words

TEXTS = ["Hva er forsøksordningen?", "Hvem kan søke om forsøk?", "Når er søknadsfristen?",
         "Forsøksloven gjelder for kommuner og fylkeskommuner.", "Kan forsøket forlenges?", "satt", "statt"]


@pytest.fixture(scope="module")
def speller():
    return SpellingCorrector().fit(TEXTS * 3 + ["Kan vi søke nå?"] * 10)


@pytest.mark.parametrize(("typed", "known"), [
    ("forsøksordnigen", "forsoksordningen"),   # dropped letter
    ("forsøksordingnen", "forsoksordningen"),  # swapped letters (one OSA edit)
    ("sokke", "soke"),                         # doubled letter
    ("forsøksløven", "forsoksloven"),          # keyboard neighbour
])
def test_a_typo_in_a_key_word_is_corrected_to_the_known_word(speller, typed, known):
    assert speller.correct(typed) == known


def test_words_with_no_close_known_word_are_left_alone(speller):
    assert speller.correct("barnehageplass eiendomsskatt") == "barnehageplass eiendomsskatt"


def test_a_rare_word_is_no_correction(speller):
    # "skatt" is one edit from "satt" and "statt", but each was seen only three times or fewer.
    assert SpellingCorrector(min_count=4).fit(TEXTS * 3).correct("skatt") == "skatt"


def test_a_short_word_keeps_its_first_letter_or_swaps_the_first_two(speller):
    assert speller.correct("ofrsok") == "forsok"
    assert speller.correct("gorsok") == "gorsok"


def test_an_ambiguous_correction_is_not_made_unless_the_candidates_share_a_stem():
    speller = SpellingCorrector(min_count=1).fit(["tolke", "tolle"])
    assert speller.correct("tolme") == "tolme"  # one edit from both, and they are different words
    same_stem = SpellingCorrector(min_count=1).fit(["kommune", "kommunene"])
    assert same_stem.correct("kommuene") in {"kommune", "kommunene"}


def test_nynorsk_words_are_corrected_as_nynorsk_then_mapped(speller):
    assert speller.correct("kviflr søkjer dei") == "hvorfor soker de"


def test_dialect_and_chat_forms_map_to_the_bokmal_question_words(speller):
    assert speller.correct("ka e forsøksloven") == "hva er forsoksloven"
    assert speller.correct("kem kan søkje") == "hvem kan soke"
    assert speller.correct("koss søke pls") == "hvordan soke"


@pytest.mark.parametrize(("text", "known"), [("1", 0), ("x", 0), ("asdfgh", 0), ("???", 0), ("2023", 0),
                                             ("forsoksloven?", 1), ("når e sokandsfristen", 1)])
def test_known_words_counts_the_words_the_index_knows(speller, text, known):
    assert (speller.known_words(speller.canonical_tokens(text)) > 0) == bool(known)


def test_a_common_word_is_no_typo_of_a_known_word():
    speller = SpellingCorrector(min_count=1).fit(["Hva er vedtaket?", "fylket", "vinn"])
    assert speller.correct("vedtok fylker vann") == "vedtok fylker vann"  # real words, each one edit from a known one
    assert speller.correct("vedtaekt fyllket") == "vedtaket fylket"  # typos are still corrected


def test_the_common_words_are_bokmal_words_folded_as_questions_are():
    words = common_words()
    assert {"vedtok", "fylker", "barnehage", "soknad"} <= words  # "søknad" folded
    assert not {"forsoksordnigen", "kviflr", "vedtaekt"} & words


def test_an_unknown_compound_is_split_into_its_known_parts():
    speller = SpellingCorrector(min_count=1).fit(["kommunestyret og en representant", "rekruttering", "problemer"])
    assert speller.correct("kommunestyrerepresentant") == "kommunestyre representant"
    assert speller.correct("rekrutteringsproblemer") == "rekruttering problemer"  # the linking s dropped


def test_known_common_short_or_unknown_part_words_are_not_split():
    speller = SpellingCorrector(min_count=1).fit(["representant", "problemer", "barne", "hagen", "barnehagen"])
    assert speller.split_compound("barnehagen") == ["barnehagen"]  # known as it is
    assert speller.split_compound("kommunevalg") == ["kommunevalg"]  # a common word
    assert speller.split_compound("xyzzyrepresentant") == ["xyzzyrepresentant"]  # the first part is unknown
    assert speller.split_compound("barnerep") == ["barnerep"]  # a part shorter than four letters


def test_the_remembered_corrections_stay_within_their_bound():
    speller = SpellingCorrector(min_count=1, cache_size=50).fit(TEXTS)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for i in range(500):
        speller.correct(f"ukjent{letters[i // 26 % 26]}{letters[i % 26]}ord")  # 500 different unknown words
    assert 0 < len(speller.cache_) <= 50
    assert speller.correct("forsøksordnigen") == "forsoksordningen"  # still corrects after forgetting
