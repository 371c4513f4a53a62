"""Text made safe for where it is written: spreadsheet cells, and files and terminals.

Visitors and editors can type anything; before their text goes into a CSV export or a file (``eval/changes.log``,
``eval/devset/editor.yaml``, FAQ files, the service's own log lines) it passes through here:

- :func:`without_controls` removes control characters (C0 but tab and newline, DEL, C1: a terminal escape
  sequence starts with ESC or CSI, so none can reach a terminal that shows the file) and the bidirectional
  overrides and isolates that make text read differently from how it is stored.
- :func:`spreadsheet_cell` also defuses CSV injection: a cell that starts like a formula (``=``, ``+``, ``-``,
  ``@``, tab) gets a leading apostrophe, so a spreadsheet shows it as text and never runs it.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t")


def without_controls(text: str) -> str:
    """``text`` without control characters (tab and newline kept) and bidirectional overrides."""
    return _CONTROLS.sub("", text)


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a character :func:`without_controls` removes."""
    return bool(_CONTROLS.search(text))


def spreadsheet_cell(value: object) -> str:
    """``value`` as the text of a CSV cell that a spreadsheet shows as text: controls removed, formulas defused."""
    text = without_controls("" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text
