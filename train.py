"""Build the index and print the evaluation report.

    python train.py            validate, build the index into build/<hash>/, print the reports:
                               first the blind test set (eval/blind/, never tuned on), end to end,
                               with its noise curve; then the development set, cross-validated
    python train.py --check    validate the content only (the loader and assistant/rules.py); exit 1 on any problem
    python train.py --strict   also exit 1 when a metric misses eval/thresholds.yaml
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import yaml
from threadpoolctl import threadpool_limits

from assistant.blindset import format_blind, load_for, noise_curve, run, split_blind
from assistant.config import build_dir, content_root
from assistant.dialogue import Assistant
from assistant.evaluation import format_report, load_devset, percentile, split_metrics
from assistant.index import Settings, build_index, save_index
from assistant.intents import holdout_accuracy, load_intents
from assistant.knowledge import ValidationError, check_knowledge
from assistant.progress import ProgressBar
from assistant.query import analyse
from assistant.rules import content_problems


def check(root: Path) -> int:
    """Validate content (the loader's checks and the content rules) and development set; print every problem;
    return the exit code."""
    kb, problems = check_knowledge(root)
    problems += content_problems(kb)
    for load in (lambda: load_devset(root, set(kb.by_id)),
                 lambda: load_for(root, kb)):
        try:
            load()
        except ValidationError as exc:
            problems.extend(exc.problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(er) funnet.", file=sys.stderr)
        return 1
    print(f"OK: {len(kb.entries)} oppføringer, {len(kb.pages)} sider, {len(kb.passages)} avsnitt.")
    return 0


def query_times(assistant: Assistant, questions: list[str], sample: int = 100) -> list[float]:
    """Seconds per question for the whole reply pipeline, each of a fixed sample of ``sample`` questions once.

    A question's analysis is not reused from an earlier one (the cache is cleared before each).
    """
    times = []
    for q in random.Random(5).sample(questions, min(sample, len(questions))):
        analyse.cache_clear()
        start = time.perf_counter()
        assistant.ask(q)
        times.append(time.perf_counter() - start)
    return times


def _limit_failures(figures: dict[str, float], limits: dict, label: str) -> list[str]:
    """The ``figures`` below ``limits['min']`` or above ``limits['max']``, named with ``label``."""
    failures = [f"{label}{key} = {figures[key]:.3f} < {low}" for key, low in limits.get("min", {}).items()
                if figures[key] < low]
    return failures + [f"{label}{key} = {figures[key]:.3f} > {high}" for key, high in limits.get("max", {}).items()
                       if figures[key] > high]


def blind_failures(split: dict[str, dict[str, float]], curve: dict[int, float], thresholds: dict) -> list[str]:
    """The blind set's figures that miss ``thresholds['blind']`` (minimums, maximums, nb/nn gap, noise)."""
    limits = thresholds.get("blind", {})
    failures = _limit_failures(split["alle"], limits, "blind ")
    gap = limits.get("max_nb_nn_gap")
    if gap is not None and abs(split["nb"]["right"] - split["nn"]["right"]) > gap:
        failures.append(f"blind: besvart riktig skiller {abs(split['nb']['right'] - split['nn']['right']):.3f} "
                        f"mellom bokmål og nynorsk (grense {gap})")
    for typos, low in (limits.get("noise_min") or {}).items():
        if curve.get(int(typos), 1.0) < low:
            failures.append(f"blind med {typos} skrivefeil per spørsmål: besvart riktig "
                            f"{curve[int(typos)]:.3f} < {low}")
    return failures


def strict_failures(split: dict[str, dict[str, float]], thresholds: dict) -> list[str]:
    """The development set's metrics that miss ``thresholds``: ``min``/``max`` for the group named by ``group``
    (default ``alle``), ``groups`` with limits of their own per group, and the nb/nn gap (all questions)."""
    group = thresholds.get("group", "alle")
    failures = _limit_failures(split[group], thresholds, "" if group == "alle" else f"{group}: ")
    for name, limits in (thresholds.get("groups") or {}).items():
        failures += _limit_failures(split[name], limits, f"{name}: ")
    gap = thresholds.get("max_nb_nn_gap")
    if gap is not None:
        diff = split["nb"]["top1"] - split["nn"]["top1"]
        if diff > gap:
            failures.append(f"topp-1 nynorsk ligger {diff:.3f} under bokmål (grense {gap})")
    return failures


def main(argv: list[str] | None = None) -> int:
    """Run train.py; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="bare valider innholdet")
    parser.add_argument("--strict", action="store_true", help="feil når et mål er under tersklene")
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args(argv)
    root = (args.root or content_root()).resolve()
    if check(root):
        return 1
    if args.check:
        return 0
    started = time.perf_counter()
    index = build_index(root, Settings(), ProgressBar())
    build_seconds = time.perf_counter() - started
    path = save_index(index, build_dir(root))
    assistant = Assistant(index)
    blind = load_for(root, index.kb)
    blind_split = split_blind(run(blind, assistant.ask, lambda q: [c.id for c in assistant.rank(q).candidates]))
    curve = noise_curve(blind, assistant.ask)
    times = query_times(assistant, [q.q for q in index.devset])
    with threadpool_limits(limits=1):
        intent_accuracy = holdout_accuracy(load_intents(), [p.text for p in index.kb.phrasings])
    split = split_metrics(index.predictions)
    lang_ok = sum(p.lang == p.question.lang for p in index.predictions)
    extra = {
        "Målform riktig": f"{lang_ok / max(1, len(index.predictions)):.3f}",
        "Intensjoner riktig (holdt ut)": f"{intent_accuracy:.3f}",
        "Terskel (sikkerhet)": f"{index.calibration.threshold:.3f}",
        "Terskel (antatt svar)": f"{index.calibration.hedge_threshold:.3f}",
        "Svartid median (ms)": f"{1000 * percentile(times, 50):.2f}",
        "Svartid p95 (ms)": f"{1000 * percentile(times, 95):.2f}",
        "Byggetid (s)": f"{build_seconds:.1f}",
    }
    print(f"\nIndeks: {path}")
    print(f"Blindsettet ({len(blind)} spørsmål i eval/blind/, aldri brukt til tilpasning), hele svarveien:\n")
    print(format_blind(blind_split))
    print("\nStøykurve (blindsettet, dekkede spørsmål): besvart riktig med n skrivefeil per spørsmål: "
          + ", ".join(f"{n}: {value:.3f}" for n, value in curve.items()))
    print(f"\nEvaluering på utviklingssettet ({len(index.devset)} spørsmål, "
          f"{Settings().folds}-delt kryssvalidering):\n")
    print(format_report(split, extra))
    thresholds = yaml.safe_load((root / "eval" / "thresholds.yaml").read_text(encoding="utf-8"))
    failures = blind_failures(blind_split, curve, thresholds) + strict_failures(split, thresholds)
    if failures:
        print("\nUnder tersklene i eval/thresholds.yaml:\n  " + "\n  ".join(failures))
        if args.strict:
            return 1
    else:
        print("\nAlle terskler i eval/thresholds.yaml er nådd.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
