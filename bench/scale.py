"""How the time per question grows with the number of FAQ entries: the FAQ multiplied to 10x and 100x its size.

    python bench/scale.py                          factors 1, 10 and 100; 200 development questions each
    python bench/scale.py --factors 1,10 --queries 100

For each factor the entries of ``faq/`` are copied into a temporary content root (``corpus/`` as it is): copy
``n`` of an entry gets the id ``<id>-k<n>``, and its phrasings and answers a made-up place name ("... i
Bakkevik?"), so every phrasing is unique and the vocabulary grows with the content. The root is loaded and
validated like real content, the hybrid retriever is fitted on it (``HybridRetriever.fit``), and development
questions are timed two ways: the retriever's candidates alone, and the whole reply (``Assistant.ask``) with
the real index's calibration, målform and intent models (no cross-validation on synthetic content). The full
build of the real index (with its 5-fold cross-validated calibration) and loading it are timed once.
"""

from __future__ import annotations

import argparse
import pickle
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import content_root
from assistant.dialogue import Assistant
from assistant.evaluation import load_devset, percentile
from assistant.index import Index, Settings, build_index, load_index, save_index
from assistant.knowledge import LANGS, load_knowledge

PREFIXES = ("Bakke", "Fjord", "Lia", "Sand", "Strand", "Haug", "Berg", "Nes", "Eid", "Holm", "Myr", "Skog", "Elve",
            "Foss", "Stein", "Lyng", "Furu", "Kvern", "Li", "Mo")
SUFFIXES = ("vik", "dal", "nes", "berg", "eid", "haug", "stad", "by", "rud", "heim", "land", "sund", "fjord",
            "voll", "mark")
MAX_FACTOR = 200
ALSO = {"nb": "Dette gjelder også for {}.", "nn": "Dette gjeld òg for {}."}


def place(n: int) -> str:
    """The made-up place name of copy ``n`` (distinct for n < 300)."""
    return PREFIXES[n % len(PREFIXES)] + SUFFIXES[n // len(PREFIXES) % len(SUFFIXES)]


def multiplied_root(source: Path, target: Path, factor: int) -> None:
    """Write ``factor`` copies of every FAQ entry under ``source`` (copy 0 unchanged) to ``target``."""
    shutil.copytree(source / "corpus", target / "corpus")
    (target / "faq").mkdir()
    for path in sorted((source / "faq").glob("*.yaml")):
        if path.name.startswith("_"):  # content settings (faq/_meta.yaml), not an entry
            shutil.copy(path, target / "faq" / path.name)
            continue
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n in range(factor):
            copy = yaml.safe_load(yaml.safe_dump(entry))
            if n:
                name = place(n)
                copy["id"] = f"{entry['id']}-k{n}"
                copy["related"] = [f"{rid}-k{n}" for rid in entry.get("related", [])]
                for lang in LANGS:
                    part = copy[lang]
                    part["questions"] = [f"{q.rstrip('?!. ')} i {name}?" for q in part["questions"]]
                    part["answer"] = f"{part['answer']} {ALSO[lang].format(name)}"
            (target / "faq" / f"{copy['id']}.yaml").write_text(yaml.safe_dump(copy, allow_unicode=True),
                                                               encoding="utf-8")


def timed(function, *args):
    """``function(*args)`` and the seconds it took."""
    began = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - began


def per_question(function, questions: list[str]) -> list[float]:
    """Seconds per question for ``function(question)``."""
    times = []
    for question in questions:
        began = time.perf_counter()
        function(question)
        times.append(time.perf_counter() - began)
    return times


def main(argv: list[str] | None = None) -> int:
    """Print the scaling table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", default="1,10,100", help=f"comma-separated multipliers, each 1..{MAX_FACTOR}")
    parser.add_argument("--queries", type=int, default=200, help="development questions timed per factor")
    args = parser.parse_args(argv)
    factors = [int(f) for f in args.factors.split(",")]
    if not all(1 <= f <= MAX_FACTOR for f in factors) or not 1 <= args.queries <= 2000:
        parser.error(f"factors must be in 1..{MAX_FACTOR}, --queries in 1..2000")

    root, settings = content_root(), Settings()
    real, build_seconds = timed(build_index, root, settings)
    with tempfile.TemporaryDirectory() as tmp:
        path = save_index(real, Path(tmp))
        _, load_seconds = timed(load_index, path)
        size = path.stat().st_size
    print(f"real index: {len(real.kb.entries)} entries; build (incl. 5-fold CV calibration) {build_seconds:.1f} s; "
          f"load {load_seconds:.2f} s; file {size / 2**20:.1f} MiB")

    questions = [q.q for q in load_devset(root, set(real.kb.by_id))]
    random.Random(7).shuffle(questions)
    questions = questions[:args.queries]
    print("\n| factor | entries | phrasings | load s | fit s | retriever MiB | candidates p50 ms | p95 ms | "
          "ask p50 ms | p95 ms | ask p50 vs 1x |")
    print("|-------:|--------:|----------:|-------:|------:|--------------:|------------------:|-------:|"
          "-----------:|-------:|--------------:|")
    base = None
    for factor in factors:
        with tempfile.TemporaryDirectory() as tmp:
            multiplied_root(root, Path(tmp), factor)
            kb, load_s = timed(load_knowledge, Path(tmp))
        with threadpool_limits(limits=1):  # as build_index fits
            retriever, fit_s = timed(settings.retriever().fit, kb)
        index = Index(kb, retriever, real.calibration, real.malform, real.intents, f"scale-{factor}", real.built_at)
        assistant = Assistant(index)
        per_question(assistant.ask, questions[:20])  # warm caches (stemmer, spelling map)
        candidates = per_question(retriever.candidates, questions)
        asks = per_question(assistant.ask, questions)
        phrasings = len(kb.phrasings)
        ask_p50 = 1000 * percentile(asks, 50)
        base = base or ask_p50
        print(f"| {factor:>5}x | {len(kb.entries):>7} | {phrasings:>9} | {load_s:>6.1f} | {fit_s:>5.1f} | "
              f"{len(pickle.dumps(retriever)) / 2**20:>13.1f} | {1000 * percentile(candidates, 50):>17.1f} | "
              f"{1000 * percentile(candidates, 95):>6.1f} | {ask_p50:>10.1f} | {1000 * percentile(asks, 95):>6.1f} | "
              f"{ask_p50 / base:>13.1f}x |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
