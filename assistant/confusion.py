"""Which FAQ entries the assistant mixes up, measured on the FAQ's own phrasings.

Every phrasing is held out once (``k`` folds): the retriever is refitted without that fold's
phrasings and each held-out phrasing is ranked with the index's calibration. A phrasing that lands
on another entry shows editors where two entries read alike: sharpen the phrasings, merge the
entries, or make the answers tell the difference. The development set is not used, so the report
can guide content work without tuning to the questions that grade it.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from .calibration import Calibration
from .index import Progress, Settings
from .knowledge import KnowledgeBase, Phrasing


@dataclass(frozen=True)
class Confusion:
    """Held-out phrasings of ``expected`` that were ranked ``got`` first."""

    expected: str
    got: str
    phrasings: tuple[Phrasing, ...]


@dataclass(frozen=True)
class ConfusionReport:
    """How the held-out phrasings fared: per entry, and the confusions, most frequent first."""

    graded: int
    right: int
    per_entry: dict[str, tuple[int, int]]
    confusions: tuple[Confusion, ...]

    @property
    def accuracy(self) -> float:
        """The share of held-out phrasings ranked on their own entry first."""
        return self.right / self.graded if self.graded else float("nan")


def without(kb: KnowledgeBase, held: set[Phrasing]) -> KnowledgeBase:
    """``kb`` with the ``held`` phrasings left out (pages and answers unchanged)."""
    def kept(entry_id: str, lang: str, questions: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(q for q in questions if Phrasing(entry_id, lang, q) not in held)

    entries = tuple(replace(e, nb=replace(e.nb, questions=kept(e.id, "nb", e.nb.questions)),
                            nn=replace(e.nn, questions=kept(e.id, "nn", e.nn.questions))) for e in kb.entries)
    return KnowledgeBase(entries, kb.pages, kb.meta)


def stratified_folds(items: list[Phrasing], k: int, seed: int = 13) -> list[set[Phrasing]]:
    """``k`` folds, each entry's phrasings dealt round them in shuffled order.

    No fold takes more than its share of one entry, so every entry keeps phrasings to be found by
    (an entry with at least two phrasings, ``k`` >= 2).
    """
    parts: list[set[Phrasing]] = [set() for _ in range(k)]
    by_entry: defaultdict[str, list[Phrasing]] = defaultdict(list)
    for item in items:
        by_entry[item.entry_id].append(item)
    rng = random.Random(seed)
    for entry_items in by_entry.values():
        rng.shuffle(entry_items)
        offset = rng.randrange(k)
        for j, item in enumerate(entry_items):
            parts[(offset + j) % k].add(item)
    return parts


def held_out_confusions(kb: KnowledgeBase, calibration: Calibration, settings: Settings | None = None,
                        k: int = 5, progress: Progress | None = None) -> ConfusionReport:
    """Rank every phrasing with a retriever fitted without it; count where each one lands."""
    settings = settings or Settings()
    every = list(kb.phrasings)
    landed: dict[Phrasing, str | None] = {}
    parts = stratified_folds(every, k)
    for n, held in enumerate(parts, 1):
        retriever = settings.retriever().fit(without(kb, held))
        for phrasing in held:
            ranked = calibration.rank(retriever.candidates(phrasing.text)[0])
            landed[phrasing] = ranked[0].id if ranked else None
        if progress:
            progress("Formuleringer holdt ut", n, len(parts))
    totals: Counter[str] = Counter(p.entry_id for p in every)
    right: Counter[str] = Counter(p.entry_id for p in every if landed[p] == p.entry_id)
    wrong: defaultdict[tuple[str, str], list[Phrasing]] = defaultdict(list)
    for p in every:
        if landed[p] != p.entry_id:
            wrong[(p.entry_id, landed[p] or "")].append(p)
    confusions = sorted((Confusion(exp, got, tuple(ps)) for (exp, got), ps in wrong.items()),
                        key=lambda c: (-len(c.phrasings), c.expected, c.got))
    return ConfusionReport(len(every), sum(right.values()),
                           {e.id: (right[e.id], totals[e.id]) for e in kb.entries}, tuple(confusions))


def format_confusions(report: ConfusionReport, top: int = 15) -> str:
    """The report for a person: the overall figure, the most frequent confusions and the weakest entries."""
    lines = [f"Formuleringer holdt ut: {report.graded}; rangert på egen oppføring først: {report.right} "
             f"({report.accuracy:.3f})", "", "Oftest forvekslet (forventet -> fikk, antall, eksempel):"]
    for c in report.confusions[:top]:
        example = c.phrasings[0]
        lines.append(f"  {c.expected} -> {c.got or '(ingen)'}  {len(c.phrasings)}  «{example.text}» ({example.lang})")
    if not report.confusions:
        lines.append("  ingen")
    weakest = sorted(((right / total, eid, right, total) for eid, (right, total) in report.per_entry.items()
                      if total and right < total))[:top]
    lines += ["", "Svakeste oppføringer (riktige av holdt ut):"]
    lines += [f"  {eid}  {right}/{total}" for _, eid, right, total in weakest] or ["  ingen"]
    return "\n".join(lines)
