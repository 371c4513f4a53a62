import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assistant.evaluation import Prediction, load_devset, split_metrics
from assistant.knowledge import ValidationError
from train import strict_failures

ROOT = Path(__file__).resolve().parent.parent


def test_check_passes_on_the_repository():
    result = subprocess.run([sys.executable, "train.py", "--check"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")


def test_check_fails_and_names_every_problem(tmp_path):
    for folder in ("faq", "corpus", "eval"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "faq" / "broken.yaml").write_text("id: broken\nnb: [\n", encoding="utf-8")
    (tmp_path / "eval" / "devset" / "bad.yaml").write_text("- {q: hei, expect: finnes-ikke, lang: nb}\n",
                                                           encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "train.py"), "--check", "--root", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "faq/broken.yaml: kan ikke leses som YAML" in result.stderr
    assert "eval/devset/bad.yaml: [0].expect: ukjent id «finnes-ikke»" in result.stderr


def test_strict_thresholds_are_met_by_the_cross_validated_report(index):
    thresholds = yaml.safe_load((ROOT / "eval" / "thresholds.yaml").read_text(encoding="utf-8"))
    assert strict_failures(split_metrics(index.predictions), thresholds) == []


def test_strict_failures_names_the_missed_metrics():
    split = {"alle": {"top1": 0.5, "recall_at_3": 0.99, "oos_false_answer_rate": 0.2},
             "nb": {"top1": 0.9}, "nn": {"top1": 0.8}}
    thresholds = {"min": {"top1": 0.9, "recall_at_3": 0.9}, "max": {"oos_false_answer_rate": 0.05},
                  "max_nb_nn_gap": 0.03}
    failures = strict_failures(split, thresholds)
    assert len(failures) == 3
    assert failures[0].startswith("top1 = 0.500")


def test_strict_failures_gate_the_named_group_and_each_group_with_limits_of_its_own():
    split = {"alle": {"top1": 0.80}, "teamet": {"top1": 0.93, "oos_false_answer_rate": 0.06},
             "besøkende": {"top1": 0.70, "oos_false_answer_rate": 0.0}, "nb": {"top1": 0.8}, "nn": {"top1": 0.8}}
    thresholds = {"group": "teamet", "min": {"top1": 0.92}, "max": {"oos_false_answer_rate": 0.05},
                  "groups": {"besøkende": {"min": {"top1": 0.80}}}}
    assert strict_failures(split, thresholds) == ["teamet: oos_false_answer_rate = 0.060 > 0.05",
                                                  "besøkende: top1 = 0.700 < 0.8"]


def test_the_visitor_file_is_its_own_group_in_the_report(tmp_path):
    devset = tmp_path / "eval" / "devset"
    devset.mkdir(parents=True)
    (devset / "h1.yaml").write_text("- {q: hvor lenge varer et forsøk, expect: varighet, lang: nb}\n", encoding="utf-8")
    (devset / "visitors.yaml").write_text("- {q: kor lenge varer forsoket, expect: varighet, lang: nn}\n"
                                          "- {q: hei, expect: none, lang: nn}\n", encoding="utf-8")
    questions = load_devset(tmp_path, {"varighet"})
    assert [q.visitor for q in questions] == [False, True, True]
    predictions = [Prediction(q, ("varighet",), 0.9, 0.5) for q in questions]
    split = split_metrics(predictions)
    assert (split["teamet"]["n"], split["besøkende"]["n"], split["besøkende"]["oos_false_answer_rate"]) == (1, 2, 1.0)


def test_blind_failures_name_every_missed_blind_figure():
    from train import blind_failures

    split = {"alle": {"right": 0.6, "wrong": 0.05, "junk_answered": 1.0},
             "nb": {"right": 0.7}, "nn": {"right": 0.5}}
    thresholds = {"blind": {"min": {"right": 0.65}, "max": {"wrong": 0.045, "junk_answered": 0},
                            "max_nb_nn_gap": 0.07, "noise_min": {1: 0.57}}}
    failures = blind_failures(split, {0: 0.6, 1: 0.5}, thresholds)
    assert len(failures) == 5
    assert failures[0] == "blind right = 0.600 < 0.65"
    assert blind_failures(split, {1: 0.9}, {}) == []


def test_a_second_right_entry_in_also_counts_as_right_and_bad_also_is_named(tmp_path):
    devset = tmp_path / "eval" / "devset"
    devset.mkdir(parents=True)
    (devset / "h1.yaml").write_text(
        "- {q: kan forsøket vare lenger, expect: forlengelse, also: [varighet], lang: nb}\n"
        "- {q: hvor lenge varer et forsøk, expect: varighet, lang: nb}\n", encoding="utf-8")
    first, second = load_devset(tmp_path, {"varighet", "forlengelse"})
    assert first.also == ("varighet",) and first.accepts("varighet") and not second.accepts("forlengelse")
    predictions = [Prediction(q, ("varighet", "forlengelse"), 0.9, 0.5) for q in (first, second)]
    assert split_metrics(predictions)["alle"]["top1"] == 1.0
    assert second.rank_of_right(("forlengelse", "varighet")) == 2

    (devset / "h1.yaml").write_text("- {q: hei, expect: none, also: [varighet], lang: nb}\n"
                                    "- {q: lenge, expect: varighet, also: [finnes-ikke], lang: nb}\n", encoding="utf-8")
    with pytest.raises(ValidationError) as error:
        load_devset(tmp_path, {"varighet"})
    assert [str(p) for p in error.value.problems] == [
        "eval/devset/h1.yaml: [0].also: må være en liste av id-er, og bare når expect er en id",
        "eval/devset/h1.yaml: [1].also: ukjent id «finnes-ikke»"]
