"""Building, saving and loading the search index.

The index is everything the assistant needs to answer, fitted from ``faq/``, ``corpus/`` and the
development set: the validated knowledge base, the fitted retrievers, the calibration, the
målform classifier and the cross-validated evaluation. It is saved with joblib under
``build/<hash>/`` where the hash covers the content *and* the code, so a stale index is never
loaded; ``load_or_build`` builds when needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import joblib
from threadpoolctl import threadpool_limits

from . import __version__
from .calibration import Calibration, Example, fit_calibration
from .evaluation import DevQuestion, Prediction, cross_validate, load_devset
from .intents import IntentClassifier, load_intents
from .knowledge import LANGS, KnowledgeBase, load_knowledge
from .malform import MalformClassifier
from .messages import CATALOGUE
from .retrieval import HybridRetriever

INDEX_FILE = "index.joblib"
CURRENT_FILE = "current"
PACKAGE_DIR = Path(__file__).resolve().parent
#: The folders whose files decide the index's hash, relative to the project root.
CONTENT_DIRS = ("faq", "corpus", "eval/devset")
#: Package files that shape no index and so are left out of its code hash: the message catalogue (a changed
#: sentence needs no rebuild, and running workers still hot-swap to an index built after it).
TEXT_FILES = frozenset({PACKAGE_DIR / "data" / CATALOGUE})

Progress = Callable[[str, int, int], None]


class IndexLoadError(RuntimeError):
    """The index could not be loaded (missing, corrupt or built from other content)."""


@dataclass
class Settings:
    """Knobs that shape the index; part of its hash."""

    fuzzy_scorer: str = HybridRetriever.fuzzy_scorer
    top_k: int = HybridRetriever.top_k
    shortlist: int = HybridRetriever.shortlist
    classifier_max_entries: int = HybridRetriever.classifier_max_entries
    max_postings: int = HybridRetriever.max_postings
    folds: int = 5
    # The answer threshold keeps this share of out-of-scope development questions from being answered
    # on the tuning folds (the cross-validated rate is reported; the gate in eval/thresholds.yaml is 0.05).
    max_oos_rate: float = 0.02

    def retriever(self) -> HybridRetriever:
        """An unfitted :class:`HybridRetriever` with these settings."""
        return HybridRetriever(fuzzy_scorer=self.fuzzy_scorer, top_k=self.top_k, shortlist=self.shortlist,
                               classifier_max_entries=self.classifier_max_entries, max_postings=self.max_postings)


@dataclass(frozen=True)
class Index:
    """A built index, ready to answer questions.

    Frozen: a running assistant never changes its index in place; a new index is swapped in whole
    (:mod:`assistant.reload`, publishing), and a reply is built from one snapshot (:meth:`Assistant.snapshot`).
    """

    kb: KnowledgeBase
    retriever: HybridRetriever
    calibration: Calibration
    malform: MalformClassifier
    intents: IntentClassifier
    content_hash: str
    built_at: str
    devset: list[DevQuestion] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    code_hash: str = ""


def _digest(start: str, base: Path, files: list[Path]) -> str:
    digest = hashlib.sha256(start.encode())
    for path in sorted(files):
        digest.update(path.relative_to(base).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def code_hash(settings: Settings | None = None) -> str:
    """A short hash of the package code and data, its version and the settings: the code that builds an index."""
    files = [p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in {".py", ".txt", ".tsv", ".yaml"}
             and "migrations" not in p.parts and p not in TEXT_FILES]
    return _digest(f"{__version__}|{settings or Settings()}", PACKAGE_DIR, files)


def content_hash(root: Path, settings: Settings | None = None) -> str:
    """A short hash of the content folders and of the code that builds from them (:func:`code_hash`)."""
    return _digest(code_hash(settings), root, [p for d in CONTENT_DIRS for p in (root / d).rglob("*") if p.is_file()])


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def examples_for(retriever: HybridRetriever, questions: list[DevQuestion],
                 progress: Progress = _no_progress) -> list[Example]:
    """Candidate features for every development question."""
    examples = []
    for i, question in enumerate(questions, 1):
        candidates, hits = retriever.candidates(question.q)
        examples.append(question.example(candidates, hits[0].score if hits else 0.0))
        progress("Kandidater for utviklingssettet", i, len(questions))
    return examples


def build_index(root: Path, settings: Settings | None = None, progress: Progress = _no_progress) -> Index:
    """Validate the content under ``root`` and fit every part of the index.

    The fits run with one BLAS and OpenMP thread: L-BFGS-B's vector operations are too small to gain from a
    second thread, which more than doubled the entry classifier's CPU time (5.3 -> 13.9 s) and slowed it down
    on a machine whose cores are busy (the coefficients differ by float rounding, ~1e-14).
    """
    with threadpool_limits(limits=1):
        return _build_index(root, settings or Settings(), progress)


def _build_index(root: Path, settings: Settings, progress: Progress) -> Index:
    progress("Validerer innhold", 0, 1)
    kb = load_knowledge(root)
    devset = load_devset(root, set(kb.by_id))
    progress("Validerer innhold", 1, 1)
    progress("Tilpasser søkemotoren", 0, 1)
    retriever = settings.retriever().fit(kb)
    progress("Tilpasser søkemotoren", 1, 1)
    examples = examples_for(retriever, devset, progress)
    progress("Kryssvalidering", 0, 1)
    predictions = cross_validate(devset, examples, settings.folds, settings.max_oos_rate) if devset else []
    progress("Kryssvalidering", 1, 1)
    calibration = fit_calibration(examples, settings.max_oos_rate)
    texts = [t for e in kb.entries for lang in LANGS for t in (*e.part(lang).questions, e.part(lang).answer)]
    labels = [lang for e in kb.entries for lang in LANGS for _ in range(len(e.part(lang).questions) + 1)]
    malform = MalformClassifier().fit(texts, labels)
    predictions = [Prediction(p.question, p.ranked, p.confidence, p.threshold,
                              malform.predict(p.question.q)) for p in predictions]
    progress("Intensjoner", 0, 1)
    faq_questions = [p.text for p in kb.phrasings]
    intents = IntentClassifier().fit(load_intents(), faq_questions)
    progress("Intensjoner", 1, 1)
    return Index(kb, retriever, calibration, malform, intents, content_hash(root, settings),
                 dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), devset, predictions, code_hash(settings))


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def mark_current(build_dir: Path, content_hash: str) -> None:
    """Point ``build_dir/current`` at the index every worker should answer from."""
    _write_atomically(build_dir / CURRENT_FILE, content_hash.encode())


def current_hash(build_dir: Path) -> str | None:
    """The hash in ``build_dir/current``, or None when no index was marked current yet."""
    try:
        return (build_dir / CURRENT_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def save_index(index: Index, build_dir: Path) -> Path:
    """Write ``index`` atomically to ``build_dir/<hash>/index.joblib``, mark it current, return its path."""
    target = build_dir / index.content_hash
    target.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target, suffix=".tmp")
    os.close(fd)
    joblib.dump(index, tmp, compress=3)
    os.replace(tmp, target / INDEX_FILE)
    (target / "meta.json").write_text(json.dumps({
        "hash": index.content_hash, "code": index.code_hash, "built_at": index.built_at,
        "entries": len(index.kb.entries),
        "pages": len(index.kb.pages), "threshold": index.calibration.threshold}, indent=2), encoding="utf-8")
    mark_current(build_dir, index.content_hash)
    return target / INDEX_FILE


def read_meta(folder: Path) -> dict:
    """The ``meta.json`` that :func:`save_index` wrote beside an index ({} when missing or unreadable)."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def load_index(path: Path) -> Index:
    """Load an index file; raise :class:`IndexLoadError` with a clear message when it is unusable."""
    if not path.is_file():
        raise IndexLoadError(f"Fant ingen indeks i {path}. Kjør «python train.py» først.")
    try:
        index = joblib.load(path)
    except Exception as exc:
        raise IndexLoadError(f"Indeksen i {path} er skadet ({type(exc).__name__}). Bygg den på nytt "
                          "med «python train.py».") from exc
    if not isinstance(index, Index):
        raise IndexLoadError(f"{path} inneholder ikke en indeks. Bygg den på nytt med «python train.py».")
    return index


def index_path(root: Path, build_dir: Path, settings: Settings | None = None) -> Path:
    """Where the index for the current content lives."""
    return build_dir / content_hash(root, settings) / INDEX_FILE


def load_or_build(root: Path, build_dir: Path, settings: Settings | None = None,
                  progress: Progress = _no_progress) -> Index:
    """Load the index for the current content, building and saving it first if it is missing or stale."""
    path = index_path(root, build_dir, settings)
    if path.is_file():
        try:
            index = load_index(path)
            mark_current(build_dir, index.content_hash)
            return index
        except IndexLoadError:
            pass
    index = build_index(root, settings, progress)
    save_index(index, build_dir)
    return index
