"""Loading and validating the knowledge base: FAQ entries in ``faq/`` and source pages in ``corpus/``.

The loader collects *every* problem it finds (with file and field) before it gives up, so an
editor can fix a whole batch in one go. The result is a :class:`KnowledgeBase` of plain,
immutable dataclasses that the index builder consumes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .ids import entry_slug, is_entry_slug
from .text import normalize

LANGS = ("nb", "nn")
META_FILE = "_meta.yaml"
_META_KEYS = {"as_of", "stale_after_days", "starters", "small_talk_suggestions"}
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember")
_ENTRY_KEYS = {"id", "source", "related", "reviewed", "contact", "nb", "nn"}
_PAGE_KEYS = {"title", "url", "lang", "date"}
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
#: PyYAML's safe loader on libyaml's parser when PyYAML was built with it (ten times faster on the content), else
#: the pure-Python one: the same documents, the same errors (``yaml.YAMLError``).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, parsed by libyaml when PyYAML has it."""
    return yaml.load(text, Loader=_YAML_LOADER)


@dataclass(frozen=True)
class ContentMeta:
    """Settings for the content as a whole, from ``faq/_meta.yaml``.

    ``as_of`` is the day the time-aware answers (is the scheme open, is there a new round) were last
    checked against the fact base; answers say it through the ``{as_of}`` placeholder. Entries whose
    ``reviewed`` date is more than ``stale_after_days`` old are due for another read. ``starters`` are
    the ids of the entries the chat page and the widget offer under their greeting;
    ``small_talk_suggestions`` those offered with the reply to an intent flagged ``suggest`` (a greeting,
    "what can you do?" ...; :class:`assistant.intents.Intent`).
    """

    as_of: dt.date | None = None
    stale_after_days: int = 365
    starters: tuple[str, ...] = ()
    small_talk_suggestions: tuple[str, ...] = ()


def long_date(day: dt.date) -> str:
    """``day`` as Norwegian prose, the same in both målformer: «1. desember 2026»."""
    return f"{day.day}. {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Source:
    """The page an answer comes from."""

    url: str
    title: str


@dataclass(frozen=True)
class LangPart:
    """One målform of an entry: the ways visitors ask, and the answer."""

    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Entry:
    """A curated question-and-answer entry in both målformer."""

    id: str
    source: Source
    nb: LangPart
    nn: LangPart
    related: tuple[str, ...] = ()
    reviewed: dt.date | None = None
    path: str = ""
    contact: bool = False  # the answer is how to reach Kommunalavdelingen: replies carry the contact card

    def part(self, lang: str) -> LangPart:
        """The entry's text in målform ``lang`` ("nb" or "nn")."""
        return self.nn if lang == "nn" else self.nb


@dataclass(frozen=True)
class Phrasing:
    """One way of asking for an entry: its id, the målform and the text."""

    entry_id: str
    lang: str
    text: str


@dataclass(frozen=True)
class Passage:
    """A self-contained paragraph of a source page that can answer a question on its own."""

    id: str
    page_url: str
    page_title: str
    lang: str
    heading: str
    text: str


@dataclass(frozen=True)
class Page:
    """One source page in one målform, written in our own words."""

    slug: str
    title: str
    url: str
    lang: str
    date: dt.date | None
    body: str
    path: str
    passages: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the assistant knows: FAQ entries and page passages."""

    entries: tuple[Entry, ...]
    pages: tuple[Page, ...] = ()
    meta: ContentMeta = field(default_factory=ContentMeta)
    by_id: dict[str, Entry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id.update({entry.id: entry for entry in self.entries})

    def starters(self, lang: str) -> list[dict[str, str]]:
        """The starter questions (``faq/_meta.yaml``) as ``{"id", "question"}`` in målform ``lang``."""
        return [{"id": i, "question": self.by_id[i].part(lang).questions[0]} for i in self.meta.starters
                if i in self.by_id]

    @property
    def phrasings(self) -> tuple[Phrasing, ...]:
        """Every phrasing of every entry, entry by entry, Bokmål before Nynorsk."""
        return tuple(Phrasing(e.id, lang, q) for e in self.entries for lang in LANGS for q in e.part(lang).questions)

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage of every page, in page order."""
        return tuple(p for page in self.pages for p in page.passages)

    def page_text(self, url: str, lang: str) -> str:
        """The full text of the page with ``url`` in målform ``lang`` ("" when there is none)."""
        return "\n".join(p.body for p in self.pages if p.url == url and p.lang == lang)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a content file."""

    path: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else self.path
        return f"{where}: {self.message}"


class ValidationError(Exception):
    """Raised when the knowledge base has problems; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _is_https(url: Any) -> bool:
    return isinstance(url, str) and re.match(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$", url) is not None


def _parse_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _read_yaml(path: Path, rel: str, problems: list[Problem]) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(rel, "", f"kan ikke leses som YAML: {exc}".splitlines()[0]))
        return None


def _fill_placeholders(answer: str, meta: ContentMeta, where: tuple[str, str], problems: list[Problem]) -> str:
    """``answer`` with ``{as_of}`` replaced by the content's as-of date; other placeholders are problems."""
    for name in _PLACEHOLDER.findall(answer):
        if name != "as_of":
            problems.append(Problem(*where, f"ukjent plassholder «{{{name}}}» (bare {{as_of}} finnes)"))
        elif meta.as_of is None:
            problems.append(Problem(*where, f"bruker {{as_of}}, men faq/{META_FILE} har ingen as_of-dato"))
    return answer.replace("{as_of}", long_date(meta.as_of)) if meta.as_of else answer


def _lang_part(data: dict, lang: str, rel: str, meta: ContentMeta, problems: list[Problem]) -> LangPart | None:
    part = data.get(lang)
    if not isinstance(part, dict):
        problems.append(Problem(rel, lang, f"mangler målformen «{lang}»"))
        return None
    unknown = set(part) - {"questions", "answer"}
    if unknown:
        problems.append(Problem(rel, lang, f"ukjente felt: {', '.join(sorted(unknown))}"))
    raw_questions = part.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append(Problem(rel, f"{lang}.questions", "må være en ikke-tom liste"))
        raw_questions = []
    questions = []
    for i, question in enumerate(raw_questions):
        text = _text(question)
        if not text:
            problems.append(Problem(rel, f"{lang}.questions[{i}]", "tomt spørsmål"))
        else:
            questions.append(text)
    answer = _fill_placeholders(_text(part.get("answer")), meta, (rel, f"{lang}.answer"), problems)
    if not answer:
        problems.append(Problem(rel, f"{lang}.answer", "tomt svar"))
    return LangPart(tuple(questions), answer)


def _entry(path: Path, rel: str, meta: ContentMeta, problems: list[Problem]) -> Entry | None:
    data = _read_yaml(path, rel, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(Problem(rel, "", "filen må inneholde ett YAML-objekt"))
        return None
    before = len(problems)
    unknown = set(data) - _ENTRY_KEYS
    if unknown:
        problems.append(Problem(rel, "", f"ukjente felt: {', '.join(sorted(unknown))}"))
    entry_id = _text(data.get("id"))
    if not entry_id:
        problems.append(Problem(rel, "id", "mangler"))
    elif not is_entry_slug(entry_id):
        problems.append(Problem(rel, "id", f"«{entry_id}» er ikke en slug (forslag: «{entry_slug(entry_id)}»)"))
    elif entry_id != path.stem:
        problems.append(Problem(rel, "id", f"«{entry_id}» stemmer ikke med filnavnet «{path.stem}»"))
    source = data.get("source")
    if not isinstance(source, dict):
        problems.append(Problem(rel, "source", "mangler (url og title)"))
        source = {}
    if not _is_https(source.get("url")):
        problems.append(Problem(rel, "source.url", f"må være en https-adresse, ikke «{source.get('url')}»"))
    if not _text(source.get("title")):
        problems.append(Problem(rel, "source.title", "mangler"))
    related = data.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        problems.append(Problem(rel, "related", "må være en liste med id-er"))
        related = []
    contact = data.get("contact", False)
    if not isinstance(contact, bool):
        problems.append(Problem(rel, "contact", "må være true eller false"))
    try:
        reviewed = _parse_date(data.get("reviewed"))
    except ValueError:
        problems.append(Problem(rel, "reviewed", "må være en dato (ÅÅÅÅ-MM-DD)"))
        reviewed = None
    parts = {lang: _lang_part(data, lang, rel, meta, problems) for lang in LANGS}
    if len(problems) > before or parts["nb"] is None or parts["nn"] is None:
        return None
    return Entry(
        id=entry_id,
        source=Source(str(source["url"]), _text(source["title"])),
        nb=parts["nb"],
        nn=parts["nn"],
        related=tuple(related),
        reviewed=reviewed,
        path=rel,
        contact=contact is True,
    )


def split_passages(slug: str, lang: str, url: str, title: str, body: str) -> tuple[Passage, ...]:
    """Split a page body into passages: one per paragraph, each remembering its heading."""
    passages: list[Passage] = []
    heading = title
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if not block:
            continue
        if block.startswith("#"):
            lines = block.splitlines()
            heading = lines[0].lstrip("#").strip()
            block = "\n".join(lines[1:]).strip()
            if not block:
                continue
        passages.append(Passage(f"{slug}.{lang}#{len(passages) + 1}", url, title, lang, heading,
                                " ".join(block.split())))
    return tuple(passages)


def _page(path: Path, rel: str, problems: list[Problem]) -> Page | None:
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        problems.append(Problem(rel, "", "mangler front matter mellom to linjer med ---"))
        return None
    try:
        meta = load_yaml(match.group(1))
    except yaml.YAMLError as exc:
        problems.append(Problem(rel, "front matter", str(exc).splitlines()[0]))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(rel, "front matter", "må være et YAML-objekt"))
        return None
    before = len(problems)
    missing = _PAGE_KEYS - set(meta)
    unknown = set(meta) - _PAGE_KEYS
    if missing:
        problems.append(Problem(rel, "front matter", f"mangler felt: {', '.join(sorted(missing))}"))
    if unknown:
        problems.append(Problem(rel, "front matter", f"ukjente felt: {', '.join(sorted(unknown))}"))
    slug, _, suffix = path.name.removesuffix(".md").rpartition(".")
    if meta.get("lang") not in LANGS or meta.get("lang") != suffix:
        problems.append(Problem(rel, "lang", f"må være nb eller nn og stemme med filnavnet (.{suffix}.md)"))
    if not _is_https(meta.get("url")):
        problems.append(Problem(rel, "url", f"må være en https-adresse, ikke «{meta.get('url')}»"))
    if not _text(meta.get("title")):
        problems.append(Problem(rel, "title", "mangler"))
    try:
        date = _parse_date(meta.get("date"))
    except ValueError:
        problems.append(Problem(rel, "date", "må være en dato (ÅÅÅÅ-MM-DD) eller null"))
        date = None
    body = match.group(2).strip()
    if not body:
        problems.append(Problem(rel, "body", "siden har ingen tekst"))
    if len(problems) > before:
        return None
    url, title, lang = meta["url"], _text(meta["title"]), meta["lang"]
    return Page(slug, title, url, lang, date, body, rel, split_passages(slug, lang, url, title, body))


def _cross_checks(entries: list[Entry], pages: list[Page], problems: list[Problem]) -> None:
    seen_ids: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen_ids:
            problems.append(Problem(entry.path, "id", f"«{entry.id}» finnes også i {seen_ids[entry.id]}"))
        seen_ids.setdefault(entry.id, entry.path)
    phrasing_owner: dict[str, tuple[str, str]] = {}
    for entry in entries:
        for lang in LANGS:
            for i, question in enumerate(entry.part(lang).questions):
                key = normalize(question).rstrip("?!. ")
                owner = phrasing_owner.get(key)
                if owner and owner[0] != entry.id:
                    problems.append(Problem(entry.path, f"{lang}.questions[{i}]",
                                            f"«{question}» står også i {owner[1]}"))
                phrasing_owner.setdefault(key, (entry.id, entry.path))
        for rid in entry.related:
            if rid not in seen_ids:
                problems.append(Problem(entry.path, "related", f"ukjent id «{rid}»"))
            elif rid == entry.id:
                problems.append(Problem(entry.path, "related", "en oppføring kan ikke vise til seg selv"))
    seen_pages: dict[tuple[str, str], str] = {}
    for page in pages:
        key = (page.url, page.lang)
        if key in seen_pages:
            problems.append(Problem(page.path, "url", f"samme side og målform som {seen_pages[key]}"))
        seen_pages.setdefault(key, page.path)


def _files(folder: Path, patterns: Iterable[str]) -> list[Path]:
    """The files under ``folder`` matching ``patterns``; names starting with ``_`` are settings, not content."""
    if not folder.is_dir():
        return []
    return sorted({p for pattern in patterns for p in folder.glob(pattern) if not p.name.startswith("_")})


def _meta(root: Path, problems: list[Problem]) -> ContentMeta:
    """The content settings in ``faq/_meta.yaml`` (defaults when the file is missing)."""
    path = root / "faq" / META_FILE
    rel = f"faq/{META_FILE}"
    if not path.is_file():
        return ContentMeta()
    data = _read_yaml(path, rel, problems)
    if data is None:
        return ContentMeta()
    if not isinstance(data, dict):
        problems.append(Problem(rel, "", "filen må inneholde ett YAML-objekt"))
        return ContentMeta()
    unknown = set(data) - _META_KEYS
    if unknown:
        problems.append(Problem(rel, "", f"ukjente felt: {', '.join(sorted(unknown))}"))
    try:
        as_of = _parse_date(data.get("as_of"))
    except ValueError:
        problems.append(Problem(rel, "as_of", "må være en dato (ÅÅÅÅ-MM-DD)"))
        as_of = None
    days = data.get("stale_after_days", ContentMeta.stale_after_days)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        problems.append(Problem(rel, "stale_after_days", "må være et helt antall dager (minst 1)"))
        days = ContentMeta.stale_after_days
    return ContentMeta(as_of, days, _id_list(data, "starters", rel, problems),
                       _id_list(data, "small_talk_suggestions", rel, problems))


def _id_list(data: dict[str, Any], key: str, rel: str, problems: list[Problem]) -> tuple[str, ...]:
    """The list of entry ids under ``key`` (empty when absent); whether they exist is a cross-check."""
    ids = data.get(key, [])
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        problems.append(Problem(rel, key, "må være en liste med id-er"))
        return ()
    return tuple(ids)


def check_knowledge(root: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Load ``root/faq`` and ``root/corpus`` and return what loaded plus every problem found."""
    problems: list[Problem] = []
    meta = _meta(root, problems)
    entries = [e for path in _files(root / "faq", ["**/*.yaml", "**/*.yml"])
               if (e := _entry(path, str(path.relative_to(root)), meta, problems))]
    pages = [p for path in _files(root / "corpus", ["**/*.md"])
             if (p := _page(path, str(path.relative_to(root)), problems))]
    if not entries and not any(p.path.startswith("faq") for p in problems):
        problems.append(Problem("faq", "", "ingen oppføringer funnet"))
    _cross_checks(entries, pages, problems)
    known = {e.id for e in entries}
    problems.extend(Problem(f"faq/{META_FILE}", key, f"ukjent id «{i}»")
                    for key in ("starters", "small_talk_suggestions") for i in getattr(meta, key) if i not in known)
    return KnowledgeBase(tuple(entries), tuple(pages), meta), problems


def load_knowledge(root: Path) -> KnowledgeBase:
    """Load the knowledge base under ``root``; raise :class:`ValidationError` listing all problems."""
    kb, problems = check_knowledge(root)
    if problems:
        raise ValidationError(problems)
    return kb
