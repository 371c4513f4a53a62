"""The FAQ as data for others: the public export (``python -m assistant export``, the editor's CSV download)
and the content table (``python -m assistant content``, the README's table).

The export has one row per entry and målform with the fields :data:`EXPORT_FIELDS`, as JSON lines or as CSV
that opens cleanly in Excel; every CSV cell passes through :func:`assistant.sanitize.spreadsheet_cell` (no live
formulas). Only plain modules are imported here, so the CLI and the editor can both use it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .knowledge import LANGS, KnowledgeBase
from .sanitize import spreadsheet_cell

EXPORT_FIELDS = ("id", "lang", "questions", "answer", "source_url", "source_title")


def export_rows(kb: KnowledgeBase) -> Iterable[dict[str, object]]:
    """One row per entry and målform, in the public export format."""
    for entry in kb.entries:
        for lang in LANGS:
            part = entry.part(lang)
            yield {"id": entry.id, "lang": lang, "questions": list(part.questions), "answer": part.answer,
                   "source_url": entry.source.url, "source_title": entry.source.title}


def write_csv(rows: Iterable[dict[str, object]], out: io.TextIOBase) -> None:
    """Write rows as CSV that opens cleanly in Excel: UTF-8 with BOM, semicolons, questions joined by ' | '.

    Every cell is made safe for a spreadsheet (:func:`assistant.sanitize.spreadsheet_cell`: no live formulas).
    """
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        row = {**row, "questions": " | ".join(row["questions"])}  # type: ignore[arg-type]
        writer.writerow({key: spreadsheet_cell(value) for key, value in row.items()})


def content_table(kb: KnowledgeBase) -> str:
    """The content per source page as a Markdown table: entries, phrasings and passages per målform.

    Pages with the most entries come first; the README's table is this output.
    """
    rows = []
    for page in (p for p in kb.pages if p.lang == "nb"):
        entries = [e for e in kb.entries if e.source.url == page.url]
        counts = [len(entries), *(sum(len(e.part(lang).questions) for e in entries) for lang in LANGS),
                  *(sum(len(p.passages) for p in kb.pages if p.url == page.url and p.lang == lang) for lang in LANGS)]
        rows.append((page.title, counts))
    rows.sort(key=lambda row: (-row[1][0], row[0]))
    totals = [sum(counts[i] for _, counts in rows) for i in range(5)]
    lines = ["| Source page (corpus/) | FAQ entries | Phrasings nb | Phrasings nn | Passages nb | Passages nn |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {title} | " + " | ".join(map(str, counts)) + " |" for title, counts in rows]
    lines.append(f"| **Total: {len(rows)} pages** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    return "\n".join(lines)
