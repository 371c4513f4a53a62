"""The content rules, beyond what the loader checks: one definition for every user.

``python train.py --check`` runs :func:`content_problems` on the whole content, the editor's publisher runs
:func:`entry_problems` on the entries a change touches (and :func:`phrasing_problems`, :func:`id_problems`
on what an editor types), and ``tests/test_content.py`` asserts the repository's content breaks none of them.
The messages are written for editors (in Bokmål), with the file and field.

An entry has at least :data:`MIN_PHRASINGS` different phrasings per målform (one without æøå), no id
twice in its ``related``, an answer of one to :data:`MAX_SENTENCES` sentences
without links, its source a page in ``corpus/`` in both målformer whose text holds every number of the
answer, no words of the other målform, no personal data in its phrasings, no control characters, and an
id short enough to be a file name. A page body has no words of the other målform, and every page is
written out in both målformer.
"""

from __future__ import annotations

import re
from collections import Counter

from .knowledge import LANGS, Entry, KnowledgeBase, Page, Problem, long_date
from .malform import NB_ONLY, NN_ONLY, marker_counts
from .masking import mask
from .sanitize import has_controls
from .text import normalize, tokenize

MIN_PHRASINGS = 6
#: An entry's id is its file name (``faq/<id>.yaml``) and is stored in the question log (255 characters).
MAX_ID_CHARS = 80
MAX_SENTENCES = 4
#: Where one sentence of an answer ends and the next begins.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«])")
#: A number or date in an answer (``8``, ``2023``, ``1.5``, ``22 24`` is two), which its source page must hold.
NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_NORWEGIAN_LETTERS = re.compile("[æøåÆØÅ]")
_NAMES = {"nb": "bokmål", "nn": "nynorsk"}


def other_lang(lang: str) -> str:
    """The other målform."""
    return "nb" if lang == "nn" else "nn"


def wrong_words(text: str, lang: str) -> list[str]:
    """The words in ``text`` that only the other målform has (word lists, ASCII-folded forms and word shapes)."""
    index = 0 if lang == "nn" else 1
    return [token for token in tokenize(normalize(text)) if marker_counts(token)[index]]


def page_wrong_words(text: str, lang: str) -> list[str]:
    """The words in a page body that are on the other målform's word list.

    Only the exact word lists: a page quotes names of laws and reports in their own målform ("Lov om forsøk i
    offentlig forvaltning" on a Nynorsk page), which the word shapes of :func:`wrong_words` would flag.
    """
    banned = NB_ONLY if lang == "nn" else NN_ONLY
    return [token for token in tokenize(normalize(text)) if token in banned]


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
    twice = [entry_id for entry_id, count in Counter(entry.related).items() if count > 1]
    if twice:
        problems.append(Problem(path, "related", f"står mer enn én gang: {', '.join(twice)}"))
    pages = {(page.url, page.lang): page for page in kb.pages}
    for lang in LANGS:
        part = entry.part(lang)
        if len({normalize(q) for q in part.questions}) < MIN_PHRASINGS:
            problems.append(Problem(path, f"{lang}.questions",
                                    f"trenger minst {MIN_PHRASINGS} ulike formuleringer på {_NAMES[lang]}"))
        if all(_NORWEGIAN_LETTERS.search(q) for q in part.questions):
            problems.append(Problem(path, f"{lang}.questions", "minst én formulering må være skrevet uten æøå"))
        sentences = SENTENCE_END.split(part.answer)
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
        missing = [n for n in NUMBER.findall(answer) if n not in page.body]
        if missing:
            problems.append(Problem(path, f"{lang}.answer", f"tallene {', '.join(missing)} står ikke i kilden "
                                                            f"({page.path})"))
    return problems


def page_problems(page: Page) -> list[Problem]:
    """Problems with one source page's body: words on the other målform's word list."""
    words = page_wrong_words(page.body, page.lang)
    if not words:
        return []
    return [Problem(page.path, "", f"teksten har ord som bare finnes på {_NAMES[other_lang(page.lang)]}: "
                                   f"{', '.join(dict.fromkeys(words))}")]


def content_problems(kb: KnowledgeBase) -> list[Problem]:
    """Every content rule the whole knowledge base breaks: each entry's, each page's, and pages in one målform."""
    problems = [p for entry in kb.entries for p in entry_problems(entry, kb)]
    problems += [p for page in kb.pages for p in page_problems(page)]
    langs: dict[str, set[str]] = {}
    for page in kb.pages:
        langs.setdefault(page.url, set()).add(page.lang)
    problems += [Problem(page.path, "url", f"siden finnes bare på {_NAMES[page.lang]}; skriv den også på "
                                           f"{_NAMES[other_lang(page.lang)]}")
                 for page in kb.pages if langs[page.url] != set(LANGS)]
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
