import math
import random
from dataclasses import replace

import pytest

from assistant.calibration import Calibration, Example, choose_hedge_threshold, choose_threshold, fit_calibration
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


def _threshold_by_trying_each(confidences, correct, oos, max_oos_rate):
    """The answer threshold's definition, one threshold at a time: the most right-minus-wrong answers within the
    out-of-scope limit, the lowest of equals; 1.0 when none keeps within it."""
    best_t, best_utility = 1.0, -math.inf
    for t in [*sorted(set(confidences)), 1.0]:
        answered = [c >= t for c in confidences]
        if sum(a and o for a, o in zip(answered, oos, strict=True)) / max(1, sum(oos)) > max_oos_rate:
            continue
        right = sum(a and ok for a, ok in zip(answered, correct, strict=True))
        if right - (sum(answered) - right) > best_utility:
            best_t, best_utility = t, right - (sum(answered) - right)
    return best_t


def _hedge_by_trying_each(confidences, correct, oos, max_wrong_rate, max_oos_rate):
    """The hedge threshold's definition: going down from the highest confidence, the last one within both limits."""
    best = 1.0
    for t in sorted(set(confidences), reverse=True):
        answered = [c >= t for c in confidences]
        wrong = sum(a and not ok and not o for a, ok, o in zip(answered, correct, oos, strict=True))
        if wrong / max(1, oos.count(False)) > max_wrong_rate \
                or sum(a and o for a, o in zip(answered, oos, strict=True)) / max(1, sum(oos)) > max_oos_rate:
            break
        best = t
    return best


@pytest.mark.parametrize("seed", range(40))
def test_thresholds_are_those_of_trying_every_confidence(seed):
    """The thresholds are counted on the confidences sorted once; they are the ones trying each would pick,
    ties and repeated confidences included."""
    rng = random.Random(seed)
    n = rng.randint(0, 50)
    grid = rng.choice([4, 20, 1000])
    confidences = [rng.randint(0, grid) / grid for _ in range(n)]
    correct = [rng.random() < 0.7 for _ in range(n)]
    oos = [rng.random() < 0.25 for _ in range(n)]
    for max_oos in (0.0, 0.02, 0.2):
        assert choose_threshold(confidences, correct, oos, max_oos) == \
            _threshold_by_trying_each(confidences, correct, oos, max_oos)
        for max_wrong in (0.0, 0.03, 0.3):
            assert choose_hedge_threshold(confidences, correct, oos, max_wrong, max_oos) == \
                _hedge_by_trying_each(confidences, correct, oos, max_wrong, max_oos)


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
