"""The blind test set and its report: what a visitor gets, end to end, for questions nobody tuned on.

``eval/blind/*.yaml`` holds questions written by someone who never saw ``faq/`` or the development
set, labelled afterwards. Nothing is fitted, calibrated or chosen with it: each question goes through
:meth:`assistant.dialogue.Assistant.ask` as a visitor's first message, and the reply is graded as one
of four outcomes (:data:`OUTCOMES`):

* ``right``: answered (an entry, hedged or not, or a page passage) with a right answer;
* ``wrong``: answered with something else;
* ``offered``: not answered, but the right entry is the first suggestion (one click away);
* ``fallback``: neither.

An out-of-scope or junk question is graded ``wrong`` when it is answered, else ``fallback`` (the
right thing to do). In-scope questions that neither an entry nor a page answers are reported apart.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .knowledge import LANGS, KnowledgeBase, Problem, ValidationError, load_yaml
from .noise import add_noise
from .reply import Reply

OUTCOMES = ("right", "wrong", "offered", "fallback")
SCOPES = ("in", "out", "junk")
_REQUIRED = {"q", "lang", "scope", "expect"}
_KEYS = _REQUIRED | {"page", "style", "persona", "note", "relabel"}


@dataclass(frozen=True)
class BlindQuestion:
    """A labelled blind question: the entries that answer it and the page whose passage does."""

    q: str
    lang: str
    scope: str
    expect: tuple[str, ...] = ()
    page_url: str | None = None
    style: tuple[str, ...] = ()

    @property
    def covered(self) -> bool:
        """In scope and answered by an entry or a page passage."""
        return self.scope == "in" and bool(self.expect or self.page_url)


def load_blind(root: Path, entry_ids: set[str], page_urls: dict[str, str]) -> list[BlindQuestion]:
    """Load ``eval/blind/*.yaml`` under ``root`` (``page_urls``: page slug -> URL); raise on problems."""
    problems: list[Problem] = []
    questions: list[BlindQuestion] = []
    for path in sorted((root / "eval" / "blind").glob("*.yaml")):
        rel = str(path.relative_to(root))
        items = load_yaml(path.read_text(encoding="utf-8")) or []
        for i, item in enumerate(items if isinstance(items, list) else [None]):
            where = f"[{i}]"
            if not isinstance(item, dict) or not _REQUIRED <= set(item) or set(item) - _KEYS:
                problems.append(Problem(rel, where, "må ha feltene q, lang, scope, expect"))
                continue
            expect = tuple(str(e) for e in item["expect"] or ())
            problems += [Problem(rel, f"{where}.expect", f"ukjent id «{e}»") for e in expect if e not in entry_ids]
            page = item.get("page")
            if page is not None and page not in page_urls:
                problems.append(Problem(rel, f"{where}.page", f"ukjent side «{page}»"))
            if item["lang"] not in LANGS or item["scope"] not in SCOPES:
                problems.append(Problem(rel, where, "lang må være nb/nn og scope in/out/junk"))
            questions.append(BlindQuestion(str(item["q"]), item["lang"], item["scope"], expect,
                                           page_urls.get(page) if page else None, tuple(item.get("style") or ())))
    if problems:
        raise ValidationError(problems)
    return questions


def load_for(root: Path, kb: KnowledgeBase) -> list[BlindQuestion]:
    """:func:`load_blind` with the entry ids and page URLs of ``kb``."""
    return load_blind(root, set(kb.by_id), {p.slug: p.url for p in kb.pages})


def answered(reply: Reply) -> bool:
    """Whether ``reply`` answers (an entry or a passage), rather than falls back, asks or chats."""
    return not reply.fallback and (reply.id is not None or reply.intent == "passage")


def grade(question: BlindQuestion, reply: Reply) -> str:
    """The outcome (one of :data:`OUTCOMES`) of ``reply`` to ``question``."""
    if not answered(reply):
        first = reply.suggestions[0].id if reply.suggestions else None
        return "offered" if question.scope == "in" and first in question.expect else "fallback"
    if question.scope != "in":
        return "wrong"
    if reply.id is not None:
        return "right" if reply.id in question.expect else "wrong"
    return "right" if question.page_url and reply.source_url == question.page_url else "wrong"


@dataclass(frozen=True)
class Graded:
    """A blind question with the reply's outcome."""

    question: BlindQuestion
    outcome: str
    confidence: float
    ranked: tuple[str, ...] | None = None  # the ranker's entries, best first, threshold ignored (when asked for)


def run(questions: Sequence[BlindQuestion], ask: Callable[[str], Reply],
        rank: Callable[[str], Sequence[str]] | None = None) -> list[Graded]:
    """Ask every question as a first message and grade the replies; with ``rank``, also record the ranker's
    order of the entries for it (what the answer would be with no threshold and no dialogue)."""
    return [Graded(q, grade(q, reply := ask(q.q)), reply.confidence, tuple(rank(q.q)) if rank else None)
            for q in questions]


def _rate(hits: int, total: int) -> float:
    return hits / total if total else float("nan")


def blind_metrics(graded: Sequence[Graded]) -> dict[str, float]:
    """The four outcomes' shares for covered in-scope questions, and the false answers elsewhere."""
    covered = [g for g in graded if g.question.covered]
    uncovered = [g for g in graded if g.question.scope == "in" and not g.question.covered]
    oos = [g for g in graded if g.question.scope != "in"]
    junk = [g for g in graded if g.question.scope == "junk"]
    share = {o: _rate(sum(g.outcome == o for g in covered), len(covered)) for o in OUTCOMES}
    ranked = [g for g in covered if g.ranked is not None]
    if ranked:  # the ranker's ceiling: what no threshold or confidence model can raise "right" above
        share["ranked_first"] = _rate(sum(bool(g.ranked) and g.ranked[0] in g.question.expect for g in ranked),
                                      len(ranked))
        share["ranked_top3"] = _rate(sum(any(i in g.question.expect for i in g.ranked[:3]) for g in ranked),
                                     len(ranked))
    return {
        "n_in_scope": len(covered),
        "n_out_of_scope": len(oos),
        **share,
        "right_or_offered": share["right"] + share["offered"],
        "oos_false_answer_rate": _rate(sum(g.outcome == "wrong" for g in oos), len(oos)),
        "junk_answered": float(sum(g.outcome == "wrong" for g in junk)),
        "uncovered_answered": float(sum(g.outcome == "wrong" for g in uncovered)),
    }


def split_blind(graded: Sequence[Graded]) -> dict[str, dict[str, float]]:
    """:func:`blind_metrics` for all questions, per målform and for some of the authors' styles."""
    groups = {"alle": list(graded)}
    groups.update({lang: [g for g in graded if g.question.lang == lang] for lang in LANGS})
    for style, label in (("typo", "skrivefeil"), ("dialect", "dialekt"), ("short", "korte")):
        groups[label] = [g for g in graded if style in g.question.style]
    return {name: blind_metrics(group) for name, group in groups.items()}


def noise_curve(questions: Sequence[BlindQuestion], ask: Callable[[str], Reply],
                rates: Sequence[int] = (0, 1, 2, 3), seed: int = 2026) -> dict[int, float]:
    """Right-answer share of the covered questions with ``rate`` typos each (chat style: lower case,
    no punctuation, æøå folded half the time)."""
    covered = [q for q in questions if q.covered]
    curve = {}
    for rate in rates:
        rng = random.Random(seed + rate)
        noisy = [BlindQuestion(add_noise(q.q, rate, rng), q.lang, q.scope, q.expect, q.page_url, q.style)
                 for q in covered]
        curve[rate] = blind_metrics(run(noisy, ask))["right"]
    return curve


_ROWS = [
    ("right", "Besvart riktig"),
    ("wrong", "Besvart feil"),
    ("offered", "Riktig tilbudt først"),
    ("fallback", "Reserve (vet ikke)"),
    ("right_or_offered", "Riktig besvart/tilbudt"),
    ("oos_false_answer_rate", "Falske svar utenfor tema"),
    ("junk_answered", "Søppel besvart (antall)"),
    ("uncovered_answered", "Udekkede besvart (antall)"),
    ("ranked_first", "Rangert først (uten terskel)"),
    ("ranked_top3", "Blant tre første rangerte"),
]


def format_blind(split: dict[str, dict[str, float]]) -> str:
    """A plain-text table of :func:`split_blind`."""
    names = list(split)
    head = f"{'Mål':<28}" + "".join(f"{n:>11}" for n in names)
    lines = [head, "-" * len(head), f"{'Spørsmål (i tema/utenfor)':<28}" + "".join(
        f"{int(split[n]['n_in_scope']):>6}/{int(split[n]['n_out_of_scope']):<4}" for n in names)]
    for key, label in (row for row in _ROWS if row[0] in split[names[0]]):
        fmt = "{:>11.0f}" if key.endswith("answered") else "{:>11.3f}"
        lines.append(f"{label:<28}" + "".join(fmt.format(split[n][key]) for n in names))
    return "\n".join(lines)
