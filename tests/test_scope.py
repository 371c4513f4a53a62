"""Questions about the municipality's own services: told apart from the trial scheme, and said so in the reply."""

import pytest

from assistant.reply import Reply
from assistant.scope import municipal_service_question, refer_to


@pytest.mark.parametrize(("question", "expected"), [
    ("Når blir søpla mi henta?", True),
    ("Korleis søkjer eg barnehageplass?", True),
    ("Hvem brøyter veien min?", True),
    ("Når er biblioteket åpent?", True),
    ("Kan kommunen søke om forsøk med barnehage?", False),  # the trial scheme, whatever service it names
    ("Er frikommuneforsøket for skolefritidsordning?", False),
    ("Hva koster en pizza i Bergen?", False),
    ("Hvor er strømmen?", False),  # "strø" (gritting) is not on the list as a bare word start
])
def test_municipal_service_questions(question, expected):
    assert municipal_service_question(question) is expected


def test_only_an_unanswered_question_is_referred():
    assert refer_to("Når blir søpla mi henta?", fallback=True, entry_id=None) == "municipality"
    assert refer_to("Når blir søpla mi henta?", fallback=False, entry_id="varighet") is None
    assert refer_to("Hva koster en pizza?", fallback=True, entry_id=None) is None


def test_the_reply_carries_it(assistant):
    referred = assistant.ask("Når blir søpla mi henta?").to_dict()
    assert referred["fallback"] and referred["refer_to"] == "municipality"
    assert assistant.ask("Kor lenge kan eit forsøk vare?").to_dict()["refer_to"] is None
    assert Reply(question="x", answer="y", lang="nb", confidence=0.0, fallback=True).to_dict()["refer_to"] is None
