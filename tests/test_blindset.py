from pathlib import Path

import pytest

from assistant.blindset import BlindQuestion, Graded, blind_metrics, grade, load_blind
from assistant.knowledge import ValidationError
from assistant.reply import Reply, Suggestion

ROOT = Path(__file__).resolve().parent.parent


def reply(**kw):
    base = {"question": "q", "answer": "a", "lang": "nb", "confidence": 0.5, "fallback": False}
    return Reply(**{**base, **kw})


IN = BlindQuestion("hvem kan søke", "nb", "in", ("hvem-kan-soke",), "https://x/side")
OUT = BlindQuestion("søppel", "nb", "out")


@pytest.mark.parametrize(("question", "r", "outcome"), [
    (IN, reply(id="hvem-kan-soke"), "right"),
    (IN, reply(id="hvem-kan-soke", intent="hedged"), "right"),
    (IN, reply(id="soknadsfrist"), "wrong"),
    (IN, reply(fallback=True, suggestions=(Suggestion("hvem-kan-soke", "Hvem?"),)), "offered"),
    (IN, reply(intent="clarify", suggestions=(Suggestion("soknadsfrist", "?"), Suggestion("hvem-kan-soke", "?"))),
     "fallback"),
    (IN, reply(intent="passage", source_url="https://x/side"), "right"),
    (IN, reply(intent="passage", source_url="https://x/annen"), "wrong"),
    (OUT, reply(id="hvem-kan-soke"), "wrong"),
    (OUT, reply(fallback=True, suggestions=(Suggestion("hvem-kan-soke", "?"),)), "fallback"),
    (OUT, reply(intent="greeting"), "fallback"),
])
def test_grading_tells_the_four_outcomes(question, r, outcome):
    assert grade(question, r) == outcome


def test_metrics_count_out_of_scope_and_junk_apart():
    junk = BlindQuestion("1", "nb", "junk")
    graded = [Graded(IN, "right", 1), Graded(IN, "offered", 0.2), Graded(OUT, "wrong", 0.9), Graded(junk, "wrong", 1)]
    m = blind_metrics(graded)
    assert m["right"] == 0.5 and m["offered"] == 0.5 and m["right_or_offered"] == 1.0
    assert m["oos_false_answer_rate"] == 1.0 and m["junk_answered"] == 1
    assert "ranked_first" not in m  # no ranking recorded: no ceiling reported


def test_the_rankers_ceiling_counts_the_right_entry_first_and_among_three_whatever_the_reply():
    graded = [Graded(IN, "offered", 0.2, ("hvem-kan-soke", "soknadsfrist")),
              Graded(IN, "fallback", 0.1, ("soknadsfrist", "varighet", "hvem-kan-soke")),
              Graded(IN, "wrong", 0.9, ("soknadsfrist", "varighet", "tilskudd", "hvem-kan-soke")),
              Graded(OUT, "fallback", 0.1, ("hvem-kan-soke",))]
    m = blind_metrics(graded)
    assert m["ranked_first"] == pytest.approx(1 / 3) and m["ranked_top3"] == pytest.approx(2 / 3)
    assert m["right"] == 0.0


def test_the_blind_set_is_large_mixed_and_valid(index):
    pages = {p.slug: p.url for p in index.kb.pages}
    questions = load_blind(ROOT, set(index.kb.by_id), pages)
    assert len(questions) >= 300
    assert sum(q.lang == "nn" for q in questions) >= 0.4 * len(questions)
    assert sum(q.scope != "in" for q in questions) >= 80


def test_an_unknown_id_in_the_blind_set_is_a_problem(tmp_path):
    (tmp_path / "eval" / "blind").mkdir(parents=True)
    (tmp_path / "eval" / "blind" / "b.yaml").write_text(
        "- {q: hei, lang: nb, scope: in, expect: [finnes-ikke], page: null}\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="finnes-ikke"):
        load_blind(tmp_path, {"hvem-kan-soke"}, {})


def test_the_editor_gate_refuses_fewer_right_answers_on_the_blind_set():
    from assistant.editor.publish import gate_reasons

    before = {"right": 0.80, "oos_false_answer_rate": 0.01}
    assert gate_reasons(before, {"right": 0.795, "oos_false_answer_rate": 0.01}, 0.01, 0.01, "right", "x") == []
    reasons = gate_reasons(before, {"right": 0.75, "oos_false_answer_rate": 0.05}, 0.01, 0.01, "right",
                           "riktige svar på blindsettet")
    assert len(reasons) == 2 and "riktige svar på blindsettet faller fra 80.0% til 75.0%" in reasons[0]
