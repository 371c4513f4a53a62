"""Fixed texts the assistant says, in Bokmål and Nynorsk."""

from __future__ import annotations

#: Kommunalavdelingen's contact details (from the landing page «Forsøkskommune» on regjeringen.no).
CONTACT = {
    "unit": "Kommunalavdelingen, Kommunal- og distriktsdepartementet",
    "phone": "22 24 72 01",
    "postal_address": "Postboks 8112 Dep., 0032 Oslo",
    "visiting_address": "Akersgata 59, Oslo",
    "url": "https://www.regjeringen.no/no/tema/statlig-forvaltning/forvaltningsutvikling/tillitsreform/"
           "forsokskommune/id2967899/",
    "title": "Forsøkskommune",
}

_CONTACT_LINE = {
    "nb": ("Kommunalavdelingen i Kommunal- og distriktsdepartementet kan hjelpe deg: ring 22 24 72 01, "
           "skriv til Postboks 8112 Dep., 0032 Oslo, eller besøk Akersgata 59 i Oslo."),
    "nn": ("Kommunalavdelinga i Kommunal- og distriktsdepartementet kan hjelpe deg: ring 22 24 72 01, "
           "skriv til Postboks 8112 Dep., 0032 Oslo, eller kom innom Akersgata 59 i Oslo."),
}

_FALLBACK = {
    "nb": "Det vet jeg dessverre ikke svaret på.",
    "nn": "Det veit eg dessverre ikkje svaret på.",
}

_SUGGEST = {
    "nb": "Kanskje du lurer på et av disse spørsmålene?",
    "nn": "Kanskje du lurer på eitt av desse spørsmåla?",
}


def contact_line(lang: str) -> str:
    """One sentence with Kommunalavdelingen's phone number and addresses."""
    return _CONTACT_LINE[lang]


def fallback_text(lang: str, with_suggestions: bool = False) -> str:
    """The honest "I don't know" with the contact details, in målform ``lang``.

    The pointer to the suggestions comes last, so that it stands right above them in the chat.
    """
    parts = [_FALLBACK[lang], contact_line(lang)]
    if with_suggestions:
        parts.append(_SUGGEST[lang])
    return " ".join(parts)

_CLARIFY = {
    "nb": "Jeg er ikke helt sikker på hva du mener. Mente du et av disse spørsmålene?",
    "nn": "Eg er ikkje heilt sikker på kva du meiner. Meinte du eitt av desse spørsmåla?",
}

_REPEATED_FAILURE = {
    "nb": ("Jeg har ikke funnet svar på de siste spørsmålene dine, så det er best at du snakker med et "
           "menneske. Kommunalavdelingen i Kommunal- og distriktsdepartementet svarer på telefon 22 24 72 01. "
           "Du kan også skrive til Postboks 8112 Dep., 0032 Oslo, eller besøke Akersgata 59 i Oslo."),
    "nn": ("Eg har ikkje funne svar på dei siste spørsmåla dine, så det er best at du snakkar med eit "
           "menneske. Kommunalavdelinga i Kommunal- og distriktsdepartementet svarar på telefon 22 24 72 01. "
           "Du kan òg skrive til Postboks 8112 Dep., 0032 Oslo, eller kome innom Akersgata 59 i Oslo."),
}

ENGLISH_NOTE = ("I can only answer in Norwegian (Bokmål or Nynorsk). For help in English, call Kommunalavdelingen "
                "at the Ministry of Local Government and Regional Development, +47 22 24 72 01, or write to "
                "Postboks 8112 Dep., 0032 Oslo, Norway (visiting address Akersgata 59, Oslo).")

ENGLISH_BEST = "This is the best answer I found, in Norwegian:"

GREETING_PREFIX = "Hei!"


def clarify_text(lang: str) -> str:
    """The "did you mean ...?" question that introduces suggestions."""
    return _CLARIFY[lang]


def repeated_failure_text(lang: str) -> str:
    """The reply after fallbacks in a row: the contact card first, not another "I don't know"."""
    return _REPEATED_FAILURE[lang]

_HEDGE = {
    "nb": "Jeg tror du spør om «{question}»",
    "nn": "Eg trur du spør om «{question}»",
}

_PASSAGE = {
    "nb": "Jeg har ikke et ferdig svar på akkurat dette, men siden «{title}» sier:",
    "nn": "Eg har ikkje eit ferdig svar på akkurat dette, men sida «{title}» seier:",
}


def hedge_text(lang: str, question: str) -> str:
    """The lead-in of an answer the assistant is fairly but not fully sure of: which question it answers."""
    return _HEDGE[lang].format(question=question.rstrip("?.! ")) + ":"


def passage_intro(lang: str, title: str) -> str:
    """The lead-in of an answer quoted from a page passage, naming the page."""
    return _PASSAGE[lang].format(title=title)
