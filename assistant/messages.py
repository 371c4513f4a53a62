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
    """The honest "I don't know" with the contact details, in målform ``lang``."""
    parts = [_FALLBACK[lang]]
    if with_suggestions:
        parts.append(_SUGGEST[lang])
    parts.append(contact_line(lang))
    return " ".join(parts)
