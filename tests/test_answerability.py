from assistant.answerability import AnswerabilityModel, junk_examples, out_of_scope_questions


def test_the_out_of_scope_corpus_is_large_and_in_both_malformer():
    questions = out_of_scope_questions()
    assert len(questions) >= 200
    assert any("kva" in q.split() or "korleis" in q.split() for q in questions)
    assert len(set(questions)) == len(questions)


def test_junk_is_generated_the_same_way_every_time_and_has_no_real_words():
    junk = junk_examples(50)
    assert junk == junk_examples(50)
    assert len(set(junk)) > 25


def test_the_model_tells_the_scheme_from_neighbouring_topics(index):
    model = index.retriever.answerability_
    about = ["kan kommunen vår søkje om å vere med i forsøksordninga", "hva sier forsøksloven om varighet"]
    other = ["når blir søpla hentet", "hvordan søker jeg barnehageplass", "qwerty"]
    assert min(model.probability(q) for q in about) > 0.5 > max(model.probability(q) for q in other)


def test_fit_needs_both_kinds():
    import pytest

    with pytest.raises(ValueError):
        AnswerabilityModel().fit(["a"], [])
