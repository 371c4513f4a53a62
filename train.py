"""Build the index and print the evaluation report.

    python train.py            validate, build the index into build/<hash>/, print the report
    python train.py --check    validate the content only; exit 1 on any problem
    python train.py --strict   also exit 1 when a metric misses eval/thresholds.yaml
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from assistant.config import build_dir, content_root
from assistant.dialogue import Assistant
from assistant.evaluation import format_report, load_devset, percentile, split_metrics
from assistant.index import Settings, build_index, save_index
from assistant.knowledge import ValidationError, check_knowledge
from assistant.progress import ProgressBar


def check(root: Path) -> int:
    """Validate content and development set; print every problem; return the exit code."""
    kb, problems = check_knowledge(root)
    try:
        load_devset(root, set(kb.by_id))
    except ValidationError as exc:
        problems.extend(exc.problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(er) funnet.", file=sys.stderr)
        return 1
    print(f"OK: {len(kb.entries)} oppføringer, {len(kb.pages)} sider, {len(kb.passages)} avsnitt.")
    return 0


def query_times(assistant: Assistant, questions: list[str], repeats: int = 3) -> list[float]:
    """Seconds per question for the whole reply pipeline, the best of ``repeats`` runs each."""
    times = []
    for q in questions:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            assistant.ask(q)
            best = min(best, time.perf_counter() - start)
        times.append(best)
    return times


def strict_failures(split: dict[str, dict[str, float]], thresholds: dict[str, float]) -> list[str]:
    """The metrics that miss ``thresholds`` (minimums, maximums and the nb/nn gap)."""
    failures = []
    for key, minimum in thresholds.get("min", {}).items():
        if split["alle"][key] < minimum:
            failures.append(f"{key} = {split['alle'][key]:.3f} < {minimum}")
    for key, maximum in thresholds.get("max", {}).items():
        if split["alle"][key] > maximum:
            failures.append(f"{key} = {split['alle'][key]:.3f} > {maximum}")
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
    times = query_times(assistant, [q.q for q in index.devset])
    split = split_metrics(index.predictions)
    lang_ok = sum(p.lang == p.question.lang for p in index.predictions)
    extra = {
        "Målform riktig": f"{lang_ok / max(1, len(index.predictions)):.3f}",
        "Intensjoner riktig (holdt ut)": f"{index.intents.holdout_accuracy:.3f}",
        "Terskel (sikkerhet)": f"{index.calibration.threshold:.3f}",
        "Svartid median (ms)": f"{1000 * percentile(times, 50):.2f}",
        "Svartid p95 (ms)": f"{1000 * percentile(times, 95):.2f}",
        "Byggetid (s)": f"{build_seconds:.1f}",
    }
    print(f"\nIndeks: {path}")
    print(f"Evaluering på utviklingssettet ({len(index.devset)} spørsmål, {Settings().folds}-delt kryssvalidering):\n")
    print(format_report(split, extra))
    thresholds = yaml.safe_load((root / "eval" / "thresholds.yaml").read_text(encoding="utf-8"))
    failures = strict_failures(split, thresholds)
    if failures:
        print("\nUnder tersklene i eval/thresholds.yaml:\n  " + "\n  ".join(failures))
        if args.strict:
            return 1
    else:
        print("\nAlle terskler i eval/thresholds.yaml er nådd.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
