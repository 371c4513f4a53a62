"""The dashboard's figures, from the question log: per day, by målform, by time of day, by entry.

Days and office hours are in local time (``EDITOR_TIMEZONE``, Europe/Oslo). A question is *answered*
when the assistant gave an FAQ answer (not the fallback and not only small talk); the 👎 rate is the
share of the feedback given that said the answer did not help.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..database import Record
from ..knowledge import KnowledgeBase


@dataclass
class Day:
    """One local day's figures."""

    date: dt.date
    questions: int = 0
    answered: int = 0
    fallbacks: int = 0
    feedback: int = 0
    thumbs_down: int = 0

    @property
    def answered_rate(self) -> float | None:
        """Share of the day's questions that got an FAQ answer (None without questions)."""
        return self.answered / self.questions if self.questions else None

    @property
    def thumbs_down_rate(self) -> float | None:
        """Share of the day's feedback that was 👎 (None without feedback)."""
        return self.thumbs_down / self.feedback if self.feedback else None


@dataclass
class TopEntry:
    """An entry and how often it answered."""

    entry_id: str
    question: str
    count: int


@dataclass
class Stats:
    """The dashboard's figures for a period of local days."""

    days: list[Day]
    langs: Counter[str] = field(default_factory=Counter)
    outside_office_hours: int = 0
    top_entries: list[TopEntry] = field(default_factory=list)

    def total(self, name: str) -> int:
        """The sum of one daily figure (``questions``, ``answered``, ``fallbacks``, ``feedback``, ``thumbs_down``)."""
        return sum(getattr(day, name) for day in self.days)

    @property
    def questions(self) -> int:
        """Questions in the period."""
        return self.total("questions")

    def share(self, part: int, whole: int | None = None) -> float | None:
        """``part`` of ``whole`` (the period's questions by default); None when there is nothing to divide."""
        whole = self.questions if whole is None else whole
        return part / whole if whole else None


def answered(record: Record) -> bool:
    """Whether the assistant answered ``record`` from the FAQ."""
    return record.entry_id is not None and not record.fallback


def outside_office_hours(when: dt.datetime, hours: Sequence[int]) -> bool:
    """Whether local time ``when`` is on a weekend or outside ``[hours[0], hours[1])`` o'clock."""
    return when.weekday() >= 5 or not hours[0] <= when.hour < hours[1]


def compute(records: Iterable[Record], kb: KnowledgeBase, *, first: dt.date, last: dt.date, tz: dt.tzinfo,
            office_hours: Sequence[int] = (8, 16), top: int = 10) -> Stats:
    """The figures for the local days ``first`` to ``last`` (both included)."""
    days = {first + dt.timedelta(days=i): Day(first + dt.timedelta(days=i)) for i in range((last - first).days + 1)}
    stats = Stats(list(days.values()))
    entries: Counter[str] = Counter()
    for record in records:
        local = record.created_at.astimezone(tz)
        day = days.get(local.date())
        if day is None:
            continue
        day.questions += 1
        stats.langs[record.lang] += 1
        if answered(record):
            day.answered += 1
            entries[record.entry_id] += 1  # type: ignore[index]
        if record.fallback:
            day.fallbacks += 1
        if record.helpful is not None:
            day.feedback += 1
            day.thumbs_down += record.helpful is False
        stats.outside_office_hours += outside_office_hours(local, office_hours)
    stats.top_entries = [TopEntry(entry_id, kb.by_id[entry_id].nb.questions[0] if entry_id in kb.by_id else "",
                                  count) for entry_id, count in entries.most_common(top)]
    return stats
