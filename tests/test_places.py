import pytest

from assistant.places import KINDS, STANDS_FOR, Place, PlaceNames, load_places
from assistant.spelling import SpellingCorrector
from assistant.text import folded_tokens

PLACES = PlaceNames({p.tokens: p for p in (
    Place(("bodo",), "kommune"), Place(("nordre", "follo"), "kommune"), Place(("moss",), "kommune", word=True),
    Place(("more", "og", "romsdal"), "fylke"), Place(("hardanger",), "region"), Place(("larvik",), "kommune"))})
KNOWN = {"larvik", "er", "med", "kommunen", "i"}


def replaced(text: str) -> list[str]:
    return PLACES.replace(text, folded_tokens(text), KNOWN.__contains__)


def test_a_municipality_the_index_does_not_know_stands_for_the_municipality():
    assert replaced("Er Bodø med?") == ["er", "kommunen", "med"]
    assert replaced("er bodo med") == ["er", "kommunen", "med"]  # lower case, no æøå


def test_a_name_the_index_knows_stays_since_it_tells_entries_apart():
    assert replaced("Er Larvik med?") == ["er", "larvik", "med"]


def test_the_longest_name_wins_and_counties_and_regions_are_left_out():
    assert replaced("Kan Nordre Follo søke?") == ["kan", "kommunen", "soke"]
    assert replaced("forsøk i Møre og Romsdal") == ["forsok", "i"]
    assert replaced("kommunane i Hardanger") == ["kommunane", "i"]


def test_a_name_that_is_also_a_word_counts_only_with_a_capital_after_the_first_word():
    assert replaced("Søker Moss nå?") == ["soker", "kommunen", "na"]
    assert replaced("moss på taket") == ["moss", "pa", "taket"]
    assert replaced("Moss på taket") == ["moss", "pa", "taket"]


def test_the_speller_replaces_places_before_it_corrects():
    speller = SpellingCorrector(min_count=1).fit(["Er kommunen med?", "bdo", "Forsøket i Namdal"])
    assert speller.correct("Er Bodø med?") == "er kommunen med"  # not "bdo", one edit from "bodo"
    assert speller.correct("forsøket i Namdalen") == "forsoket i namdalen"  # a form of a known word: kept


def test_the_place_file_is_well_formed_and_covers_the_counties():
    places = load_places()
    assert {p.kind for p in places.values()} == set(KINDS) == set(STANDS_FOR)
    counties = [("agder",), ("akershus",), ("buskerud",), ("finnmark",), ("innlandet",), ("more", "og", "romsdal"),
                ("nordland",), ("rogaland",), ("telemark",), ("troms",), ("trondelag",), ("vestfold",),
                ("vestland",), ("ostfold",)]
    assert all(places[c].kind == "fylke" for c in counties)
    assert places[("oslo",)].kind == "kommune"
    assert sum(p.kind == "kommune" for p in places.values()) >= 357


@pytest.mark.parametrize("name", ["Bodø", "Narvik", "Hamar", "Ålesund", "Kautokeino"])
def test_a_question_naming_a_municipality_is_answered_as_one_about_our_municipality(assistant, index, name):
    assert not all(map(index.retriever.speller_.knows, folded_tokens(name))), "the index names this place: pick another"
    ours = assistant.ask("Er kommunen vår med i forsøket?")
    named = assistant.ask(f"Er {name} med i forsøket?")
    assert not ours.fallback and named.id == ours.id
