"""The reply object: built with keywords only, and its JSON form (the public contract) field for field."""

import dataclasses

import pytest

from assistant.messages import CONTACT
from assistant.reply import Reply, Suggestion

CONTRACT = ["question", "answer", "lang", "confidence", "fallback", "source", "id", "suggestions", "intent",
            "session", "contact", "refer_to"]


def test_a_reply_is_built_with_keywords_only():
    with pytest.raises(TypeError):
        Reply("q", "a", "nb", 0.5, False)  # type: ignore[misc]


def test_the_json_form_keeps_its_fields_and_their_order():
    reply = Reply(question="q", answer="a", lang="nn", confidence=0.123456, fallback=True, source_url="https://x/",
                  source_title="X", suggestions=(Suggestion(id="e", question="Q?"),), intent="clarify",
                  contact=True)
    data = dataclasses.replace(reply, session="s1").to_dict()
    assert list(data) == CONTRACT
    assert data["confidence"] == 0.1235 and data["source"] == {"url": "https://x/", "title": "X"}
    assert data["suggestions"] == [{"id": "e", "question": "Q?"}] and data["contact"] == CONTACT
    assert data["session"] == "s1" and reply.session is None
