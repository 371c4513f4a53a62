"""Content rules for faq/, corpus/ and the development set (issue 3); the rules are assistant/rules.py."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant import rules
from assistant.evaluation import load_devset
from assistant.knowledge import LANGS, load_knowledge
from assistant.text import normalize, tokenize

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT.parent / "shared" / "facts" / "forsoksordningen.md"
KB = load_knowledge(ROOT)
DEVSET = load_devset(ROOT, set(KB.by_id))
ENTRY_IDS = [e.id for e in KB.entries]


def test_there_are_enough_entries():
    assert len(KB.entries) >= 70


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_entry_meets_the_content_rules(entry_id):
    assert [str(p) for p in rules.entry_problems(KB.by_id[entry_id], KB)] == []


@pytest.mark.parametrize("page", KB.pages, ids=lambda p: p.path)
def test_page_bodies_are_in_their_own_written_standard(page):
    assert [str(p) for p in rules.page_problems(page)] == []


def test_the_whole_content_meets_the_rules_and_every_page_is_in_both_malformer():
    assert [str(p) for p in rules.content_problems(KB)] == []
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
