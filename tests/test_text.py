from assistant.text import TextPipeline, apply_spelling, fold_ascii, normalize, stem, stopwords, tokenize

PIPE = TextPipeline()


def test_normalize_folds_case_unicode_and_typographic_punctuation():
    assert normalize("  SØKNADS\u00adFRIST «Når»\u00a0 ") == "søknads\u00adfrist \"når\""
    assert normalize("Ｆｏｒｓøk") == "forsøk"  # full-width letters (NFKC)
    assert normalize("Forsøk") == normalize("Fors\u006f\u0338k".replace("o\u0338", "ø"))


def test_fold_ascii_maps_norwegian_letters():
    assert fold_ascii("søkje på forsøk i år") == "sokje pa forsok i ar"
    assert fold_ascii("paa") == "pa"
    assert fold_ascii("være") == "vaere"


def test_tokenize_drops_punctuation_keeps_digits():
    assert tokenize("kva er § 3, og 8. september 2023?") == ["kva", "er", "3", "og", "8", "september", "2023"]
    assert tokenize("") == []


def test_spelling_map_turns_nynorsk_into_bokmal_including_two_word_forms():
    assert apply_spelling(["kva", "tid", "kan", "kommunane", "sokje"]) == ["nar", "kan", "kommunene", "soke"]
    assert apply_spelling(["ikkje"]) == ["ikke"]


def test_question_words_are_not_stop_words():
    for word in ("hva", "kva", "hvordan", "korleis", "hvem", "kven", "nar", "hvor", "kor", "hvorfor"):
        folded = fold_ascii(word)
        assert folded not in stopwords(), word
    assert "og" in stopwords() and "ein" in stopwords()


def test_snowball_norwegian_stemmer_needs_no_downloads():
    assert stem("kommunene") == stem("kommuner") == "kommun"


def test_nynorsk_bokmal_and_ascii_spellings_give_the_same_terms():
    nb = PIPE.terms("Hvem kan søke om forsøk?")
    nn = PIPE.terms("Kven kan søkje om forsøk?")
    ascii_typed = PIPE.terms("kven kan sokje om forsok")
    assert nb == nn == ascii_typed


def test_terms_keep_something_when_everything_is_a_stop_word():
    assert PIPE.terms("og i på") != []
    assert PIPE.terms("") == []


def test_nynorsk_first_parts_of_compounds_are_respelled():
    assert PIPE.canonical("skuleområdet og tenestetilbodet") == "skoleomradet og tjenestetilbodet"
    assert PIPE.canonical("skule") == "skole"  # whole words use the word map


def test_spelling_map_never_turns_a_stop_word_into_a_content_word():
    from assistant.text import spelling_map

    for source, target in spelling_map().items():
        if len(source) == 1 and source[0] in stopwords():
            assert all(t in stopwords() for t in target), (source, target)
