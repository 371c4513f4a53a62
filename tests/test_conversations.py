"""Multi-turn conversations kept as data in tests/conversations/*.yaml, replayed through the assistant.

A file holds one conversation::

    name: what it shows
    turns:
      - say: "Hei, kor lenge kan eit forsøk vare?"
        expect: {id: varighet, lang: nn, fallback: false, greeting: true}
      - choose: forlengelse          # the visitor picks a suggestion by id
        expect: {id: forlengelse}

``expect`` may hold: id (entry id or null), intent (or null), lang, fallback, contact (contact card
attached), clarify (a "did you mean" with >= 2 suggestions), suggests (an id among the suggestions),
contains / not_contains (text in the answer), leads_with_contact (the answer starts with the card).
Turns may set ``lang`` to force the målform, like the API's field.
"""

from pathlib import Path

import pytest
import yaml

from assistant.dialogue import Assistant
from assistant.sessions import MemorySessionStore

FILES = sorted((Path(__file__).parent / "conversations").glob("*.yaml"))


def check(reply, expect: dict, where: str) -> None:
    data = reply.to_dict()
    for key, value in expect.items():
        if key in ("id", "intent", "lang", "fallback"):
            assert data[key] == value, f"{where}: {key} = {data[key]!r}, expected {value!r}; answer: {data['answer']}"
        elif key == "contact":
            assert (data["contact"] is not None) == value, f"{where}: contact card {data['contact']!r}"
        elif key == "clarify":
            got = data["intent"] == "clarify" and len(data["suggestions"]) >= 2
            assert got == value, f"{where}: clarify, got intent {data['intent']} {data['suggestions']}"
        elif key == "suggests":
            assert value in [s["id"] for s in data["suggestions"]], f"{where}: suggestions {data['suggestions']}"
        elif key == "contains":
            assert value in data["answer"], f"{where}: {value!r} not in {data['answer']!r}"
        elif key == "not_contains":
            assert value not in data["answer"], f"{where}: {value!r} in {data['answer']!r}"
        elif key == "leads_with_contact":
            assert ("22 24 72 01" in data["answer"][:220]) == value, f"{where}: {data['answer']!r}"
        elif key == "greeting":
            assert data["answer"].startswith("Hei") == value, f"{where}: {data['answer']!r}"
        else:
            raise AssertionError(f"{where}: unknown expectation {key!r}")


def test_there_are_enough_conversations_in_both_malformer():
    langs = [t.get("expect", {}).get("lang") for f in FILES for t in yaml.safe_load(f.read_text())["turns"]]
    assert len(FILES) >= 30
    assert langs.count("nb") >= 20 and langs.count("nn") >= 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_conversation(path, index):
    assistant = Assistant(index, MemorySessionStore())
    conversation = yaml.safe_load(path.read_text(encoding="utf-8"))
    session = None
    for i, turn in enumerate(conversation["turns"], 1):
        reply = assistant.ask(turn.get("say", ""), lang=turn.get("lang"), session=session, choice=turn.get("choose"))
        assert session is None or reply.session == session
        session = reply.session
        check(reply, turn.get("expect", {}), f"{path.name} turn {i} ({turn.get('say') or turn.get('choose')!r})")
