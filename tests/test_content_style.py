"""The house style of the content (issue 13): plain language, no talk of "the sources", answers true today.

The rules live in ``assistant/style.py`` (LIX, sentences, self-referential wording, the Nynorsk word list in
``assistant/data/nn_forms.tsv``) and ``faq/_meta.yaml`` (the as-of date of the time-aware answers).
"""

import datetime as dt
import re
from datetime import date
from pathlib import Path
from statistics import fmean

import pytest

from assistant.cli import main, stale_entries, stale_report
from assistant.knowledge import LANGS, META_FILE, check_knowledge, load_knowledge, long_date
from assistant.style import (
    MAX_LIX,
    MAX_MEAN_LIX,
    MAX_SENTENCE_WORDS,
    lix,
    long_sentences,
    measure,
    nn_form_slips,
    nn_forms,
    readability_report,
    self_references,
    sentences,
)

ROOT = Path(__file__).resolve().parent.parent
KB = load_knowledge(ROOT)
ENTRY_IDS = [e.id for e in KB.entries]
NN_PAGES = [p for p in KB.pages if p.lang == "nn"]

# A question about applying: can we / how do we / who can apply (Bokmål phrasings; the Nynorsk ones mirror them).
_APPLYING = re.compile(r"\b(kan|hvordan|hvem kan|får)\b[^?]*\bs[øo]ke[rs]?\b", re.IGNORECASE)
# Entries a careful read found written as if the 2023 round were still open (issue 13, point 1).
_READ_AS_OPEN = {"alle-sektorer", "barn-og-unge", "helse-og-omsorg", "opplaering", "plan-og-bygning", "soke-sammen",
                 "hvem-kan-soke", "fylkeskommuner-omfattet", "komme-i-gang", "soknadens-innhold",
                 "forelopig-soknad-politisk", "ideer-fra-forstelinjen", "hva-er-forsoksordningen",
                 "ordningen-formes-av-soknadene", "begrenset-antall", "kan-man-fortsatt-soke", "soknadsfrist"}
# Asked about applying, but the answer is about the law or a single matter, not about the 2023 round.
_NOT_ABOUT_THE_ROUND = {
    "forlengelse": "extending a running trial under forsøksloven § 3",
    "kontrollordninger": "what forsøksloven § 3 c allows",
    "staten-i-forsok": "who may apply under forsøksloven, which is not tied to the round",
    "tilskudd": "whether the scheme pays grants",
    "lovgrunnlag": "the legal basis a trial needs, which is not tied to the round",
    "rundskriv-h-26-05": "an older guide to trials under the law, not the round",
}
_CLOSED_ROUND = re.compile(r"\b(?:søknadsrunden i 2023|8\. september 2023)", re.IGNORECASE)
# The time-aware answers: they say when the statement that no new round is announced was checked.
TIME_AWARE = ("kan-man-fortsatt-soke", "soknadsfrist")


def _about_applying(entry_id: str) -> bool:
    return any(_APPLYING.search(q) for q in KB.by_id[entry_id].nb.questions)


# --- the style functions themselves ---------------------------------------------------------------

def test_sentences_do_not_end_at_abbreviations_or_dates():
    text = "Fristen var 8. september 2023. Se Meld. St. 30 (2019–2020) og Postboks 8112 Dep., 0032 Oslo. Ja!"
    assert sentences(text) == ["Fristen var 8. september 2023.", "Se Meld. St. 30 (2019–2020) og Postboks 8112 Dep., "
                               "0032 Oslo.", "Ja!"]


def test_lix_is_words_per_sentence_plus_the_share_of_long_words():
    # 8 words in 2 sentences (4 per sentence), 2 of them over six letters (25 %).
    assert lix("Kommunen søker om forsøk. Departementet svarer dem raskt.") == pytest.approx(4 + 25)
    assert lix("") == 0.0


def test_long_sentences_are_those_over_the_limit():
    long = " ".join(["ord"] * (MAX_SENTENCE_WORDS + 1)) + "."
    assert long_sentences(f"Kort setning. {long.capitalize()}") == [long.capitalize()]


def test_self_references_and_nynorsk_slips_are_found():
    assert self_references("Kildene sier ikke dette, og det har vi ikke funnet.") == ["Kildene", "har vi ikke"]
    assert self_references("Dette er ikke omtalt på regjeringen.no.") == []
    assert nn_form_slips("Spør Kommunalavdelingen, som kan gje svar.") == [("Kommunalavdelingen", "Kommunalavdelinga"),
                                                                             ("gje", "gi")]


def test_the_word_list_names_one_form_for_each_pair():
    forms = nn_forms()
    assert {"kommunalavdelingen", "gje", "einskilde", "grunngjeving"} <= set(forms)
    assert not {use.casefold() for use in forms.values()} & set(forms), "a preferred form is also listed as avoided"


# --- the content ----------------------------------------------------------------------------------

@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_answers_say_what_is_published_not_what_we_found(entry_id):
    entry = KB.by_id[entry_id]
    assert {lang: self_references(entry.part(lang).answer) for lang in LANGS} == {"nb": [], "nn": []}


@pytest.mark.parametrize("page", KB.pages, ids=lambda p: p.path)
def test_pages_say_what_is_published_not_what_we_found(page):
    assert self_references(page.body) == []


@pytest.mark.parametrize("entry_id", sorted({e for e in ENTRY_IDS if _about_applying(e)} | _READ_AS_OPEN))
def test_answers_about_applying_say_the_2023_round_is_closed(entry_id):
    if entry_id in _NOT_ABOUT_THE_ROUND:
        pytest.skip(_NOT_ABOUT_THE_ROUND[entry_id])
    entry = KB.by_id[entry_id]
    for lang in LANGS:
        assert _CLOSED_ROUND.search(entry.part(lang).answer) is not None, (lang, entry.part(lang).answer)


def test_the_exceptions_to_the_closed_round_rule_are_still_questions_about_applying():
    assert [e for e in _NOT_ABOUT_THE_ROUND if e not in KB.by_id or not _about_applying(e)] == []


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_nynorsk_answers_use_the_house_forms(entry_id):
    assert nn_form_slips(KB.by_id[entry_id].nn.answer) == []


@pytest.mark.parametrize("page", NN_PAGES, ids=lambda p: p.path)
def test_nynorsk_pages_use_the_house_forms(page):
    assert nn_form_slips(page.body) == []


def test_no_phrasing_names_the_written_standard():
    questions = [q for e in KB.entries for lang in LANGS for q in e.part(lang).questions]
    named = [q for q in questions if re.search(r"\bnynorsk\b", q, re.IGNORECASE)]
    assert named == []


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_answers_are_plain_language(entry_id):
    entry = KB.by_id[entry_id]
    for lang in LANGS:
        answer = entry.part(lang).answer
        assert lix(answer) <= MAX_LIX, (lang, round(lix(answer), 1), answer)
        assert long_sentences(answer) == [], lang


def test_mean_lix_of_the_answers_is_at_most_40():
    scores = [lix(e.part(lang).answer) for e in KB.entries for lang in LANGS]
    assert fmean(scores) <= MAX_MEAN_LIX


# --- the as-of date ---------------------------------------------------------------------------------

def test_the_content_has_an_as_of_date_that_is_not_in_the_future():
    assert KB.meta.as_of is not None
    assert KB.meta.as_of <= dt.date.today()


@pytest.mark.parametrize("entry_id", TIME_AWARE)
def test_time_aware_answers_use_the_as_of_date(entry_id):
    raw = (ROOT / "faq" / f"{entry_id}.yaml").read_text(encoding="utf-8")
    assert raw.count("{as_of}") == 2, "one {as_of} in each målform"
    entry = KB.by_id[entry_id]
    for lang in LANGS:
        assert long_date(KB.meta.as_of) in entry.part(lang).answer
        assert _CLOSED_ROUND.search(entry.part(lang).answer)


def test_every_placeholder_is_filled():
    assert [e.id for e in KB.entries for lang in LANGS if "{" in e.part(lang).answer] == []


def _content_with(tmp_path: Path, answer: str, meta: str | None) -> Path:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "a.yaml").write_text(
        "id: a\nsource:\n  url: https://www.regjeringen.no/side/\n  title: Side\n"
        f"nb:\n  questions:\n    - Kan vi søke nå\n  answer: '{answer}'\n"
        f"nn:\n  questions:\n    - Kan vi søkje no\n  answer: Eit svar.\n", encoding="utf-8")
    if meta is not None:
        (tmp_path / "faq" / META_FILE).write_text(meta, encoding="utf-8")
    return tmp_path


def test_the_loader_fills_as_of_and_does_not_read_the_settings_as_an_entry(tmp_path):
    root = _content_with(tmp_path, "Sjekket {as_of}.", "as_of: 2026-03-05\nstale_after_days: 90\n")
    kb, problems = check_knowledge(root)
    assert problems == []
    assert [e.id for e in kb.entries] == ["a"]
    assert kb.by_id["a"].nb.answer == "Sjekket 5. mars 2026."
    assert (kb.meta.as_of, kb.meta.stale_after_days) == (dt.date(2026, 3, 5), 90)


def test_the_starters_and_small_talk_suggestions_are_entries_of_the_content():
    for ids in (KB.meta.starters, KB.meta.small_talk_suggestions):
        assert ids and set(ids) <= set(KB.by_id)
    first = KB.meta.starters[0]
    assert KB.starters("nn")[0] == {"id": first, "question": KB.by_id[first].nn.questions[0]}


@pytest.mark.parametrize(("answer", "meta", "field"), [
    ("Sjekket {as_of}.", None, "nb.answer"),                         # placeholder without a date
    ("Sjekket {i_dag}.", "as_of: 2026-03-05\n", "nb.answer"),         # unknown placeholder
    ("Et svar.", "as_of: snart\n", "as_of"),                          # not a date
    ("Et svar.", "as_of: 2026-03-05\nstale_after_days: 0\n", "stale_after_days"),
    ("Et svar.", "as_of: 2026-03-05\nowner: meg\n", ""),              # unknown setting
    ("Et svar.", "starters: [a, b]\n", "starters"),                   # an id that is no entry
    ("Et svar.", "small_talk_suggestions: a\n", "small_talk_suggestions"),  # not a list
])
def test_the_loader_reports_bad_settings_and_placeholders(tmp_path, answer, meta, field):
    _, problems = check_knowledge(_content_with(tmp_path, answer, meta))
    assert [p.field for p in problems] == [field]


# --- the reports: python -m assistant content --readability / --stale --------------------------------

def test_readability_report_lists_the_mean_the_hardest_answers_and_long_sentences(capsys):
    assert main(["--root", str(ROOT), "content", "--readability", "--top", "3"]) == 0
    out = capsys.readouterr().out
    mean = fmean(lix(e.part(lang).answer) for e in KB.entries for lang in LANGS)
    assert f"snitt {mean:.1f} (grense 40)" in out
    hardest = max((lix(e.part(lang).answer), e.id, lang) for e in KB.entries for lang in LANGS)
    assert f"{hardest[0]:5.1f}  {hardest[1]} ({hardest[2]})" in out
    assert len([line for line in out.splitlines() if re.match(r"^\s+\d+\.\d  \S+ \((nb|nn)\)$", line)]) == 3


def test_readability_report_quotes_every_long_sentence():
    long = "Dette er en setning med altfor mange ord, " * 4 + "og den slutter her."
    report = readability_report(measure([("a", "nb", long), ("b", "nn", "Kort svar.")]))
    assert "1 setninger over 25 ord" in report and f"a (nb, {len(long.split())} ord): {long}" in report


def test_stale_lists_entries_not_reviewed_within_the_days_never_reviewed_first(tmp_path, capsys):
    root = _content_with(tmp_path, "Et svar.", "as_of: 2026-03-05\nstale_after_days: 30\n")
    template = (root / "faq" / "a.yaml").read_text(encoding="utf-8")
    for eid, reviewed in (("b", "2026-01-01"), ("c", None), ("d", "2026-03-01")):
        text = template.replace("id: a", f"id: {eid}").replace(" nå", f" nå {eid}").replace(" no", f" no {eid}")
        (root / "faq" / f"{eid}.yaml").write_text(text + (f"reviewed: {reviewed}\n" if reviewed else ""), "utf-8")
    kb = load_knowledge(root)
    assert stale_entries(kb, date(2026, 3, 5), 30) == [("a", None), ("c", None), ("b", date(2026, 1, 1))]
    assert main(["--root", str(root), "content", "--stale", "--days", "100000"]) == 0
    assert capsys.readouterr().out.startswith("2 av 4 oppføringer")  # only a and c, never reviewed


def test_stale_warns_when_the_as_of_date_is_older_than_the_limit():
    kb = load_knowledge(ROOT)
    assert "as_of" not in stale_report(kb, kb.meta.as_of, 30)
    assert "as_of i faq/_meta.yaml" in stale_report(kb, kb.meta.as_of + dt.timedelta(days=31), 30)
