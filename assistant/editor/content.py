"""Writing editors' changes into the content files, in the repository's own style.

``faq/<id>.yaml`` keeps its layout: a new phrasing is inserted as one more ``- ...`` line at the end of
the målform's question list, and ``reviewed:`` gets today's date; a new entry is written with block
lists and folded (``>-``) answers like the hand-written files. Questions that prompted a change go to
``eval/devset/editor.yaml`` (masked, as logged), and every published change adds one line to the
append-only ``eval/changes.log``: time, editor, and a commit-message-ready summary. Everything written here
goes through :func:`one_line`, which also removes control characters (:func:`assistant.sanitize.without_controls`):
no terminal escape sequence from a visitor's question reaches a file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..evaluation import DevQuestion
from ..knowledge import LANGS
from ..sanitize import without_controls

DEVSET_FILE = Path("eval") / "devset" / "editor.yaml"
CHANGES_FILE = Path("eval") / "changes.log"
_DEVSET_HEADER = ("# Questions added by editors from the review queue (masked, as they were logged); "
                  "see eval/changes.log.\n")
_WRAP = 100


class ContentError(ValueError):
    """A content file is not in the shape the editor can change safely."""


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)
    os.replace(tmp, path)


def one_line(text: str) -> str:
    """``text`` with all whitespace (newlines included) collapsed to single spaces and control characters removed."""
    return " ".join(without_controls(str(text)).split())


def yaml_scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar: plain when that reads back the same, quoted otherwise."""
    dumped = yaml.safe_dump([one_line(text)], allow_unicode=True, width=10**6, default_flow_style=False)
    return dumped.removeprefix("- ").removesuffix("\n")


def folded(text: str, indent: int) -> str:
    """``text`` as a folded block scalar (``>-``) wrapped at 100 characters, indented by ``indent``."""
    pad = " " * indent
    lines = textwrap.wrap(one_line(text), width=_WRAP - indent, break_long_words=False, break_on_hyphens=False)
    return ">-\n" + "\n".join(pad + line for line in lines)


def _block_list(items: Sequence[str], indent: int) -> str:
    return "\n".join(f"{' ' * indent}- {yaml_scalar(item)}" for item in items)


def entry_yaml(data: dict[str, Any]) -> str:
    """A FAQ entry (``id``, ``source``, ``related``, ``reviewed``, ``contact``, ``nb``, ``nn``) in the house style."""
    lines = [f"id: {yaml_scalar(data['id'])}", "source:", f"  url: {yaml_scalar(data['source']['url'])}",
             f"  title: {yaml_scalar(data['source']['title'])}"]
    if data.get("related"):
        lines += ["related:", _block_list(data["related"], 2)]
    if data.get("reviewed"):
        lines.append(f"reviewed: {data['reviewed']}")
    if data.get("contact"):
        lines.append("contact: true")
    for lang in LANGS:
        part = data[lang]
        lines += [f"{lang}:", "  questions:", _block_list(part["questions"], 4),
                  f"  answer: {folded(part['answer'], 4)}"]
    text = "\n".join(lines) + "\n"
    try:
        same = _normalised(yaml.safe_load(text)) == _normalised(data)
    except yaml.YAMLError:  # a character YAML does not allow in a block, such as U+FFFE
        same = False
    if not same:
        raise ContentError(f"oppføringen {data['id']} kan ikke skrives som YAML uten å endres (tegn som ikke kan "
                           "lagres?)")
    return text


def _normalised(data: Any) -> Any:
    """``data`` with strings collapsed to one line and dates as ISO text, for comparing YAML round trips."""
    if isinstance(data, dict):
        return {key: _normalised(value) for key, value in data.items() if value not in (None, [], ())}
    if isinstance(data, list | tuple):
        return [_normalised(value) for value in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return one_line(data) if isinstance(data, str) else data


def _set_reviewed(text: str, day: dt.date) -> str:
    line = f"reviewed: {day.isoformat()}"
    if re.search(r"^reviewed:.*$", text, flags=re.MULTILINE):
        return re.sub(r"^reviewed:.*$", line, text, count=1, flags=re.MULTILINE)
    return re.sub(r"^nb:\s*$", f"{line}\nnb:", text, count=1, flags=re.MULTILINE)


def _insert_question(text: str, lang: str, question: str) -> str:
    """``text`` with ``- question`` after the last item of ``<lang>.questions`` (block list layout only)."""
    lines = text.split("\n")
    try:
        start = lines.index(f"{lang}:")
        head = lines.index("  questions:", start)
    except ValueError as exc:
        raise ContentError(f"fant ikke «{lang}: questions:» i blokklisteform") from exc
    end = head + 1
    while end < len(lines) and (lines[end].startswith("    - ") or lines[end].startswith("      ")):
        end += 1
    if end == head + 1:
        raise ContentError(f"«{lang}.questions» er ikke en blokkliste")
    lines.insert(end, f"    - {yaml_scalar(question)}")
    return "\n".join(lines)


def add_phrasing(path: Path, lang: str, question: str, day: dt.date) -> None:
    """Add ``question`` as a phrasing in målform ``lang`` of the entry in ``path``, reviewed on ``day``.

    The file keeps its layout and comments; when it is not in the block-list layout the entry is
    rewritten in the house style instead. Either way, the result is read back and checked.
    """
    original = path.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    expected = {**data, "reviewed": day.isoformat(),
                lang: {**data[lang], "questions": [*data[lang]["questions"], one_line(question)]}}
    try:
        text = _set_reviewed(_insert_question(original, lang, question), day)
        if _normalised(yaml.safe_load(text)) != _normalised(expected):
            raise ContentError("innsettingen ga ikke det ventede innholdet")
    except (ContentError, yaml.YAMLError):
        text = entry_yaml(expected)
    write_atomically(path, text)


def write_entry(root: Path, data: dict[str, Any]) -> Path:
    """Write a new entry to ``root/faq/<id>.yaml``; :class:`ContentError` when the file exists."""
    path = root / "faq" / f"{data['id']}.yaml"
    try:
        if path.exists():
            raise ContentError(f"faq/{data['id']}.yaml finnes allerede")
        write_atomically(path, entry_yaml(data))
    except OSError as exc:  # e.g. a name too long for the file system
        raise ContentError(f"faq/{data['id']}.yaml kan ikke lagres ({exc.strerror or exc})") from exc
    return path


def add_dev_questions(root: Path, questions: Iterable[DevQuestion]) -> None:
    """Append ``questions`` to ``eval/devset/editor.yaml`` (created with a header when missing)."""
    path = root / DEVSET_FILE
    text = path.read_text(encoding="utf-8") if path.exists() else _DEVSET_HEADER
    if text and not text.endswith("\n"):
        text += "\n"
    for q in questions:
        text += (f"- q: {yaml_scalar(q.q)}\n  expect: {q.expect or 'none'}\n  lang: {q.lang}\n"
                 f"  typo: {'true' if q.typo else 'false'}\n")
    write_atomically(path, text)


def change_line(when: dt.datetime, editor: str, summary: str) -> str:
    """One line of ``eval/changes.log``: UTC time, editor and summary, separated by tabs."""
    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{stamp}\t{one_line(editor)}\t{one_line(summary)}\n"


def append_change(root: Path, line: str) -> None:
    """Append ``line`` to ``eval/changes.log`` (append-only; the file is never rewritten)."""
    path = root / CHANGES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="\n") as out:
        out.write(line)
