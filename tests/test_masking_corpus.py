"""Recall and false positives of the masking on realistic visitor questions (``tests/data/masking_corpus.yaml``).

The corpus holds questions with personal data, each with the exact substrings that must be masked, and clean
questions that must stay byte for byte as they are. Measured here:

- recall: the share of personal-data substrings (every occurrence) that lie wholly inside masked text;
- stray masks: masked stretches of a personal question that touch none of its listed substrings;
- false positives: the share of clean questions the masking changes at all; the FAQ phrasings and the
  development and blind sets' questions (written without personal data) must stay unchanged too.

The figures are printed: ``python -m pytest tests/test_masking_corpus.py -q -s``. :func:`measure` takes any
masking function, so the figures of an older version can be computed the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from assistant.masking import mask

ROOT = Path(__file__).resolve().parent.parent
CORPUS = yaml.safe_load((ROOT / "tests" / "data" / "masking_corpus.yaml").read_text(encoding="utf-8"))
#: Any masking token, also the fewer kinds of older versions.
TOKEN = re.compile(r"«\[[^«»\[\]]+\]»")


def repository_questions() -> list[str]:
    """The FAQ phrasings and the development and blind sets' questions (no personal data in them)."""
    questions = []
    for path in sorted((ROOT / "faq").glob("[!_]*.yaml")):  # faq/_meta.yaml holds settings, not an entry
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        questions += [q for lang in ("nb", "nn") for q in data[lang]["questions"]]
    for path in sorted((ROOT / "eval").rglob("*.yaml")):  # the development and blind sets
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        questions += [item["q"] for item in data if "q" in item] if isinstance(data, list) else []
    return questions


def masked_stretches(original: str, masked: str) -> list[tuple[int, int]]:
    """Where in ``original`` the masking put its tokens: the text between them must be unchanged."""
    parts = TOKEN.split(masked)
    pattern = "(.+?)".join(re.escape(part) for part in parts)
    found = re.fullmatch(pattern, original, flags=re.DOTALL)
    if found is None:
        raise AssertionError(f"the masking changed text outside its tokens: {original!r} -> {masked!r}")
    return [found.span(group) for group in range(1, len(parts))]


def occurrences(text: str, part: str) -> list[tuple[int, int]]:
    """Every (start, end) of ``part`` in ``text``."""
    return [(m.start(), m.start() + len(part)) for m in re.finditer(re.escape(part), text)]


@dataclass
class Figures:
    """What :func:`measure` counted."""

    spans: Counter = field(default_factory=Counter)
    removed: Counter = field(default_factory=Counter)
    missed: list[tuple[str, str, str]] = field(default_factory=list)
    stray: list[tuple[str, str]] = field(default_factory=list)
    questions: int = 0
    clean: int = 0
    changed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of personal-data substrings masked."""
        return sum(self.removed.values()) / max(1, sum(self.spans.values()))

    @property
    def false_positive_rate(self) -> float:
        """Share of clean questions changed."""
        return len(self.changed) / self.clean

    def report(self) -> str:
        """The figures for people, one kind per line."""
        lines = [f"recall {self.recall:.3f} ({sum(self.removed.values())}/{sum(self.spans.values())} substrings, "
                 f"{self.questions} questions); stray masks {len(self.stray)}; false positives "
                 f"{self.false_positive_rate:.3f} ({len(self.changed)}/{self.clean} clean questions)"]
        lines += [f"  {kind:<9} {self.removed[kind]:>3}/{self.spans[kind]:<3}" for kind in sorted(self.spans)]
        lines += [f"  missed {kind}: {part!r} in {q!r}" for kind, part, q in self.missed]
        lines += [f"  stray: {part!r} in {q!r}" for part, q in self.stray]
        lines += [f"  changed: {q!r} -> {m!r}" for q, m in self.changed]
        return "\n".join(lines)


def measure(mask_text: Callable[[str], str], personal: list[dict], clean: list[str]) -> Figures:
    """Recall and stray masks of ``mask_text`` on the ``personal`` items, false positives on ``clean``."""
    figures = Figures()
    for item in personal:
        q = item["q"]
        figures.questions += 1
        stretches = masked_stretches(q, mask_text(q))
        wanted = []
        for (kind, part), in (pii.items() for pii in item["pii"]):
            for start, end in occurrences(q, part):
                wanted.append((start, end))
                figures.spans[kind] += 1
                inside = {i for a, b in stretches for i in range(a, b)}
                if all(i in inside for i in range(start, end) if not q[i].isspace()):
                    figures.removed[kind] += 1
                else:
                    figures.missed.append((kind, part, q))
        figures.stray += [(q[a:b], q) for a, b in stretches if not any(a < e and s < b for s, e in wanted)]
    for q in clean:
        figures.clean += 1
        masked = mask_text(q)
        if masked != q:
            figures.changed.append((q, masked))
    return figures


@pytest.fixture(scope="module")
def figures() -> Figures:
    result = measure(mask, CORPUS["personal"], CORPUS["clean"])
    print("\nMasking corpus:", result.report())
    return result


def test_faq_phrasings_and_development_and_blind_questions_stay_byte_identical():
    result = measure(mask, [], repository_questions())
    print(f"\nFAQ phrasings, development and blind sets: {len(result.changed)} of {result.clean} changed")
    assert result.changed == [], result.changed


def test_the_corpus_is_large_and_consistent():
    personal, clean = CORPUS["personal"], CORPUS["clean"]
    assert len(personal) >= 200 and len(clean) >= 100
    kinds = Counter(kind for item in personal for pii in item["pii"] for kind in pii)
    assert set(kinds) == {"fnr", "dnr", "telefon", "navn", "adresse", "postboks", "poststed", "eiendom", "epost",
                          "iban", "konto"}
    for item in personal:
        for (kind, part), in (pii.items() for pii in item["pii"]):
            assert part in item["q"], (kind, part)
    assert len(set(clean)) == len(clean) and len({item["q"] for item in personal}) == len(personal)
    assert len(repository_questions()) > 500


def test_recall_on_personal_data_is_at_least_99_percent(figures):
    assert figures.recall >= 0.99, figures.report()


def test_personal_questions_are_masked_only_where_the_personal_data_is(figures):
    assert figures.stray == [], figures.report()


def test_clean_questions_stay_byte_identical(figures):
    assert figures.changed == [], figures.report()


def test_the_measure_counts_partial_masks_stray_masks_and_changed_clean_text():
    personal = [{"q": "Hilsen Kari Nordmann", "pii": [{"navn": "Kari Nordmann"}]},
                {"q": "Ring 922 44 555 i dag", "pii": [{"telefon": "922 44 555"}]}]

    def sloppy(text: str) -> str:
        return text.replace("Kari", "«[navn]»").replace("922 44 555 i dag", "«[telefon]» i «[x]»").replace("§", "«[x]»")

    result = measure(sloppy, personal, ["Hva sier § 3?", "Hei"])
    assert (sum(result.spans.values()), sum(result.removed.values()), result.recall) == (2, 1, 0.5)
    assert result.missed == [("navn", "Kari Nordmann", "Hilsen Kari Nordmann")]
    assert result.stray == [("dag", "Ring 922 44 555 i dag")]
    assert result.false_positive_rate == 0.5
    with pytest.raises(AssertionError):
        masked_stretches("Hei Kari!", "Hei «[navn]».")  # "!" changed outside the token
