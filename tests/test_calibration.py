from dataclasses import replace

from assistant.calibration import Calibration, Example, choose_threshold, fit_calibration
from assistant.retrieval import FEATURES, QUESTION_FEATURES, Candidate


def cand(cid: str, level: float) -> Candidate:
    return Candidate(cid, {name: level for name in (*FEATURES, *QUESTION_FEATURES)})


def synthetic_examples() -> list[Example]:
    examples = []
    for i in range(30):  # in scope: the right entry scores high, a distractor lower
        examples.append(Example([cand("right", 0.7 + (i % 5) * 0.05), cand("other", 0.3)], "right"))
    for i in range(30):  # out of scope: everything scores low
        examples.append(Example([cand("right", 0.1 + (i % 5) * 0.03), cand("other", 0.08)], None))
    return examples


def test_fitted_confidence_separates_right_answers_from_out_of_scope():
    calibration = fit_calibration(synthetic_examples(), max_oos_rate=0.0)
    high = calibration.confidence(calibration.rank([cand("right", 0.8), cand("other", 0.3)]))
    low = calibration.confidence(calibration.rank([cand("right", 0.12), cand("other", 0.1)]))
    assert 0.0 <= low < calibration.threshold <= high <= 1.0
    assert calibration.weights["q_word"] > 0


def test_rank_orders_by_fused_score_without_mutating_the_input():
    calibration = Calibration(weights={name: 1.0 for name in FEATURES}, bias=-2.0)
    candidates = [cand("low", 0.1), cand("high", 0.9)]
    ranked = calibration.rank(candidates)
    assert [c.id for c in ranked] == ["high", "low"]
    assert ranked[0].score > ranked[1].score > 0
    assert candidates[0].score == 0.0


def test_threshold_keeps_out_of_scope_answers_within_the_limit():
    confidences = [0.9, 0.8, 0.7, 0.6, 0.55, 0.5, 0.2]
    correct = [True, True, True, False, False, False, False]
    oos = [False, False, False, False, True, True, True]
    assert choose_threshold(confidences, correct, oos, max_oos_rate=0.0) == 0.7
    assert choose_threshold(confidences, correct, oos, max_oos_rate=0.34) == 0.7  # right-minus-wrong still wins
    assert choose_threshold([0.9], [False], [True], max_oos_rate=0.0) == 1.0


def test_an_entry_named_in_also_is_learnt_and_graded_as_right():
    """A development question answered just as well by a second entry (``also``) does not teach the models that
    answering with it is wrong: with ``also`` the ranker learns both as right and the confidence rises."""
    def examples(also: tuple[str, ...]) -> list[Example]:
        both = [Example([cand("first", 0.6), cand("second", 0.8 + (i % 3) * 0.02)], "first", also=also)
                for i in range(20)]
        return synthetic_examples() + both

    assert Example([], "first", also=("second",)).is_right("second")
    assert not Example([], None).is_right("first")
    single, double = fit_calibration(examples(())), fit_calibration(examples(("second",)))
    question = [cand("first", 0.6), cand("second", 0.82)]
    assert single.confidence(single.rank(question)) < double.confidence(double.rank(question))


def test_confidence_sees_how_many_retrievers_put_the_top_entry_first():
    from assistant.calibration import GAPS, confidence_inputs

    top = cand("top", 0.5)
    alone = replace(top, features={**top.features, **dict.fromkeys(GAPS, 0.0), "clf": 0.9})
    outvoted = replace(alone, features={**alone.features, **dict.fromkeys(GAPS[:3], -0.2)})
    *_, agreement, clf = confidence_inputs([alone, cand("other", 0.1)])
    assert (agreement, clf) == (1.0, 0.9)
    assert confidence_inputs([outvoted, cand("other", 0.1)])[-2] == (len(GAPS) - 3) / len(GAPS)
