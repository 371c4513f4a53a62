"""Where the content and the built index live, and the defaults for the web app."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def content_root() -> Path:
    """The folder holding ``faq/``, ``corpus/`` and ``eval/``.

    ``$ASSISTANT_ROOT`` when set; else the project checkout this package runs from; else the
    current directory (for a non-editable install run from a checkout).
    """
    if "ASSISTANT_ROOT" in os.environ:
        return Path(os.environ["ASSISTANT_ROOT"]).resolve()
    return PROJECT_ROOT if (PROJECT_ROOT / "faq").is_dir() else Path.cwd().resolve()


def build_dir(root: Path | None = None) -> Path:
    """Where built indexes are kept: ``$ASSISTANT_BUILD_DIR`` or ``<root>/build``."""
    return Path(os.environ.get("ASSISTANT_BUILD_DIR", (root or content_root()) / "build")).resolve()


#: Flask configuration defaults; an instance ``config.py`` and ``ASSISTANT_*`` variables override them.
DEFAULTS: dict[str, object] = {
    "SECRET_KEY": "dev",
    "CONTENT_ROOT": None,
    "BUILD_DIR": None,
    "MAX_CONTENT_LENGTH": 8 * 1024,
    "MAX_QUESTION_CHARS": 500,
    "JSON_AS_ASCII": False,
}
