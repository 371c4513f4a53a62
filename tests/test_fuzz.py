"""Property tests (Hypothesis) for the text pipeline, the masking on its way to the database, and the dialogue.

What ``tests/test_masking.py`` already covers is not repeated here: one valid fødselsnummer, D-nummer, phone
number or e-mail address placed (between spaces) in random text never survives :func:`assistant.masking.mask`,
and masking is idempotent. Added here: several kinds at once, glued to punctuation, any Unicode (lone
surrogates too), and the whole way from ``POST /api/ask`` into SQLite and PostgreSQL. Then JSON nested in any
field and any depth (a JSON 4xx, never a 500), control characters (answered, and never written to a file or a
CSV cell), and pathological Unicode (analysed in at most the question limit of normalised characters). The API's
conformance to its OpenAPI document is fuzzed by schemathesis in ``tests/test_api.py``.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_masking import fnr_strategy, phone_strategy, spaced

from assistant.app import create_app
from assistant.database import engine_url
from assistant.editor import content
from assistant.masking import mask
from assistant.sanitize import has_controls, spreadsheet_cell
from assistant.text import TextPipeline, bounded, fold_ascii, normalize, tokenize

PIPE = TextPipeline()

#: Any code point, lone surrogates included (JSON can carry them: "\ud800").
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)
#: Letters with combining marks, where NFKC and case folding interact (Greek iota subscript, dotted I, ...).
combining_text = st.text(st.one_of(st.sampled_from("aAiIjJkKsSæøåÆØÅßſİıΑαΗηΩωιΙǅǰ\u212a\u1e9e"),
                                   st.characters(categories=["Mn", "Me"])), max_size=12)
#: Text a visitor writes in Norwegian: letters (also without æøå, decomposed, or accented), digits, punctuation.
NORWEGIAN_LETTERS = "abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅéèêóòôüäöÉÜÄÖ"
norwegian_text = st.lists(st.one_of(st.sampled_from(NORWEGIAN_LETTERS),
                                    st.sampled_from(["a\u030a", "e\u0301", "A\u030a"]),  # decomposed å, é, Å
                                    st.sampled_from("0123456789 ,.?!:;-'\"«»–—()\n\t\u00a0")),
                          max_size=80).map("".join)


# --- the text pipeline -----------------------------------------------------------------------------------

@settings(max_examples=300, database=None)
@given(any_text)
def test_the_text_pipeline_never_raises_on_any_unicode(text):
    normalized = normalize(text)
    assert isinstance(fold_ascii(normalized), str)
    assert all(token and not any(c.isspace() for c in token) for token in tokenize(normalized))
    assert isinstance(PIPE.canonical(text), str)
    assert isinstance(PIPE.terms(text), list)


@settings(max_examples=500, database=None)
@given(st.one_of(any_text, combining_text))
def test_normalisation_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=300, database=None)
@given(norwegian_text)
def test_tokens_of_folded_norwegian_text_are_ascii(text):
    assert all(token.isascii() for token in tokenize(fold_ascii(normalize(text))))
    assert all(token.isascii() for token in PIPE.canonical_tokens(text))
    assert all(term.isascii() for term in PIPE.terms(text))


WITHOUT_AEOA = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "AE", "Ø": "O", "Å": "A"})


@settings(max_examples=300, database=None)
@given(norwegian_text)
def test_text_typed_without_aeoa_gives_the_same_tokens(text):
    typed = text.translate(WITHOUT_AEOA)
    assert PIPE.canonical_tokens(typed) == PIPE.canonical_tokens(text)
    assert PIPE.terms(typed) == PIPE.terms(text)


# --- masking: what test_masking.py does not cover --------------------------------------------------------

#: Separators that glue a value to its neighbours without spaces (no digits, which would make a longer number).
GLUE = st.sampled_from([" ", ", ", ": ", "(", ")", "/", ";", "\n", "\t", "«", "»", "?", "!", " og ", "nr:", "tlf:"])
pii = st.one_of(fnr_strategy, fnr_strategy.map(spaced), phone_strategy(), st.emails())
filler = st.text(st.characters(exclude_categories=("Cs", "Nd")), max_size=20)


@settings(max_examples=300, database=None)
@given(st.lists(st.tuples(filler, GLUE, pii, GLUE), min_size=1, max_size=4), filler)
def test_several_kinds_of_personal_data_glued_to_punctuation_never_survive(parts, tail):
    text = "".join(f"{before}{left}{value}{right}" for before, left, value, right in parts) + tail
    masked = mask(text)
    for _, _, value, _ in parts:
        assert value not in masked
        assert value.replace(" ", "") not in masked.replace(" ", "") or "@" in value


@settings(max_examples=300, database=None)
@given(any_text)
def test_masking_never_raises_on_any_unicode_and_leaves_text_without_digits_at_or_latin_letters_alone(text):
    masked = mask(text)
    # Every kind needs a digit (numbers, house numbers), an "@" or Latin letters ("hilsen" before a name, "(at)"),
    # also as fullwidth or other compatibility forms.
    plain = "".join(unicodedata.normalize("NFKC", c) for c in text)
    if not any(c.isdigit() or c == "@" or (c.isascii() and c.isalpha()) for c in plain):
        assert masked == text


# --- from POST /api/ask to the database ------------------------------------------------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def logged_app(request, assistant, tmp_path_factory):
    """The app with no rate limit and its log in a fresh SQLite file or PostgreSQL schema."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'log.sqlite3'}"
    else:
        base = engine_url(request.getfixturevalue("postgres_url"))
        schema = f"test_fuzz_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(base)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False}, assistant=assistant)
    yield app
    app.extensions["log"].engine.dispose()
    if schema:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _stored_question(app, reply_id: str) -> str:
    record = app.extensions["log"].get(reply_id)
    assert record is not None, "the answered question was not stored"
    return record.question


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(filler, GLUE, pii, GLUE), min_size=1, max_size=3))
def test_personal_data_in_a_question_never_reaches_the_database(logged_app, parts):
    question = "".join(f"{before}{left}{value}{right}" for before, left, value, right in parts) + " hva nå?"
    response = logged_app.test_client().post("/api/ask", json={"question": question[:500]})
    assert response.status_code == 200
    stored = _stored_question(logged_app, response.get_json()["reply_id"])
    for _, _, value, _ in parts:
        if value in question[:500]:
            assert value not in stored


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(any_text.filter(str.strip))
@example("halvt emoji \ud83d og NUL \x00")  # PostgreSQL text holds no NUL; UTF-8 has no lone surrogates
def test_any_unicode_question_is_answered_and_stored(logged_app, question):
    body = json.dumps({"question": question})  # ASCII with \u escapes: lone surrogates travel as JSON allows
    response = logged_app.test_client().post("/api/ask", data=body, content_type="application/json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["answer"] and data["lang"] in ("nb", "nn")
    _stored_question(logged_app, data["reply_id"])  # NUL and lone surrogates are stored as U+FFFD, not lost


@settings(max_examples=200, deadline=None, database=None)
@given(st.one_of(any_text, norwegian_text, combining_text).filter(str.strip))
def test_the_assistant_answers_any_text(assistant, text):
    reply = assistant.ask(text)
    assert reply.answer and reply.lang in ("nb", "nn") and 0.0 <= reply.confidence <= 1.0


# --- nesting, control characters and pathological Unicode (issue 12) ---------------------------------------------

#: JSON values of any shape, a few levels deep.
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                       max_size=3), max_leaves=20)
#: A value nested ``n`` levels deep in arrays or objects, written out as JSON text (too deep for json.dumps).
deep_json = st.builds(lambda brackets, n: brackets[0] * n + "1" + brackets[1] * n,
                      st.sampled_from([("[", "]"), ('{"a":', "}")]), st.integers(1, 4000))
#: Control characters (C0, DEL, C1, bidirectional overrides) mixed with letters, as terminal escape codes come.
control_text = st.lists(st.one_of(st.characters(categories=["Cc"]), st.sampled_from("\u202a\u202e\u2066\u2069"),
                                  st.sampled_from(["\x1b[31m", "\x1b]0;x\x07", "\x9b2J", "a", "=", "-", " ", "ø"])),
                        min_size=1, max_size=30).map("".join)
#: Characters whose normal form (NFKC, case folding) is several characters long, and stacks of combining marks.
EXPANDING = "\ufdfa\ufdfb\ufb03\u3316\u33ff\u0390\u1e9e\u00df\u2474\u2025\u00bd\ufe19"
pathological_text = st.text(st.one_of(st.sampled_from(EXPANDING), st.characters(categories=["Mn"])),
                            min_size=1, max_size=500)


def _post(app, path: str, body: str):
    return app.test_client().post(path, data=body, content_type="application/json")


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["/api/ask", "/api/feedback"]), st.sampled_from(["question", "reply_id", "comment"]),
       st.one_of(json_values, deep_json))
def test_any_nesting_in_any_field_gets_a_json_4xx_or_an_answer_never_a_500(logged_app, path, field, value):
    text = value if isinstance(value, str) and value[:1] in "[{" else json.dumps(value)
    response = _post(logged_app, path, '{"' + field + '": ' + text + "}")
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.get_json()["error"]["code"]
    if text.count("[") + text.count("{") > 1000:
        assert response.status_code in (400, 413)


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(control_text)
def test_control_characters_are_answered_and_never_reach_a_file(logged_app, text):
    question = "hva er forsøksordningen " + text
    response = logged_app.test_client().post("/api/ask", json={"question": question})
    assert response.status_code == 200
    _stored_question(logged_app, response.get_json()["reply_id"])
    line = content.change_line(datetime(2026, 12, 1, tzinfo=UTC), "kari", f"Utviklingssett: «{question}»")
    assert not has_controls(line.removesuffix("\n").replace("\t", "")) and line.count("\t") == 2
    cell = spreadsheet_cell(text)
    assert not has_controls(cell.replace("\t", "").replace("\n", "")) and not cell.startswith(("=", "+", "-", "@"))


@settings(max_examples=300, database=None)
@given(st.one_of(pathological_text, any_text), st.integers(1, 500))
def test_a_question_is_analysed_in_at_most_the_limit_of_normalised_characters(text, limit):
    analysed = bounded(text, limit)
    if len(normalize(text)) <= limit:
        assert analysed == text  # ordinary questions are analysed as sent
    else:
        assert len(normalize(analysed)) <= limit


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(pathological_text)
def test_pathological_unicode_is_answered(logged_app, question):
    response = logged_app.test_client().post("/api/ask", json={"question": question})
    assert response.status_code == 200 and response.get_json()["answer"]
