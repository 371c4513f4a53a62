import math
from collections import Counter
from dataclasses import replace

from assistant.confusion import format_confusions, held_out_confusions, stratified_folds, without
from assistant.knowledge import KnowledgeBase


def small(index, n: int = 12) -> KnowledgeBase:
    return KnowledgeBase(index.kb.entries[:n], index.kb.pages)


def test_stratified_folds_hold_every_phrasing_once_and_spread_each_entry(index):
    items = list(index.kb.phrasings)
    parts = stratified_folds(items, 5)
    assert sum(len(p) for p in parts) == len(items) and set().union(*parts) == set(items)
    per_entry = Counter(p.entry_id for p in items)
    for part in parts:
        for entry_id, n in Counter(p.entry_id for p in part).items():
            assert n <= math.ceil(per_entry[entry_id] / 5)


def test_without_leaves_out_just_the_held_phrasings(index):
    kb = small(index, 3)
    held = set(kb.phrasings[::4])
    rest = without(kb, held)
    assert set(rest.phrasings) == set(kb.phrasings) - held
    assert [e.nb.answer for e in rest.entries] == [e.nb.answer for e in kb.entries] and rest.pages == kb.pages


def test_every_phrasing_is_graded_once_by_a_retriever_that_never_saw_it(index):
    # A twin of the first entry, asked the same ways: their held-out phrasings must land on each other.
    first = index.kb.entries[0]
    kb = KnowledgeBase((*index.kb.entries[:8], replace(first, id="tvilling")), index.kb.pages)
    report = held_out_confusions(kb, index.calibration, k=3)
    assert report.graded == len(kb.phrasings) == sum(total for _, total in report.per_entry.values())
    assert report.right + sum(len(c.phrasings) for c in report.confusions) == report.graded
    assert report.right == sum(right for right, _ in report.per_entry.values())
    assert 0.5 < report.accuracy < 1.0
    twins = {(c.expected, c.got) for c in report.confusions}
    assert (first.id, "tvilling") in twins or ("tvilling", first.id) in twins
    sizes = [len(c.phrasings) for c in report.confusions]
    assert sizes == sorted(sizes, reverse=True)
    assert all(p.entry_id == c.expected != c.got for c in report.confusions for p in c.phrasings)
    text = format_confusions(report, top=3)
    top = report.confusions[0]
    assert f"{top.expected} -> {top.got}" in text and f"({report.accuracy:.3f})" in text
