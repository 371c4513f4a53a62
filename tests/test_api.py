import json

import pytest


def test_ask_returns_the_cli_reply_json(client, assistant):
    response = client.post("/api/ask", json={"question": "Kor lenge kan eit forsøk vare?"})
    assert response.status_code == 200
    data = response.get_json()
    expected = assistant.ask("Kor lenge kan eit forsøk vare?", session=data["session"]).to_dict()
    assert data == expected
    assert data["lang"] == "nn" and data["id"] == "varighet"


def test_ask_honours_requested_malform(client):
    data = client.post("/api/ask", json={"question": "Hva var søknadsfristen?", "lang": "nn"}).get_json()
    assert data["lang"] == "nn"


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
    ({"json": ["a list"]}, 400, "invalid_body"),
    ({"json": {"question": "hei", "extra": 1}}, 400, "unknown_field"),
    ({"json": {}}, 400, "missing_question"),
    ({"json": {"question": "   "}}, 400, "missing_question"),
    ({"json": {"question": 42}}, 400, "missing_question"),
    ({"json": {"question": "hei", "lang": "sv"}}, 400, "invalid_lang"),
    ({"data": "question=hei", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
    ({"json": {"question": "x" * 501}}, 422, "question_too_long"),
    ({"data": json.dumps({"question": "x" * 9000}), "content_type": "application/json"}, 413, "payload_too_large"),
])
def test_bad_input_gets_a_norwegian_json_error(client, kwargs, status, code):
    response = client.post("/api/ask", **kwargs)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


def test_question_of_exactly_500_characters_is_accepted(client):
    assert client.post("/api/ask", json={"question": "forsøk " * 71 + "abc"}).status_code == 200


def test_wrong_method_and_unknown_path_are_json(client):
    assert client.get("/api/ask").get_json()["error"]["code"] == "method_not_allowed"
    assert client.get("/api/nope").status_code == 404


def test_health_reports_the_index(client, index):
    data = client.get("/api/health").get_json()
    assert data["status"] == "ok" and data["index"] == index.content_hash
