"""Content rules for faq/, corpus/ and the development set (issue 3)."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant.evaluation import load_devset
from assistant.knowledge import LANGS, load_knowledge, long_date
from assistant.malform import marker_counts
from assistant.text import normalize, tokenize

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT.parent / "shared" / "facts" / "forsoksordningen.md"
KB = load_knowledge(ROOT)
DEVSET = load_devset(ROOT, set(KB.by_id))
ENTRY_IDS = [e.id for e in KB.entries]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«])")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")


def other(lang: str) -> int:
    return 1 if lang == "nb" else 0


def wrong_standard_words(text: str, lang: str) -> list[str]:
    """Words of the other written standard in ``text``."""
    from assistant.malform import NB_ONLY, NN_ONLY

    banned = NB_ONLY if lang == "nn" else NN_ONLY
    return [t for t in tokenize(normalize(text)) if t in banned]


def test_there_are_enough_entries():
    assert len(KB.entries) >= 70


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_entry_texts_are_in_their_own_written_standard(entry_id):
    entry = KB.by_id[entry_id]
    for lang in LANGS:
        part = entry.part(lang)
        for text in (*part.questions, part.answer):
            assert marker_counts(text)[other(lang)] == 0, (lang, text, wrong_standard_words(text, lang))


@pytest.mark.parametrize("page", KB.pages, ids=lambda p: p.path)
def test_page_bodies_are_in_their_own_written_standard(page):
    assert wrong_standard_words(page.body, page.lang) == []


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_entry_has_varied_phrasings_and_a_short_answer(entry_id):
    entry = KB.by_id[entry_id]
    for lang in LANGS:
        part = entry.part(lang)
        assert len({normalize(q) for q in part.questions}) >= 6, lang
        assert any(not re.search("[æøåÆØÅ]", q) for q in part.questions), lang
        sentences = _SENTENCE_END.split(part.answer)
        assert 1 <= len(sentences) <= 4, (lang, sentences)
        assert "http" not in part.answer


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_source_is_a_corpus_page_whose_text_holds_every_number_of_the_answer(entry_id):
    entry = KB.by_id[entry_id]
    pages = {(p.url, p.lang): p for p in KB.pages}
    for lang in LANGS:
        page = pages.get((entry.source.url, lang))
        assert page is not None, f"{entry.source.url} ({lang}) er ikke en side i corpus/"
        assert entry.source.title == page.title
        text = page.body
        # The as-of date ({as_of}) says when the answer was checked; it is not a fact from the page.
        answer = entry.part(lang).answer
        if KB.meta.as_of:
            answer = answer.replace(long_date(KB.meta.as_of), "")
        missing = [n for n in _NUMBER.findall(answer) if n not in text]
        assert missing == [], (lang, missing)


def test_related_ids_exist_and_are_distinct():
    for entry in KB.entries:
        assert len(set(entry.related)) == len(entry.related)


def test_every_fact_base_page_has_a_corpus_document_in_both_malformer():
    by_url = Counter(p.url for p in KB.pages)
    assert len(by_url) >= 13
    assert all(count == 2 for count in by_url.values()), by_url


EDITOR_DEVSET = ROOT / "eval" / "devset" / "editor.yaml"
EDITOR_QUESTIONS = ({str(item["q"]) for item in yaml.safe_load(EDITOR_DEVSET.read_text(encoding="utf-8")) or []}
                    if EDITOR_DEVSET.is_file() else set())


def test_development_set_covers_every_entry_and_enough_out_of_scope():
    counts = Counter(q.expect for q in DEVSET)
    # Entries an editor made from visitors' questions have the questions that prompted them (editor.yaml).
    from_editors = {q.expect for q in DEVSET if q.q in EDITOR_QUESTIONS}
    short = [e for e in ENTRY_IDS if counts[e] < 3 and e not in from_editors]
    assert short == []
    assert counts[None] >= 60
    assert sum(q.lang == "nn" for q in DEVSET) / len(DEVSET) >= 0.40
    assert sum(q.typo for q in DEVSET) / len(DEVSET) >= 0.20


def test_development_questions_are_not_copies_of_entry_phrasings():
    phrasings = {normalize(q).rstrip("?!. ") for e in KB.entries for lang in LANGS for q in e.part(lang).questions}
    # A visitor's question an editor published as a phrasing is kept in editor.yaml on purpose, as a regression check.
    copies = [q.q for q in DEVSET if normalize(q.q).rstrip("?!. ") in phrasings and q.q not in EDITOR_QUESTIONS]
    assert copies == []


@pytest.mark.skipif(not FACTS.is_file(), reason="the fact base ../shared/facts is not beside this checkout")
def test_no_text_copies_a_run_of_ten_words_from_the_fact_base():
    def shingles(text: str, n: int = 10) -> set[tuple[str, ...]]:
        # Names (capitalised words), numbers and addresses are facts, not wording: leave them out.
        text = re.sub(r"https?://\S+", " ", text)
        words = [w.casefold() for w in tokenize(text) if not w[0].isupper() and not w[0].isdigit()]
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}

    facts = shingles(FACTS.read_text(encoding="utf-8"))
    texts = [(f"{e.path} {lang}", e.part(lang).answer) for e in KB.entries for lang in LANGS]
    texts += [(p.path, p.body) for p in KB.pages]
    copied = [(name, " ".join(sorted(shingles(t) & facts)[0])) for name, t in texts if shingles(t) & facts]
    assert copied == []
