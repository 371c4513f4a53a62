"""The message catalogue: validated at load, contact details filled from one record, outside the code hash."""

from __future__ import annotations

import copy
import re
import shutil

import pytest
import yaml

from assistant import index, messages
from assistant.malform import marker_counts
from assistant.messages import CONTACT, CatalogueError, catalogue, validate


def _raw() -> dict:
    path = index.PACKAGE_DIR / "data" / messages.CATALOGUE
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_catalogue_loads_and_fills_the_contact_record_into_the_texts():
    assert messages.contact_line("nb") == (
        "Kommunalavdelingen i Kommunal- og distriktsdepartementet kan hjelpe deg: ring 22 24 72 01, "
        "skriv til Postboks 8112 Dep., 0032 Oslo, eller besøk Akersgata 59 i Oslo.")
    assert list(CONTACT) == list(messages.CONTACT_FIELDS)
    assert "+47 22 24 72 01" in messages.english_note()
    assert messages.passage_intro("nn", "Søknadsprosessen") == \
        "Eg har ikkje eit ferdig svar på akkurat dette, men sida «Søknadsprosessen» seier:"
    assert messages.hedge_text("nn", "Kor lenge kan eit forsøk vare?") == \
        "Eg trur du spør om «Kor lenge kan eit forsøk vare»:"


def test_no_argument_is_named_like_a_contact_placeholder():
    # the contact record is filled in at load: an argument of the same name ({title}) would never reach the caller
    assert not set(messages.placeholders(CONTACT)) & messages.ARGUMENTS


def test_a_message_missing_in_one_language_is_a_clear_error():
    data = _raw()
    del data["dialogue"]["fallback"]["nn"]
    with pytest.raises(CatalogueError, match=r"dialogue\.fallback\.nn: missing or empty"):
        validate(data)


@pytest.mark.parametrize("change, error", [
    (lambda d: d["dialogue"]["clarify"].update(nb="Ring {telefon}."),
     r"dialogue\.clarify\.nb: unknown placeholder \{telefon\}"),
    (lambda d: d["dialogue"]["clarify"].update(en="Did you mean?"), r"dialogue\.clarify\.en: unknown language"),
    (lambda d: d["contact"].pop("phone"), r"contact: needs the fields"),
    (lambda d: d.pop("english"), r"section 'english' is missing"),
])
def test_every_problem_names_its_key(change, error):
    data = copy.deepcopy(_raw())
    change(data)
    with pytest.raises(CatalogueError, match=error):
        validate(data)


def test_each_message_is_in_its_own_written_standard():
    for section, texts in catalogue().items():
        for key, text in texts.items() if section not in ("contact", "errors") else ():
            if "nn" in text:  # (a domain name such as regjeringen.no is a name, not a word)
                nb, nn = (re.sub(r"\S+\.no\b", "", text[lang]) for lang in ("nb", "nn"))
                assert marker_counts(nn)[0] == 0, f"{section}.{key}.nn has Bokmål-only words"
                assert marker_counts(nb)[1] == 0, f"{section}.{key}.nb has Nynorsk-only words"


def test_editing_a_sentence_leaves_the_code_hash_alone_editing_code_does_not(tmp_path, monkeypatch):
    package = tmp_path / "assistant"
    shutil.copytree(index.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(index, "PACKAGE_DIR", package)
    monkeypatch.setattr(index, "TEXT_FILES", frozenset({package / "data" / messages.CATALOGUE}))
    before = index.code_hash()
    catalogue_file = package / "data" / messages.CATALOGUE
    catalogue_file.write_text(catalogue_file.read_text(encoding="utf-8").replace(
        "Det vet jeg dessverre ikke svaret på.", "Det vet jeg ikke."), encoding="utf-8")
    assert "Det vet jeg ikke." in catalogue_file.read_text(encoding="utf-8")
    assert index.code_hash() == before  # no rebuild, and running workers still hot-swap
    (package / "dialogue.py").write_text((package / "dialogue.py").read_text(encoding="utf-8") + "\n")
    assert index.code_hash() != before
