"""Latency per question: our answer path against BM25 and plain TF-IDF, on the same questions in one process.

    python bench/latency.py                       500 perturbed FAQ phrasings, 3 rounds
    python bench/latency.py --questions 200 --rounds 5

The questions are phrasings of our own export (``export --format jsonl``: every entry's questions), each
changed the way visitors change questions (``bench/replies.py``'s perturbations: æøå dropped, a typo, a word
dropped, a greeting in front, words swapped, lower case), with the entry it came from as the right answer.
Four systems answer them:

- *ours, full path*: ``Assistant.ask`` (målform, intents, retrieval, ranking, confidence, the reply);
  right when the reply answers with the right entry (a fallback or a clarifying question is not right);
- *ours, ranking only*: the retriever's candidates ranked by the calibration; right when the first is;
- *BM25* (rank-bm25's ``BM25Okapi``) over the stemmed phrasings, the best phrasing's entry;
- *plain TF-IDF*: scikit-learn's ``TfidfVectorizer`` with its defaults over the phrasings, cosine, the
  best phrasing's entry (``transform`` per question, as it is usually used).

Every system answers every question once per round; a question's time is its median over the rounds. The
table gives CPU (this thread's) and wall time per question at p50/p95/p99, the share right, and the ratio of
each system's CPU p50 and p95 to plain TF-IDF's from the same run.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from replies import perturb

from assistant.config import build_dir, content_root
from assistant.dialogue import Assistant
from assistant.evaluation import percentile
from assistant.index import Index, load_or_build
from assistant.query import analyse
from assistant.text import TextPipeline

Answer = Callable[[str], str | None]


class BestPhrasing:
    """The entry of the best-scoring phrasing, from one score per phrasing."""

    def __init__(self, keys: list[str]):
        self.ids = list(dict.fromkeys(keys))
        position = {k: i for i, k in enumerate(self.ids)}
        self.doc_key = np.array([position[k] for k in keys])

    def best(self, scores: np.ndarray) -> str | None:
        """The entry with the highest phrasing score (None when nothing matched)."""
        i = int(np.argmax(scores))
        return self.ids[self.doc_key[i]] if scores[i] > 0 else None


def bm25(texts: list[str], keys: list[str]) -> Answer:
    """BM25 over the stemmed phrasings (our text pipeline's terms)."""
    pipeline, model, best = TextPipeline(), BM25Okapi([TextPipeline().terms(t) for t in texts]), BestPhrasing(keys)
    return lambda question: best.best(model.get_scores(pipeline.terms(question)))


def plain_tfidf(texts: list[str], keys: list[str]) -> Answer:
    """scikit-learn's TfidfVectorizer with its defaults, cosine against every phrasing."""
    vectorizer = TfidfVectorizer()
    matrix, best = vectorizer.fit_transform(texts), BestPhrasing(keys)
    return lambda question: best.best((matrix @ vectorizer.transform([question]).T).toarray().ravel())


def ours_full(index: Index) -> Answer:
    """The whole reply path; the entry answered (None for a fallback, a clarification or small talk)."""
    assistant = Assistant(index)
    return lambda question: assistant.ask(question).id


def ours_ranking(index: Index) -> Answer:
    """Candidates ranked by the calibration; the first one."""
    retriever, calibration = index.retriever, index.calibration

    def answer(question: str) -> str | None:
        ranked = calibration.rank(retriever.candidates(question)[0])
        return ranked[0].id if ranked else None
    return answer


@dataclass
class Timing:
    """One system's answers and per-question times (seconds, per round)."""

    name: str
    answer: Answer
    cpu: list[list[float]]
    wall: list[list[float]]
    right: list[bool]


def run(timing: Timing, questions: list[tuple[str, str]]) -> None:
    """One round: every question once, timed."""
    cpu, wall, right = [], [], []
    gc.collect()
    for text, expect in questions:
        analyse.cache_clear()  # every question is analysed anew, as a new visitor's would be
        c0, w0 = time.thread_time(), time.perf_counter()
        got = timing.answer(text)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.thread_time() - c0)
        right.append(got == expect)
    timing.cpu.append(cpu)
    timing.wall.append(wall)
    timing.right = right


def medians(rounds: list[list[float]]) -> list[float]:
    """Each question's median time over the rounds."""
    return [statistics.median(times) for times in zip(*rounds, strict=True)]


def main(argv: list[str] | None = None) -> int:
    """Print the latency table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    if not 1 <= args.questions <= 5000 or not 1 <= args.rounds <= 20:
        parser.error("--questions in 1..5000, --rounds in 1..20")
    root = content_root()
    index = load_or_build(root, build_dir(root))
    phrasings = index.kb.phrasings
    texts, keys = [p.text for p in phrasings], [p.entry_id for p in phrasings]
    rng = random.Random(args.seed)
    questions = [(perturb(p.text, rng), p.entry_id) for p in rng.sample(phrasings, min(args.questions, len(phrasings)))]
    systems = [Timing(name, answer, [], [], []) for name, answer in (
        ("ours, full answer path (Assistant.ask)", ours_full(index)),
        ("ours, ranking only", ours_ranking(index)),
        ("BM25 (rank-bm25)", bm25(texts, keys)),
        ("plain word TF-IDF (scikit-learn defaults)", plain_tfidf(texts, keys)))]
    for timing in systems:  # warm-up: caches, lazily built tables
        for text, _ in questions[:20]:
            timing.answer(text)
    for _ in range(args.rounds):
        for timing in systems:
            run(timing, questions)
    base = systems[-1]
    base_cpu = medians(base.cpu)
    print(f"{len(questions)} perturbed phrasings of {len(index.kb.entries)} entries, {args.rounds} rounds "
          f"(each question's median), one process\n")
    print("| system | CPU p50 ms | CPU p95 ms | CPU p99 ms | wall p50 ms | wall p95 ms | wall p99 ms | right | "
          "CPU p50 / TF-IDF | CPU p95 / TF-IDF |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for timing in systems:
        cpu, wall = medians(timing.cpu), medians(timing.wall)
        p = [1000 * percentile(cpu, q) for q in (50, 95, 99)] + [1000 * percentile(wall, q) for q in (50, 95, 99)]
        ratio50 = percentile(cpu, 50) / percentile(base_cpu, 50)
        ratio95 = percentile(cpu, 95) / percentile(base_cpu, 95)
        print(f"| {timing.name} | " + " | ".join(f"{x:.2f}" for x in p) +
              f" | {sum(timing.right) / len(timing.right):.3f} | {ratio50:.2f}x | {ratio95:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
