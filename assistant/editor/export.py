"""CSV exports of the question log and the FAQ that open cleanly in Excel: UTF-8 with BOM, semicolons, CRLF.

Every cell passes through :func:`assistant.sanitize.spreadsheet_cell`: text that starts like a formula (``=``,
``+``, ``-``, ``@``, tab) gets a leading apostrophe, so a spreadsheet shows it as text and never runs it (CSV
injection), and control characters are removed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from ..database import Record
from ..export import export_rows, write_csv
from ..knowledge import KnowledgeBase
from ..sanitize import spreadsheet_cell

LOG_FIELDS = ("tid", "målform", "spørsmål", "maskert", "oppføring", "intensjon", "sikkerhet", "reservesvar",
              "nyttig", "kommentar", "svar-id")


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "ja" if value else "nei"


def log_csv(records: Iterable[Record], tz: dt.tzinfo) -> str:
    """The question log (masked, as stored) as Excel-friendly CSV, times in local time."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(LOG_FIELDS)
    for r in records:
        writer.writerow([spreadsheet_cell(value) for value in (
            r.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), r.lang, r.question, ",".join(r.masked),
            r.entry_id, r.intent, f"{r.confidence:.3f}".replace(".", ","), _yes_no(r.fallback), _yes_no(r.helpful),
            r.comment, r.reply_id)])
    return out.getvalue()


def faq_csv(kb: KnowledgeBase) -> str:
    """The FAQ in the same CSV as ``python -m assistant export --format csv``."""
    out = io.StringIO()
    write_csv(export_rows(kb), out)
    return out.getvalue()
