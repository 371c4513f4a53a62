import io
import json
import os
import time
import uuid

import pytest
import redis
import schemathesis
from hypothesis import HealthCheck, given, settings

from assistant.app import create_app
from assistant.database import LogUnavailable


@pytest.fixture()
def app(assistant, tmp_path):
    """The app with its question log in a temporary SQLite file and no rate limit."""
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
                       "RATELIMIT_ENABLED": False}, assistant=assistant)


@pytest.fixture()
def client(app):
    return app.test_client()


def test_ask_returns_the_cli_reply_json_with_a_reply_id(client, assistant):
    response = client.post("/api/ask", json={"question": "Kor lenge kan eit forsøk vare?"})
    assert response.status_code == 200
    data = response.get_json()
    reply_id = data.pop("reply_id")
    assert len(reply_id) == 32 and int(reply_id, 16) >= 0
    expected = assistant.ask("Kor lenge kan eit forsøk vare?", session=uuid.uuid4().hex).to_dict()
    assert set(data) == set(expected)
    assert {k: v for k, v in data.items() if k != "session"} == {k: v for k, v in expected.items() if k != "session"}
    assert data["lang"] == "nn" and data["id"] == "varighet"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_continues_the_conversation(client):
    first = client.post("/api/ask", json={"question": "Hvem kan søke?"}).get_json()
    second = client.post("/api/ask", json={"question": "Hva var søknadsfristen?", "session": first["session"]})
    assert second.status_code == 200 and second.get_json()["session"] == first["session"]


def test_ask_honours_requested_malform(client):
    data = client.post("/api/ask", json={"question": "Hva var søknadsfristen?", "lang": "nn"}).get_json()
    assert data["lang"] == "nn"


def test_the_question_log_stores_the_masked_question(app, client):
    data = client.post("/api/ask", json={"question": "Kan kommunen søke? Ring meg på 912 34 567"}).get_json()
    record = app.extensions["log"].get(data["reply_id"])
    assert record is not None and "912 34 567" not in record.question


def test_feedback_is_recorded_and_unknown_replies_are_404(app, client):
    reply_id = client.post("/api/ask", json={"question": "Hvem kan søke?"}).get_json()["reply_id"]
    response = client.post("/api/feedback", json={"reply_id": reply_id, "helpful": False,
                                                  "comment": "Mangler frist. Ring 912 34 567"})
    assert response.status_code == 204 and response.data == b"" and "Content-Type" not in response.headers
    record = app.extensions["log"].get(reply_id)
    assert record.helpful is False and "912 34 567" not in record.comment
    unknown = client.post("/api/feedback", json={"reply_id": "0" * 32, "helpful": True})
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "unknown_reply"


def test_a_log_that_is_down_still_answers_and_refuses_feedback_with_503(app, client, monkeypatch):
    def down(*args, **kwargs):
        raise LogUnavailable("down")

    monkeypatch.setattr(app.extensions["log"], "record", down)
    monkeypatch.setattr(app.extensions["log"], "add_feedback", down)
    data = client.post("/api/ask", json={"question": "Hvem kan søke?"}).get_json()
    assert data["answer"] and data["reply_id"] is None
    response = client.post("/api/feedback", json={"reply_id": "a" * 32, "helpful": True})
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "feedback_unavailable"


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
    ({"json": ["a list"]}, 400, "invalid_body"),
    ({"json": "a string"}, 400, "invalid_body"),
    ({"json": {"question": "hei", "extra": 1}}, 400, "unknown_field"),
    ({"json": {}}, 400, "missing_question"),
    ({"json": {"question": ""}}, 400, "missing_question"),
    ({"json": {"question": "   "}}, 400, "missing_question"),
    ({"json": {"question": 42}}, 400, "missing_question"),
    ({"json": {"question": None}}, 400, "missing_question"),
    ({"json": {"question": "hei", "lang": "sv"}}, 400, "invalid_lang"),
    ({"json": {"question": "hei", "session": "x"}}, 400, "invalid_session"),
    ({"json": {"question": "hei", "session": "abcdefgh\n"}}, 400, "invalid_session"),
    ({"json": {"question": "hei", "session": 12345678}}, 400, "invalid_session"),
    ({"data": "question=hei", "content_type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
    ({"data": '{"question": "hei"}', "content_type": "text/plain"}, 415, "unsupported_media_type"),
    ({"data": '{"question": "hei"}'}, 415, "unsupported_media_type"),
    ({"json": {"question": "x" * 501}}, 422, "question_too_long"),
    ({"data": json.dumps({"question": "x" * 9000}), "content_type": "application/json"}, 413, "payload_too_large"),
])
def test_bad_input_gets_a_norwegian_json_error(client, kwargs, status, code):
    response = client.post("/api/ask", **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"helpful": True}, 400, "invalid_reply_id"),
    ({"reply_id": "nope", "helpful": True}, 400, "invalid_reply_id"),
    ({"reply_id": "a" * 32}, 400, "invalid_helpful"),
    ({"reply_id": "a" * 32, "helpful": "yes"}, 400, "invalid_helpful"),
    ({"reply_id": "a" * 32, "helpful": True, "comment": 5}, 400, "invalid_comment"),
    ({"reply_id": "a" * 32, "helpful": True, "comment": "x" * 1001}, 422, "comment_too_long"),
    ({"reply_id": "a" * 32, "helpful": True, "rating": 5}, 400, "unknown_field"),
])
def test_bad_feedback_gets_a_norwegian_json_error(client, body, status, code):
    response = client.post("/api/feedback", json=body)
    assert response.status_code == status and response.get_json()["error"]["code"] == code


def test_the_limit_counts_characters_as_sent_before_normalisation(client):
    assert client.post("/api/ask", json={"question": "forsøk " * 71 + "abc"}).status_code == 200
    decomposed = "e\u0301" * 250  # 500 code points that NFC would make 250
    assert client.post("/api/ask", json={"question": decomposed}).status_code == 200
    assert client.post("/api/ask", json={"question": decomposed + "e"}).status_code == 422


def test_a_chunked_body_over_8_kib_is_413(client):
    body = json.dumps({"question": "x" * 9000}).encode()
    response = client.post("/api/ask", input_stream=io.BytesIO(body),
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})  # as gunicorn sets it
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"


def test_wrong_method_and_unknown_path_are_json(client):
    wrong = client.get("/api/ask")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"]
    missing = client.get("/api/nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_health_reports_the_index(client, index):
    data = client.get("/api/health").get_json()
    assert data["status"] == "ok" and data["index"] == index.content_hash


def test_openapi_document_is_3_1_and_lists_the_operations(client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/api/ask", "/api/feedback", "/api/health", "/api/ping", "/api/texts",
                                      "/api/openapi.json"}
    ask = document["paths"]["/api/ask"]["post"]
    assert {"200", "400", "413", "415", "422", "429"} <= set(ask["responses"])
    assert "Retry-After" in ask["responses"]["429"]["headers"]


# -- rate limiting ---------------------------------------------------------------------------------------

def _limited_app(assistant, tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
                       "RATELIMIT_DEFAULT": "2 per minute", **config}, assistant=assistant)


def _assert_limited(client, path="/api/ask", body=None):
    body = body or {"question": "Hvem kan søke?"}
    statuses = [client.post(path, json=body).status_code for _ in range(2)]
    assert all(status != 429 for status in statuses)
    response = client.post(path, json=body)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(response.headers["Retry-After"]) <= 60
    return response


def test_rate_limit_gives_429_with_retry_after(assistant, tmp_path):
    client = _limited_app(assistant, tmp_path).test_client()
    _assert_limited(client)
    _assert_limited(client, "/api/feedback", {"reply_id": "a" * 32, "helpful": True})
    assert client.get("/api/health").status_code == 200  # only POSTs that cost something are limited
    assert "Retry-After" not in client.get("/api/health").headers


def test_rate_limit_is_per_client_address(assistant, tmp_path):
    client = _limited_app(assistant, tmp_path).test_client()
    _assert_limited(client)
    other = client.post("/api/ask", json={"question": "Hvem kan søke?"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200


def test_rate_limit_trusts_x_forwarded_for_only_behind_a_configured_proxy(assistant, tmp_path):
    client = _limited_app(assistant, tmp_path, TRUSTED_PROXIES=1).test_client()
    _assert_limited(client)
    other = client.post("/api/ask", json={"question": "Hvem kan søke?"}, headers={"X-Forwarded-For": "10.0.0.3"})
    assert other.status_code == 200
    direct = _limited_app(assistant, tmp_path / "b").test_client()
    _assert_limited(direct)
    spoofed = direct.post("/api/ask", json={"question": "Hvem kan søke?"}, headers={"X-Forwarded-For": "10.0.0.3"})
    assert spoofed.status_code == 429


def test_rate_limit_in_redis_is_shared_between_apps(assistant, tmp_path, redis_url):
    config = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    first = _limited_app(assistant, tmp_path, **config).test_client()
    second = _limited_app(assistant, tmp_path, **config).test_client()
    assert [first.post("/api/ask", json={"question": "Hvem kan søke?"}).status_code for _ in range(2)] == [200, 200]
    response = second.post("/api/ask", json={"question": "Hvem kan søke?"})
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_rate_limit_in_redis_costs_one_round_trip_per_limit_with_the_same_headers(assistant, tmp_path, own_redis):
    limits = {"RATELIMIT_DEFAULT": "3 per minute;100 per hour"}
    in_memory = _limited_app(assistant, tmp_path / "memory", **limits).test_client()
    in_redis = _limited_app(assistant, tmp_path / "redis", RATELIMIT_STORAGE_URI=own_redis.url, **limits).test_client()
    commands = redis.Redis.from_url(own_redis.url)
    body = {"question": "Hvem kan søke?"}
    in_redis.post("/api/ask", json=body, environ_base={"REMOTE_ADDR": "10.0.0.9"})  # loads the script
    before = commands.info("commandstats")
    for expected in (2, 1, 0):
        shown = [client.post("/api/ask", json=body) for client in (in_memory, in_redis)]
        assert [r.status_code for r in shown] == [200, 200]
        assert [r.headers["X-RateLimit-Limit"] for r in shown] == ["3", "3"]
        assert [r.headers["X-RateLimit-Remaining"] for r in shown] == [str(expected)] * 2
        assert all(0 < int(r.headers["X-RateLimit-Reset"]) - time.time() <= 61 for r in shown)
    counted = {name: stats["calls"] - before.get(name, {"calls": 0})["calls"]
               for name, stats in commands.info("commandstats").items()}
    # Two limits, three questions: one script call each; the only TTLs are the scripts' own (Redis counts them too).
    assert counted.get("cmdstat_evalsha") == counted.get("cmdstat_ttl") == 6
    assert not counted.get("cmdstat_get")
    refused = [client.post("/api/ask", json=body) for client in (in_memory, in_redis)]
    assert [r.status_code for r in refused] == [429, 429]
    assert all(0 < int(r.headers["Retry-After"]) <= 60 for r in refused)
    commands.close()


# -- CORS ------------------------------------------------------------------------------------------------

ALLOWED = "https://www.kommune.example"


@pytest.fixture()
def cors_client(assistant, tmp_path):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite3'}",
                       "CORS_ORIGINS": [ALLOWED, "http://127.0.0.1:8080"]}, assistant=assistant).test_client()


def test_cors_allows_exactly_the_configured_origins(cors_client):
    allowed = cors_client.post("/api/ask", json={"question": "Hvem kan søke?"}, headers={"Origin": ALLOWED})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in allowed.headers["Vary"]
    for origin in ("https://evil.example", "null", ALLOWED + ".evil.example", "http://www.kommune.example"):
        response = cors_client.post("/api/ask", json={"question": "Hvem kan søke?"}, headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Origin" in response.headers["Vary"]


def test_cors_preflight(cors_client):
    headers = {"Origin": ALLOWED, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type"}
    response = cors_client.options("/api/ask", headers=headers)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type"
    denied = cors_client.options("/api/ask", headers={**headers, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in denied.headers


@pytest.mark.parametrize("origins", [["*"], ["null"], ["https://x.example/"], ["https://x.example/path"],
                                     ["x.example"], ["ftp://x.example"], "https://*.example"])
def test_wildcards_null_and_non_origins_are_refused_at_start(assistant, origins):
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        create_app({"TESTING": True, "CORS_ORIGINS": origins}, assistant=assistant)


def test_origins_may_come_as_one_string_from_the_environment(assistant, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CORS_ORIGINS", "https://a.example, https://B.example:443")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}"}, assistant=assistant)
    assert app.config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]


# -- schemathesis: no input gives a 500, and every response matches the OpenAPI document -------------------

@pytest.fixture(scope="module")
def schema_app(assistant, tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "log.sqlite3"
    return create_app({"TESTING": False, "DATABASE_URL": f"sqlite:///{path}", "RATELIMIT_ENABLED": False},
                      assistant=assistant)


#: Examples per operation and mode; SCHEMATHESIS_EXAMPLES=1000 for a longer search.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "50"))
# A body made too long by invalid data is rightly refused with 413 (the document lists it).
SCHEMATHESIS_CONFIG = schemathesis.config.SchemathesisConfig.from_str("""
[checks.negative_data_rejection]
expected-statuses = ["400", "404", "413", "415", "422"]
""")


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=str)
def test_api_conforms_to_its_openapi_document(schema_app, mode):
    # schemathesis's pytest plugin does not run under pytest 9, so its strategies drive hypothesis directly.
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", schema_app, config=SCHEMATHESIS_CONFIG)
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode == schemathesis.GenerationMode.NEGATIVE and operation.method.upper() == "GET":
            continue  # no parameters: there is no invalid input to generate

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def conforms(case):
            case.call_and_validate()

        conforms()


def test_choosing_a_suggestion_by_id_answers_that_entry(client):
    first = client.post("/api/ask", json={"question": "Kva med webinaret?"}).get_json()
    picked = client.post("/api/ask", json={"question": "Når vart webinaret halde?", "session": first["session"],
                                           "choice": "webinar"}).get_json()
    assert picked["id"] == "webinar" and picked["lang"] == "nn" and picked["session"] == first["session"]
    bad = client.post("/api/ask", json={"question": "x", "choice": "finst-ikkje"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_choice"


@pytest.mark.parametrize("blank", ["\x1e", " \u3000\ufeff", "\t\x85"])
def test_questions_of_only_blank_characters_are_missing_questions(client, blank):
    response = client.post("/api/ask", json={"question": blank})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "missing_question"
