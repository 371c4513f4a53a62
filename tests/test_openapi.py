"""The OpenAPI document's response schemas are closed and hold every field: real replies from the app validate,
and a reply with a field missing or one too many does not (the fuzzer in test_api.py relies on this)."""

import copy

import pytest
from jsonschema import Draft202012Validator

from assistant.app import create_app
from assistant.openapi import openapi_document

#: Questions that between them give every kind of reply: an answer, a follow-up, a hedged or passage answer, a
#: clarification, small talk, English, junk, a fallback with the contact card, and the municipality's services.
QUESTIONS = ["Kor lenge kan eit forsøk vare?", "og kan det forlengast?", "Hei", "takk", "what is this about?",
             "asdfgh", "Hvem kan søke?", "Kva med forsøket i Nordre Follo?", "når hentes søppelet?",
             "Kan jeg få hjelp med skatten min?", "Kva kan du hjelpe meg med?", "hvordan kontakter jeg dere",
             "Hva koster en barnehageplass?", "Hvordan evalueres forsøkene?"]


@pytest.fixture()
def client(assistant, tmp_path):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
                       "RATELIMIT_ENABLED": False}, assistant=assistant).test_client()


def validator(client, name: str) -> Draft202012Validator:
    """A validator for the document's schema ``name``, as the app serves the document."""
    document = client.get("/api/openapi.json").get_json()
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})


def errors(validator: Draft202012Validator, instance: dict) -> list[str]:
    return [error.message for error in validator.iter_errors(instance)]


def test_every_object_schema_of_the_document_is_closed():
    def objects(node, path="#"):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                yield path, node
            for key, value in node.items():
                yield from objects(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from objects(value, f"{path}/{i}")

    found = list(objects(openapi_document()))
    assert len(found) >= 10
    assert [path for path, node in found if "additionalProperties" not in node] == []


def test_real_replies_validate_and_a_missing_or_extra_field_does_not(client):
    reply_schema = validator(client, "Reply")
    replies, session = [], None
    for question in QUESTIONS:
        response = client.post("/api/ask", json={"question": question, "session": session})
        assert response.status_code == 200
        replies.append(response.get_json())
        session = replies[-1]["session"]
    chosen = next(r for r in replies if r["suggestions"])
    replies.append(client.post("/api/ask", json={"question": chosen["question"], "session": session,
                                                 "choice": chosen["suggestions"][0]["id"]}).get_json())
    for reply in replies:
        assert errors(reply_schema, reply) == [], reply
    kinds = {"fallback" if r["fallback"] else r["intent"] or "answer" for r in replies}
    assert {"answer", "fallback", "greeting"} <= kinds, kinds
    assert any(r["contact"] for r in replies) and any(r["source"] for r in replies)
    assert any(r["refer_to"] for r in replies) and any(r["suggestions"] for r in replies)

    with_contact = next(r for r in replies if r["contact"])
    for field in with_contact:
        broken = {k: v for k, v in with_contact.items() if k != field}
        assert errors(reply_schema, broken), f"a reply without {field!r} validates"
    assert errors(reply_schema, {**with_contact, "extra": 1})
    for part, key in (("contact", "phone"), ("source", "title")):
        broken = copy.deepcopy(next(r for r in replies if r[part]))
        broken[part].pop(key)
        assert errors(reply_schema, broken), f"a reply whose {part} lacks {key!r} validates"
        broken[part] = {**next(r for r in replies if r[part])[part], "extra": 1}
        assert errors(reply_schema, broken), f"a reply whose {part} has an extra field validates"
    suggested = copy.deepcopy(chosen)
    suggested["suggestions"][0]["extra"] = 1
    assert errors(reply_schema, suggested)


def test_health_ping_texts_and_errors_validate(client):
    assert errors(validator(client, "Health"), client.get("/api/health").get_json()) == []
    bad = client.post("/api/ask", json={"question": "hei", "colour": "blue"})
    assert bad.status_code == 400
    error_schema = validator(client, "Error")
    assert errors(error_schema, bad.get_json()) == []
    assert errors(error_schema, {**bad.get_json(), "detail": "x"})
    ping = client.get("/api/openapi.json").get_json()["paths"]["/api/ping"]["get"]["responses"]["200"]
    ping_schema = Draft202012Validator(ping["content"]["application/json"]["schema"])
    assert errors(ping_schema, client.get("/api/ping").get_json()) == []
    assert errors(ping_schema, {"status": "ok", "extra": 1})
    texts = client.get("/api/openapi.json").get_json()["paths"]["/api/texts"]["get"]["responses"]["200"]
    texts_schema = Draft202012Validator({**texts["content"]["application/json"]["schema"],
                                         "components": client.get("/api/openapi.json").get_json()["components"]})
    assert errors(texts_schema, client.get("/api/texts").get_json()) == []
    assert errors(texts_schema, {**client.get("/api/texts").get_json(), "extra": 1})
