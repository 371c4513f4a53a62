"""One source for what the assistant, its pages and its widget say: the message catalogue.

Kommunalavdelingen's contact details and the catalogue's texts are written in
``assistant/data/messages.yaml`` and nowhere else in ``assistant/`` or ``web/`` (the small-talk intents'
replies are there too, section ``intents``); the widget reads its texts from ``GET /api/texts``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.knowledge import LANGS
from assistant.messages import CATALOGUE, CONTACT, catalogue, placeholders, ui

ROOT = Path(__file__).resolve().parents[1]
SCANNED = [p for folder in ("assistant", "web") for p in sorted((ROOT / folder).rglob("*"))
           if p.is_file() and p.suffix in {".py", ".yaml", ".html", ".js", ".css", ".txt", ".tsv"}
           and p.name != CATALOGUE]


def _contact_details() -> list[str]:
    values = placeholders(CONTACT)
    phone = values["phone"]
    box = " ".join(values["postal_address"].split()[:2])  # "Postboks 8112" (the word alone is masking's business)
    return [phone, phone.replace(" ", ""), box, values["street"].split()[0]]


def _catalogue_phrases() -> list[str]:
    """Every catalogue text of three words or more, cut at its placeholders (the longest piece)."""
    data = catalogue()
    texts = [t for section in ("dialogue", "english", "ui", "intents") for by_lang in data[section].values()
             for t in by_lang.values()]
    texts += [t for row in data["errors"].values() for t in row.texts.values()]
    pieces = [max(re.split(r"\{\w+\}", t), key=len).strip() for t in texts]
    return sorted({p for p in pieces if len(p.split()) >= 3})


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_contact_detail_or_catalogue_text_is_written_outside_the_catalogue(path):
    text = path.read_text(encoding="utf-8")
    found = [d for d in _contact_details() if d.lower() in text.lower()]
    found += [p for p in _catalogue_phrases() if p in text]
    assert not found, f"{path.relative_to(ROOT)} writes what assistant/data/{CATALOGUE} holds: {found}"


def test_the_scan_would_see_a_copy():
    assert {"Akersgata", "Postboks 8112"} <= set(_contact_details()) and "22247201" in _contact_details()
    assert "Skriv et spørsmål først." in _catalogue_phrases()
    assert len(SCANNED) > 40


def test_the_widget_gets_the_servers_texts_contact_card_and_starters(client, assistant):
    response = client.get("/api/texts")
    assert response.status_code == 200 and "max-age" in response.headers["Cache-Control"]
    data = response.get_json()
    assert data["texts"] == {lang: ui(lang) for lang in LANGS}
    assert data["contact"] == CONTACT
    assert data["english_best"] == catalogue()["english"]["best"]["en"]
    assert data["starters"] == {lang: assistant.index.kb.starters(lang) for lang in LANGS}
    assert [s["id"] for s in data["starters"]["nn"]] == list(assistant.index.kb.meta.starters)


def test_every_intent_replies_from_the_catalogue(assistant):
    from assistant.intents import NONE, IntentError, _intent, load_intents

    intents = load_intents()
    assert set(intents) - {NONE} == set(catalogue()["intents"])
    for name in set(intents) - {NONE}:
        for lang in LANGS:
            assert assistant.index.intents.reply(name, lang) == catalogue()["intents"][name][lang]
    with pytest.raises(IntentError, match="no reply in the message catalogue"):
        _intent("email.yaml", {"intent": "email", "examples": {"nb": ["e-post"], "nn": ["e-post"]}})
