import copy

import pytest

from assistant import messages
from assistant.messages import CONTACT


def test_in_scope_questions_are_answered_with_source_in_both_malformer(assistant):
    nb = assistant.ask("Hva var søknadsfristen for forsøkene?")
    nn = assistant.ask("Kva var fristen for å søkje om forsøk?")
    for reply, lang in ((nb, "nb"), (nn, "nn")):
        assert not reply.fallback
        assert reply.id == "soknadsfrist"
        assert reply.lang == lang
        assert reply.source_url.startswith("https://")
        assert "8. september 2023" in reply.answer
    assert nb.answer != nn.answer
    assert "ikkje" not in nb.answer and " ein " not in nb.answer


@pytest.mark.parametrize(("question", "lang"), [
    ("Når tømmes søpla i Bergen?", "nb"),
    ("Kva er opningstidene til biblioteket?", "nn"),
])
def test_out_of_scope_falls_back_with_contact_details_in_the_question_malform(assistant, question, lang):
    reply = assistant.ask(question)
    assert reply.fallback and reply.id is None and reply.lang == lang
    assert reply.answer.startswith(messages.text("dialogue", "fallback", lang))
    assert CONTACT["phone"] in reply.answer and "Postboks 8112 Dep., 0032 Oslo" in reply.answer
    assert reply.confidence < assistant.index.calibration.threshold


def test_requested_malform_overrides_detection(assistant):
    reply = assistant.ask("Hva var søknadsfristen?", lang="nn")
    assert reply.lang == "nn" and reply.answer == assistant.index.kb.by_id[reply.id].nn.answer


def test_suggestions_come_in_the_reply_malform_and_point_to_real_entries(assistant):
    reply = assistant.ask("Kva var fristen for å søkje om forsøk?")
    kb = assistant.index.kb.by_id
    assert reply.suggestions
    for s in reply.suggestions:
        assert s.id in kb and s.id != reply.id
        assert s.question in kb[s.id].nn.questions


def test_empty_question_and_unknown_lang_are_refused(assistant):
    with pytest.raises(ValueError):
        assistant.ask("   ")
    with pytest.raises(ValueError):
        assistant.ask("Hva?", lang="en")


def test_reply_json_has_the_public_fields(assistant):
    data = assistant.ask("Får kommunene tilskudd for å være med?").to_dict()
    assert set(data) == {"question", "answer", "lang", "confidence", "fallback", "source", "id", "suggestions",
                         "intent", "session", "contact", "refer_to"}
    assert 0.0 <= data["confidence"] <= 1.0
    assert set(data["source"]) == {"url", "title"}


def test_words_that_fit_two_entries_alike_are_offered_not_guessed(assistant):
    both = ["forsok-nordre-follo-innbyggerdialog", "forsok-nordre-follo-skolefravaer"]
    retriever = assistant.index.retriever
    assert retriever.indistinct("Kva med forsøket i Nordre Follo?", both) == both
    assert retriever.indistinct("skulefråvær i Nordre Follo", both) == both[1:]
    # Both trials are put before the visitor: offered ("Mente du ...?"), or one answered and the other offered
    # first (a phrasing close in wording can make the ranker sure of one of them).
    reply = assistant.ask("Hva med forsøket i Nordre Follo?")
    assert not reply.fallback and reply.intent in ("clarify", None)
    shown = [reply.id, *(s.id for s in reply.suggestions)] if reply.id else [s.id for s in reply.suggestions]
    assert set(shown[:2]) == set(both)
    # One word more settles it, and the answer comes at once.
    assert assistant.ask("Hva med skolefraværsforsøket i Nordre Follo?").id == both[1]
    # A bare keyword that is exactly what one entry's phrasing asks ("Hva er forsøksloven?") is answered,
    # though other entries (its purpose, its evaluation) use the word too.
    laws = ["forsoksloven", "formal-forsoksloven", "evaluering-av-forsoksloven"]
    assert retriever.indistinct("forsøksloven", laws) == [] and retriever.indistinct("forsøksloven", laws[1:]) != []
    assert assistant.ask("forsøksloven").id == "forsoksloven"


@pytest.mark.parametrize("junk", ["1", "3", "x", "asdfgh", "???", "øøøø"])
def test_junk_is_never_answered_nor_offered(assistant, junk):
    reply = assistant.ask(junk)
    assert reply.id is None and reply.intent != "passage"
    assert not reply.suggestions


def _with_thresholds(assistant, **thresholds):
    import dataclasses

    from assistant.dialogue import Assistant

    index = dataclasses.replace(assistant.index, calibration=dataclasses.replace(assistant.index.calibration,
                                                                                 **thresholds))
    return Assistant(index)


def test_a_likely_but_not_certain_answer_says_which_question_it_answers(assistant):
    hedging = _with_thresholds(assistant, threshold=1.01, hedge_threshold=0.0)
    for question, lead in (("Hva var søknadsfristen for forsøkene?", "Jeg tror du spør om «"),
                           ("Kva var fristen for å søkje om forsøk?", "Eg trur du spør om «")):
        reply = hedging.ask(question)
        assert reply.intent == "hedged" and reply.id == "soknadsfrist" and not reply.fallback
        assert reply.answer.startswith(lead)
        assert reply.answer.endswith(hedging.index.kb.by_id["soknadsfrist"].part(reply.lang).answer)


def test_a_page_passage_answers_when_no_entry_does(assistant):
    passages = _with_thresholds(assistant, threshold=1.01, hedge_threshold=1.01, passage_threshold=0.0)
    reply = passages.ask("Hva står i forsøksloven om forsøk med enhetsfylke?")
    assert reply.intent == "passage" and reply.id is None and not reply.fallback
    intro = f"Jeg har ikke et ferdig svar på akkurat dette, men siden «{reply.source_title}» sier:"
    assert reply.answer.startswith(intro)
    assert reply.source_url in {p.url for p in assistant.index.kb.pages}
    quoted = reply.answer.split("» sier: ", 1)[1]
    assert any(quoted in p.text for p in assistant.index.kb.passages if p.lang == "nb")


def test_a_likely_question_not_sure_enough_to_answer_is_offered_its_best_entries_first(assistant):
    cautious = _with_thresholds(assistant, threshold=1.01, hedge_threshold=1.01, passage_threshold=1.01)
    question = "kan kommunen vår søkje om å vere med i forsøksordninga"
    reply = cautious.ask(question)
    assert reply.intent == "clarify" and not reply.fallback and len(reply.suggestions) >= 2
    assert reply.answer.startswith("Eg er ikkje heilt sikker")
    assert reply.suggestions[0].id == assistant.rank(question).top.id


# -- behaviour as data: the intents' flags, the content's suggestion lists, the policy ----------------------

def _with_intent_flags(assistant, name, **flags):
    """A copy of ``assistant`` whose intent ``name`` has ``flags`` (the index itself is left alone)."""
    from dataclasses import replace

    from assistant.dialogue import Assistant

    intents = copy.copy(assistant.index.intents)
    intents.intents = {**intents.intents, name: replace(intents.intents[name], **flags)}
    return Assistant(replace(assistant.index, intents=intents))


def test_what_an_intent_does_is_its_yaml_flags(assistant):
    plain = assistant.ask("ha det")
    assert plain.intent == "goodbye" and not plain.contact and not plain.suggestions
    flagged = _with_intent_flags(assistant, "goodbye", contact=True, suggest=True).ask("ha det")
    assert flagged.contact and flagged.source_url == CONTACT["url"]
    assert [s.id for s in flagged.suggestions] == list(assistant.index.kb.meta.small_talk_suggestions)
    switched = _with_intent_flags(assistant, "goodbye", switch_to="nn")
    session = switched.ask("ha det").session
    assert switched.ask("Hva var søknadsfristen?", session=session).lang == "nn"


def test_an_intent_with_an_unknown_key_or_bad_flag_is_an_error():
    from assistant.intents import IntentError, _intent

    data = {"intent": "thanks", "examples": {"nb": [], "nn": []}}
    assert _intent("thanks.yaml", {**data, "opener": True}).opener
    for bad, message in (({"contakt": True}, "unknown key"), ({"suggest": "yes"}, "true or false"),
                         ({"switch_to": "en"}, "switch_to"), ({"replies": {"nb": "Hei", "nn": "Hei"}}, "unknown key"),
                         ({"intent": "x"}, "no reply in the message catalogue")):
        with pytest.raises(IntentError, match=message):
            _intent("x.yaml", {**data, **bad})


def test_the_numbers_are_the_policy(assistant):
    from dataclasses import replace

    from assistant.dialogue import Assistant, DialoguePolicy

    strict = Assistant(assistant.index, policy=replace(DialoguePolicy(), repeated_fallbacks=1))
    assert strict.ask("Når tømmes søpla i Bergen?").intent == "repeated_fallback"
    assert assistant.ask("Når tømmes søpla i Bergen?").intent is None


@pytest.mark.slow  # every phrasing through the whole reply path (~3,200 questions, half a minute)
def test_every_phrasing_asked_alone_is_answered(assistant):
    """An editor's phrasing is a question the FAQ answers, however short ("tilskudd?", "telefonnummer?"): asked
    as it stands, it is answered outright, not offered, even when its one word is also used about other topics;
    and (two entries may overlap) nearly always with its own entry."""
    replies = [(p, assistant.ask(p.text)) for p in assistant.index.kb.phrasings]
    assert [(p.text, reply.intent) for p, reply in replies if reply.fallback or reply.id is None] == []
    own = sum(reply.id == p.entry_id for p, reply in replies)
    assert own >= 0.995 * len(replies)
