"""The content rules an editor's change must meet, beyond what the loader checks.

The same rules as the repository's content tests (``tests/test_content.py``), applied to the entries a
change touches, with messages for editors: at least six different phrasings per målform (one without
æøå), an answer of one to four sentences without links, the source a page in ``corpus/`` in both
målformer whose text holds every number of the answer, no words of the other målform, no personal
data in what is written, no control characters, and an id short enough to be a file name.
"""

from __future__ import annotations

import re

from ..knowledge import LANGS, Entry, KnowledgeBase, Problem, long_date
from ..malform import marker_counts
from ..masking import mask
from ..sanitize import has_controls
from ..text import normalize, tokenize

MIN_PHRASINGS = 6
#: An entry's id is its file name (``faq/<id>.yaml``) and is stored in the question log (255 characters).
MAX_ID_CHARS = 80
MAX_SENTENCES = 4
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«])")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NAMES = {"nb": "bokmål", "nn": "nynorsk"}


def other_lang(lang: str) -> str:
    """The other målform."""
    return "nb" if lang == "nn" else "nn"


def wrong_words(text: str, lang: str) -> list[str]:
    """The words in ``text`` that only the other målform has."""
    index = 0 if lang == "nn" else 1
    return [token for token in tokenize(normalize(text)) if marker_counts(token)[index]]


def text_problems(text: str, lang: str, where: str, path: str, personal: bool = True) -> list[Problem]:
    """Problems with one text written in målform ``lang``: the other målform's words, and (when ``personal``)
    personal data or masking placeholders. Answers may hold the department's own phone and address."""
    problems = []
    controls = sorted({f"U+{ord(c):04X}" for c in text if has_controls(c)})
    if controls:
        problems.append(Problem(path, where, f"teksten har kontrolltegn som ikke kan lagres ({', '.join(controls)}); "
                                             "skriv den inn på nytt uten dem"))
    words = wrong_words(text, lang)
    if words:
        problems.append(Problem(path, where, f"«{text}» har ord som bare finnes på {_NAMES[other_lang(lang)]}: "
                                             f"{', '.join(dict.fromkeys(words))}"))
    if personal and (mask(text) != text or "«[" in text):
        problems.append(Problem(path, where, f"«{text}» inneholder personopplysninger eller «[…]»-plassholdere; "
                                             "skriv spørsmålet uten dem"))
    return problems


def id_problems(entry_id: str, path: str) -> list[Problem]:
    """Problems with ``entry_id`` as the name of a new entry's file: at most :data:`MAX_ID_CHARS` characters."""
    if len(entry_id) > MAX_ID_CHARS:
        return [Problem(path, "id", f"id-en har {len(entry_id)} tegn, men kan ha høyst {MAX_ID_CHARS} "
                                    "(den blir filnavnet); velg en kortere id")]
    return []


def entry_problems(entry: Entry, kb: KnowledgeBase) -> list[Problem]:
    """Every content rule ``entry`` breaks, in the context of the whole knowledge base ``kb``."""
    problems: list[Problem] = []
    path = entry.path or f"faq/{entry.id}.yaml"
    problems += id_problems(entry.id, path)
    pages = {(page.url, page.lang): page for page in kb.pages}
    for lang in LANGS:
        part = entry.part(lang)
        if len({normalize(q) for q in part.questions}) < MIN_PHRASINGS:
            problems.append(Problem(path, f"{lang}.questions",
                                    f"trenger minst {MIN_PHRASINGS} ulike formuleringer på {_NAMES[lang]}"))
        if not any(not re.search("[æøåÆØÅ]", q) for q in part.questions):
            problems.append(Problem(path, f"{lang}.questions", "minst én formulering må være skrevet uten æøå"))
        sentences = _SENTENCE_END.split(part.answer)
        if not 1 <= len(sentences) <= MAX_SENTENCES:
            problems.append(Problem(path, f"{lang}.answer", f"svaret må ha 1–{MAX_SENTENCES} setninger, ikke "
                                                            f"{len(sentences)}"))
        if "http" in part.answer:
            problems.append(Problem(path, f"{lang}.answer", "svaret skal ikke ha lenker; kilden vises under svaret"))
        for i, question in enumerate(part.questions):
            problems += text_problems(question, lang, f"{lang}.questions[{i}]", path)
        problems += text_problems(part.answer, lang, f"{lang}.answer", path, personal=False)
        page = pages.get((entry.source.url, lang))
        if page is None:
            problems.append(Problem(path, "source.url", f"kilden må være en side i corpus/ på {_NAMES[lang]}"))
            continue
        if entry.source.title != page.title:
            problems.append(Problem(path, "source.title", f"må være sidens tittel «{page.title}»"))
        # The as-of date ({as_of}, faq/_meta.yaml) says when the answer was checked; it is not a fact of the page.
        checked = long_date(kb.meta.as_of) if kb.meta.as_of else ""
        answer = part.answer.replace(checked, "") if checked else part.answer
        missing = [n for n in _NUMBER.findall(answer) if n not in page.body]
        if missing:
            problems.append(Problem(path, f"{lang}.answer", f"tallene {', '.join(missing)} står ikke i kilden "
                                                            f"({page.path})"))
    return problems


def phrasing_problems(entry: Entry, lang: str, question: str) -> list[Problem]:
    """Problems with adding ``question`` to ``entry`` in ``lang`` that the loader would not report."""
    path = entry.path or f"faq/{entry.id}.yaml"
    if not question.strip():
        return [Problem(path, f"{lang}.questions", "formuleringen er tom")]
    key = normalize(question).rstrip("?!. ")
    if any(normalize(q).rstrip("?!. ") == key for q in entry.part(lang).questions):
        return [Problem(path, f"{lang}.questions", f"«{question}» står allerede i oppføringen")]
    return text_problems(question, lang, f"{lang}.questions", path)
