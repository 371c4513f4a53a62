"""The development set and the evaluation report.

The development set (``eval/devset/*.yaml``) holds questions written as visitors write them,
each labelled with the entry that should answer it or ``none``. Calibration is fitted on it, so
the report is cross-validated: every question is graded by a model fitted on the other folds.

Most files were written by the team that wrote the FAQ's phrasings (group ``teamet``); the files whose
names start with :data:`VISITOR_PREFIX` were written by authors who had read only ``corpus/`` and the fact
base, as visitors write (group ``besøkende``). The report shows both, since the first flatters the ranker.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from .calibration import Calibration, Example, answers, fit_calibration
from .knowledge import LANGS, Problem, ValidationError, load_yaml
from .retrieval import Candidate

_KEYS = {"q", "expect", "lang", "typo", "also"}
#: The development files written by authors who never saw ``faq/`` start so (see the module docstring).
VISITOR_PREFIX = "visitors"


@dataclass(frozen=True)
class DevQuestion:
    """A labelled development question: the entry that answers it (None: out of scope) and, in ``also``,
    other entries whose answers answer it just as well (a second reading, so that a right answer is not
    graded or learnt as wrong)."""

    q: str
    expect: str | None
    lang: str
    typo: bool = False
    visitor: bool = False  # from a file whose name starts with :data:`VISITOR_PREFIX`
    also: tuple[str, ...] = ()

    def accepts(self, entry_id: str) -> bool:
        """Whether ``entry_id`` answers this question."""
        return answers(entry_id, self.expect, self.also)

    def example(self, candidates: list[Candidate], passage: float = 0.0) -> Example:
        """This question's labels with its retrieval ``candidates`` and best ``passage`` score, to calibrate on."""
        return Example(candidates, self.expect, passage, self.also)

    def rank_of_right(self, ranked: Sequence[str]) -> int | None:
        """The 1-based position of the first entry in ``ranked`` that answers this question (None: none does)."""
        return next((i for i, entry_id in enumerate(ranked, 1) if self.accepts(entry_id)), None)


@dataclass(frozen=True)
class Prediction:
    """How one development question fared."""

    question: DevQuestion
    ranked: tuple[str, ...]
    confidence: float
    threshold: float
    lang: str = ""

    @property
    def answered(self) -> bool:
        """Whether the assistant would answer (outright or hedged) rather than fall back."""
        return self.confidence >= self.threshold

    @property
    def correct(self) -> bool:
        """Whether the top-ranked entry is the expected one."""
        return bool(self.ranked) and self.question.accepts(self.ranked[0])


def load_devset(root: Path, entry_ids: set[str]) -> list[DevQuestion]:
    """Load every ``eval/devset/*.yaml`` under ``root``; raise :class:`ValidationError` on problems."""
    problems: list[Problem] = []
    questions: list[DevQuestion] = []
    for path in sorted((root / "eval" / "devset").glob("*.yaml")):
        rel = str(path.relative_to(root))
        try:
            items = load_yaml(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            problems.append(Problem(rel, "", f"kan ikke leses som YAML: {exc}".splitlines()[0]))
            continue
        if not isinstance(items, list):
            problems.append(Problem(rel, "", "filen må være en liste"))
            continue
        for i, item in enumerate(items):
            where = f"[{i}]"
            if not isinstance(item, dict) or set(item) - _KEYS or not {"q", "expect", "lang"} <= set(item):
                problems.append(Problem(rel, where, "må ha feltene q, expect, lang (og valgfritt typo, also)"))
                continue
            expect = None if item["expect"] in (None, "none") else str(item["expect"])
            if expect is not None and expect not in entry_ids:
                problems.append(Problem(rel, f"{where}.expect", f"ukjent id «{expect}»"))
            also = item.get("also") or []
            if not isinstance(also, list) or (also and expect is None):
                problems.append(Problem(rel, f"{where}.also", "må være en liste av id-er, og bare når expect er en id"))
                also = []
            problems += [Problem(rel, f"{where}.also", f"ukjent id «{a}»") for a in also if a not in entry_ids]
            if item["lang"] not in LANGS:
                problems.append(Problem(rel, f"{where}.lang", "må være nb eller nn"))
            if not str(item["q"]).strip():
                problems.append(Problem(rel, f"{where}.q", "tomt spørsmål"))
            questions.append(DevQuestion(str(item["q"]), expect, item["lang"], bool(item.get("typo", False)),
                                         path.name.startswith(VISITOR_PREFIX), tuple(str(a) for a in also)))
    if problems:
        raise ValidationError(problems)
    return questions


def folds(n: int, k: int, seed: int = 13) -> list[list[int]]:
    """Split ``range(n)`` into ``k`` shuffled folds of near-equal size."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def predict(calibration: Calibration, example: Example, question: DevQuestion, lang: str = "") -> Prediction:
    """Rank one example's candidates with ``calibration`` and record the outcome."""
    ranked = calibration.rank(example.candidates)
    return Prediction(question, tuple(c.id for c in ranked), calibration.confidence(ranked),
                      calibration.hedge_threshold, lang)


def cross_validate(questions: Sequence[DevQuestion], examples: Sequence[Example], k: int = 5,
                   max_oos_rate: float = 0.03,
                   fit: Callable[[list[Example], float], Calibration] = fit_calibration) -> list[Prediction]:
    """Grade every question with a calibration fitted on the other ``k - 1`` folds."""
    predictions: list[Prediction | None] = [None] * len(questions)
    for held_out in folds(len(questions), k):
        held = set(held_out)
        calibration = fit([examples[i] for i in range(len(examples)) if i not in held], max_oos_rate)
        for i in held_out:
            predictions[i] = predict(calibration, examples[i], questions[i])
    return [p for p in predictions if p is not None]


def metrics(predictions: Sequence[Prediction]) -> dict[str, float]:
    """Top-1, recall@3, MRR, answered rate, precision and out-of-scope false-answer rate."""
    inscope = [p for p in predictions if p.question.expect is not None]
    oos = [p for p in predictions if p.question.expect is None]
    answered = [p for p in predictions if p.answered]

    def rate(hits: int, total: int) -> float:
        return hits / total if total else float("nan")

    def reciprocal_rank(p: Prediction) -> float:
        rank = p.question.rank_of_right(p.ranked)
        return 1.0 / rank if rank else 0.0

    return {
        "n": len(predictions),
        "n_in_scope": len(inscope),
        "n_out_of_scope": len(oos),
        "top1": rate(sum(p.correct for p in inscope), len(inscope)),
        "recall_at_3": rate(sum(p.question.rank_of_right(p.ranked[:3]) is not None for p in inscope), len(inscope)),
        "mrr": rate(sum(reciprocal_rank(p) for p in inscope), len(inscope)) if inscope else float("nan"),
        "answered_rate": rate(sum(p.answered for p in inscope), len(inscope)),
        "precision": rate(sum(p.correct for p in answered), len(answered)),
        "oos_false_answer_rate": rate(sum(p.answered for p in oos), len(oos)),
    }


def split_metrics(predictions: Sequence[Prediction]) -> dict[str, dict[str, float]]:
    """:func:`metrics` for all questions, per målform, for the typo subset and per author group (``teamet``,
    ``besøkende``; a group without questions is left out)."""
    groups = {
        "alle": list(predictions),
        "nb": [p for p in predictions if p.question.lang == "nb"],
        "nn": [p for p in predictions if p.question.lang == "nn"],
        "skrivefeil": [p for p in predictions if p.question.typo],
        "teamet": [p for p in predictions if not p.question.visitor],
        "besøkende": [p for p in predictions if p.question.visitor],
    }
    return {name: metrics(group) for name, group in groups.items() if group or name == "alle"}


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values`` by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


_ROWS = [
    ("top1", "Topp-1-treff"),
    ("recall_at_3", "Treff blant tre beste"),
    ("mrr", "MRR"),
    ("answered_rate", "Andel besvart (i tema)"),
    ("precision", "Presisjon ved terskel"),
    ("oos_false_answer_rate", "Falske svar utenfor tema"),
]


def format_report(split: dict[str, dict[str, float]], extra: dict[str, str] | None = None) -> str:
    """A plain-text table of :func:`split_metrics` plus extra lines (timings, målform accuracy)."""
    names = list(split)
    head = f"{'Mål':<28}" + "".join(f"{n:>12}" for n in names)
    lines = [head, "-" * len(head)]
    lines.append(f"{'Spørsmål (i tema/utenfor)':<28}" + "".join(
        f"{int(split[n]['n_in_scope']):>7}/{int(split[n]['n_out_of_scope']):<4}" for n in names))
    for key, label in _ROWS:
        lines.append(f"{label:<28}" + "".join(f"{split[n][key]:>12.3f}" for n in names))
    for label, value in (extra or {}).items():
        lines.append(f"{label:<28}{value:>12}")
    return "\n".join(lines)
