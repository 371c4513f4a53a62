"""A one-line progress display for long builds (train.py, serve.py)."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """A one-line progress display on standard error."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.live = stream.isatty()
        self.last = ""

    def __call__(self, step: str, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` units of ``step`` are finished."""
        width = 24
        filled = int(width * done / total) if total else width
        line = f"{step:<34} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if self.live and line != self.last:
            self.stream.write("\r" + line)
        elif not self.live and done >= total:
            self.stream.write(line)
        self.last = line
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
