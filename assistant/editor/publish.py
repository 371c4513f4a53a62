"""Publishing an editor's change: validate, rebuild, gate on the development set, write back, swap in.

One change at a time (a file lock in the build folder, shared by every worker on the host):

1. the content (``faq/``, ``corpus/``, ``eval/``) is copied to a staging folder and the change applied there;
2. the loader's checks and the content rules (:mod:`assistant.rules`) run on the staged content;
3. the index is rebuilt from it, and the cross-validated development-set evaluation of the new index is
   compared with the current index's on the *same* questions and folds (the new development set, graded
   by the current retriever), so the difference is the change's and not the folds';
4. a change that lowers top-1 by more than ``EDITOR_MAX_TOP1_DROP`` or raises the rate of false answers
   to out-of-scope questions by more than ``EDITOR_MAX_OOS_RISE`` is refused, with the numbers and the
   questions it broke; the blind test set (``eval/blind/``, read only) is graded end to end by the current
   and the new index, and a drop of its right answers or a rise of its false answers by as much is refused too;
5. an accepted change is copied into the content root (the repository stays the source of truth), a line
   goes to ``eval/changes.log``, the index is saved and marked current (every worker follows
   ``build/current``, see :mod:`assistant.reload`) and swapped into this process at once.

A rebuild takes tens of seconds, so the web pages run :meth:`Publisher.start` (a thread) and show the job's
status from a small JSON file under ``build/editor/jobs``, which every worker can read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import math
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..blindset import blind_metrics, load_for, run
from ..calibration import Example
from ..database import LogUnavailable
from ..dialogue import Assistant
from ..evaluation import DevQuestion, Prediction, cross_validate, load_devset, split_metrics
from ..ids import HEX_ID
from ..index import Index, Settings, build_index, content_hash, save_index
from ..knowledge import KnowledgeBase, Phrasing, Problem, ValidationError, check_knowledge
from ..rules import entry_problems, id_problems, phrasing_problems
from . import content
from .store import EditorStore

log = logging.getLogger(__name__)

#: The folders copied to the staging area and written back.
CONTENT_FOLDERS = ("faq", "corpus", "eval")
#: A job still "running" after this many seconds was cut off (its process ended).
STALE_SECONDS = 30 * 60
#: Job files are kept this long, for the links in editors' browser history.
KEEP_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class Change:
    """One editor's change: new phrasings, a new entry and/or development questions.

    ``action`` and ``reply_ids`` say which logged questions the change settles (see
    :data:`assistant.editor.store.ACTIONS`); ``summary`` is the commit-message-ready line.
    """

    editor: str
    action: str
    summary: str
    phrasings: tuple[Phrasing, ...] = ()
    new_entry: dict[str, Any] | None = None
    dev_questions: tuple[DevQuestion, ...] = ()
    reply_ids: tuple[str, ...] = ()

    @property
    def entry_id(self) -> str | None:
        """The entry the change is about (None for out-of-scope questions)."""
        if self.new_entry:
            return str(self.new_entry["id"])
        return self.phrasings[0].entry_id if self.phrasings else None


@dataclass
class Outcome:
    """How a publish went: ``accepted``, ``refused`` (by the gate), ``invalid`` (content rules) or ``failed``."""

    state: str
    message: str
    problems: list[str] = field(default_factory=list)
    before: dict[str, float] | None = None
    after: dict[str, float] | None = None
    reasons: list[str] = field(default_factory=list)
    worse: list[dict[str, str]] = field(default_factory=list)
    content_hash: str | None = None


class StepTimer:
    """Seconds spent in each named step of a publish (a step seen again adds to its time)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.started = clock()
        self.seconds: dict[str, float] = {}
        self._current: tuple[str, float] | None = None

    def step(self, name: str | None) -> None:
        """Start step ``name`` (None: the last step is over); the step before it ends now."""
        now = self.clock()
        if self._current and self._current[0] != name:
            done, since = self._current
            self.seconds[done] = round(self.seconds.get(done, 0.0) + now - since, 1)
            self._current = None
        if name is not None and self._current is None:
            self._current = (name, now)

    def total(self) -> float:
        """Seconds since the timer started."""
        return self.clock() - self.started


class Busy(RuntimeError):
    """Another publish is running."""


class PublishLock:
    """An exclusive, non-blocking lock on a file: one publish at a time across threads and processes.

    The operating system releases it when its process ends, so a crashed publish never blocks the next.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False when someone else holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class JobStore:
    """Publish jobs as small JSON files in ``folder``, readable by every worker on the host."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, job_id: str) -> Path:
        """The file of job ``job_id``."""
        if not HEX_ID.fullmatch(job_id):
            raise ValueError("invalid job id")
        return self.folder / f"{job_id}.json"

    def create(self, change: Change) -> dict[str, Any]:
        """A new running job for ``change`` (jobs finished more than :data:`KEEP_SECONDS` ago are removed)."""
        for old in self.folder.glob("*.json"):
            with contextlib.suppress(OSError):
                if time.time() - old.stat().st_mtime > KEEP_SECONDS:
                    old.unlink()
        job = {"id": uuid.uuid4().hex, "editor": change.editor, "summary": change.summary,
               "entry_id": change.entry_id, "state": "running", "step": "Venter",
               "started": time.time(), "finished": None}
        if change.new_entry:  # kept so a refused new entry can be edited and tried again, not written anew
            job.update(new_entry=change.new_entry, reply_ids=list(change.reply_ids))
        self.save(job)
        return job

    def save(self, job: dict[str, Any]) -> None:
        """Write ``job`` atomically."""
        content.write_atomically(self.path(job["id"]), json.dumps(job, ensure_ascii=False, indent=1))

    def get(self, job_id: str) -> dict[str, Any] | None:
        """Job ``job_id`` (a running job whose process died shows as failed), or None."""
        try:
            job = json.loads(self.path(job_id).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return None
        if job["state"] == "running" and time.time() - job["started"] > STALE_SECONDS:
            job.update(state="failed", message="Publiseringen ble avbrutt (tjenesten startet på nytt?). Prøv igjen.")
        return job

    def last_duration(self) -> float | None:
        """How many seconds the most recently finished publish took (None before the first)."""
        jobs = [j for p in self.folder.glob("*.json") if (j := self.get(p.stem)) and j.get("timings") is not None]
        return max(jobs, key=lambda j: j["finished"])["elapsed"] if jobs else None

    def running(self) -> dict[str, Any] | None:
        """The most recently started job that is still running, if any."""
        jobs = [j for p in self.folder.glob("*.json") if (j := self.get(p.stem)) and j["state"] == "running"]
        return max(jobs, key=lambda j: j["started"]) if jobs else None


def _rate(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def gate_reasons(before: dict[str, float], after: dict[str, float], max_top1_drop: float,
                 max_oos_rise: float, key: str = "top1", label: str = "riktige førstevalg (topp-1)") -> list[str]:
    """Why the change from ``before`` to ``after`` is refused; empty if it is not.

    ``before`` and ``after`` are ``split_metrics(...)["alle"]`` (``key`` "top1") or the blind set's
    :func:`~assistant.blindset.blind_metrics` (``key`` "right").
    """
    reasons = []
    if _rate(after[key]) < _rate(before[key]) - max_top1_drop - 1e-12:
        reasons.append(f"Andelen {label} faller fra {_rate(before[key]):.1%} til "
                       f"{_rate(after[key]):.1%}; høyst {max_top1_drop:.1%} nedgang er tillatt.")
    old, new = _rate(before["oos_false_answer_rate"]), _rate(after["oos_false_answer_rate"])
    if new > old + max_oos_rise + 1e-12:
        reasons.append(f"Andelen spørsmål utenfor tema som får et (feil) svar stiger fra {old:.1%} til {new:.1%}; "
                       f"høyst {max_oos_rise:.1%} økning er tillatt.")
    return reasons


def worse_questions(before: Sequence[Prediction], after: Sequence[Prediction], limit: int = 20) -> list[dict[str, str]]:
    """Development questions the change breaks: right before and wrong after, or newly answered out of scope."""
    worse = []
    for old, new in zip(before, after, strict=True):
        q = new.question
        if q.expect is not None and old.correct and not new.correct:
            worse.append({"q": q.q, "expect": q.expect, "got": new.ranked[0] if new.ranked else "", "lang": q.lang})
        elif q.expect is None and not old.answered and new.answered:
            worse.append({"q": q.q, "expect": "none", "got": new.ranked[0] if new.ranked else "", "lang": q.lang})
    return worse[:limit]


_baseline_lock = threading.Lock()
_baseline: dict[str, Any] = {"hash": None, "candidates": {}, "blind": None}


def blind_figures(index: Index, root: Path) -> dict[str, float]:
    """The blind set under ``root`` graded end to end by ``index`` (read only: nothing is fitted with it)."""
    return blind_metrics(run(load_for(root, index.kb), Assistant(index).ask))


def baseline_blind(current: Index, root: Path) -> dict[str, float]:
    """:func:`blind_figures` for the current index, computed once per index."""
    with _baseline_lock:
        if _baseline["hash"] != (current.content_hash, id(current)):
            _baseline.update(hash=(current.content_hash, id(current)), candidates={}, blind=None)
        if _baseline["blind"] is None:
            _baseline["blind"] = blind_figures(current, root)
        return _baseline["blind"]


def baseline_examples(current: Index, devset: Sequence[DevQuestion]) -> list[Example]:
    """The candidate features of ``devset`` under the current index's retriever (cached per index)."""
    with _baseline_lock:
        if _baseline["hash"] != (current.content_hash, id(current)):
            _baseline.update(hash=(current.content_hash, id(current)), candidates={}, blind=None)
        cache: dict[str, Any] = _baseline["candidates"]
        for q in devset:
            if q.q not in cache:
                cache[q.q] = current.retriever.candidates(q.q)[0]
        return [q.example(cache[q.q]) for q in devset]


def baseline_predictions(current: Index, devset: Sequence[DevQuestion], settings: Settings) -> list[Prediction]:
    """``devset`` graded, cross-validated, by the current index's retriever (candidates cached per index)."""
    return cross_validate(devset, baseline_examples(current, devset), settings.folds, settings.max_oos_rate)


def baseline_ready(current: Index) -> bool | None:
    """Whether the current index's development-set candidates and blind-set figures are cached (a publish skips them).

    None while they are being computed (the check never waits for that).
    """
    if not _baseline_lock.acquire(blocking=False):
        return None
    try:
        return _baseline["hash"] == (current.content_hash, id(current)) and _baseline["blind"] is not None and \
            all(q.q in _baseline["candidates"] for q in current.devset)
    finally:
        _baseline_lock.release()


def warm_baseline(current: Index, root: Path) -> threading.Thread | None:
    """Grade the development set and the blind set (content under ``root``) with the current index in the
    background, once per index, so that a publish need not.

    Measured: grading the development set was the largest step of a publish (98 of 310 s on a loaded 2-core
    machine). The editor pages call this when an editor opens the queue; None when the cache is ready or
    being filled.
    """
    if baseline_ready(current) is not False:
        return None

    def work() -> None:
        baseline_examples(current, current.devset)
        baseline_blind(current, root)

    thread = threading.Thread(target=work, name="baseline-warm", daemon=True)
    thread.start()
    return thread


def content_files(root: Path) -> dict[str, bytes]:
    """Every content file under ``root`` (relative path -> bytes), the change log aside."""
    return {str(p.relative_to(root)): p.read_bytes() for folder in CONTENT_FOLDERS
            for p in sorted((root / folder).rglob("*")) if p.is_file() and p.relative_to(root) != content.CHANGES_FILE}


def _copy_content(source: Path, target: Path) -> None:
    for folder in CONTENT_FOLDERS:
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder)


def apply_change(root: Path, kb: KnowledgeBase, change: Change, day: dt.date) -> list[Problem]:
    """Write ``change`` into the content under ``root`` (whose entries are ``kb``); problems found on the way."""
    problems: list[Problem] = []
    for phrasing in change.phrasings:
        entry = kb.by_id.get(phrasing.entry_id)
        if entry is None:
            problems.append(Problem(f"faq/{phrasing.entry_id}.yaml", "", "oppføringen finnes ikke"))
            continue
        found = phrasing_problems(entry, phrasing.lang, phrasing.text)
        if found:
            problems += found
            continue
        try:
            content.add_phrasing(root / entry.path, phrasing.lang, phrasing.text, day)
        except content.ContentError as exc:
            problems.append(Problem(entry.path, phrasing.lang, str(exc)))
    if change.new_entry:
        path = f"faq/{change.new_entry['id']}.yaml"
        too_long = id_problems(str(change.new_entry["id"]), path)
        try:
            if not too_long:
                content.write_entry(root, {**change.new_entry, "reviewed": day.isoformat()})
        except content.ContentError as exc:
            problems.append(Problem(path, "", str(exc)))
        problems += too_long
    if change.dev_questions:
        content.add_dev_questions(root, change.dev_questions)
    return problems


def _changed_entry_ids(change: Change) -> set[str]:
    ids = {p.entry_id for p in change.phrasings}
    if change.new_entry:
        ids.add(str(change.new_entry["id"]))
    return ids


class Publisher:
    """Publishes changes to the content under ``root`` and the index under ``build_dir``."""

    def __init__(self, root: Path, build_dir: Path, *, max_top1_drop: float = 0.01, max_oos_rise: float = 0.01,
                 settings: Settings | None = None, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 timezone: dt.tzinfo = dt.UTC):
        self.root, self.build_dir = root, build_dir
        self.max_top1_drop, self.max_oos_rise = max_top1_drop, max_oos_rise
        self.settings = settings or Settings()
        self.clock, self.timezone = clock, timezone
        self.work_dir = build_dir / "editor"
        self.jobs = JobStore(self.work_dir / "jobs")
        self.lock = PublishLock(self.work_dir / "publish.lock")

    def start(self, change: Change, assistant: Assistant, store: EditorStore) -> dict[str, Any]:
        """Run :meth:`run` in a thread; the new job. :class:`Busy` when another publish is running."""
        if not self.lock.acquire():
            raise Busy("another publish is running")
        try:
            job = self.jobs.create(change)
        except BaseException:
            self.lock.release()
            raise

        def work() -> None:
            try:
                self._job(job, change, assistant, store)
            finally:
                self.lock.release()

        threading.Thread(target=work, name=f"publish-{job['id'][:8]}", daemon=True).start()
        return job

    def _job(self, job: dict[str, Any], change: Change, assistant: Assistant, store: EditorStore) -> None:
        last = [0.0]
        timer = StepTimer()

        def progress(step: str, done: int, total: int) -> None:
            timer.step(step)
            if time.monotonic() - last[0] > 1.0 or done == total:
                last[0] = time.monotonic()
                self.jobs.save({**job, "step": f"{step} ({done}/{total})" if total > 1 else step,
                                "elapsed": round(timer.total(), 1)})

        try:
            outcome = self.run(change, assistant, store, progress)
        except Exception:
            log.exception("Publisering feilet")
            outcome = Outcome("failed", "Publiseringen feilet på grunn av en intern feil; se tjenestens logg. "
                                        "Prøv igjen, eller meld fra til den som drifter tjenesten.")
        timer.step(None)
        log.info("Publiseringen tok %.1f s: %s", timer.total(), timer.seconds)
        self.jobs.save({**job, **asdict(outcome), "step": "", "finished": time.time(),
                        "elapsed": round(timer.total(), 1), "timings": timer.seconds})

    def run(self, change: Change, assistant: Assistant, store: EditorStore | None = None,
            progress: Callable[[str, int, int], None] | None = None) -> Outcome:
        """Validate, rebuild, gate and (when accepted) publish ``change``; the caller holds the lock."""
        progress = progress or (lambda *_: None)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=self.work_dir))
        try:
            return self._run(change, assistant, store, staging, progress)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _run(self, change: Change, assistant: Assistant, store: EditorStore | None, staging: Path,
             progress: Callable[[str, int, int], None]) -> Outcome:
        progress("Kontrollerer endringen", 0, 1)
        _copy_content(self.root, staging)
        original = content_files(staging)
        kb_before, problems = check_knowledge(staging)
        if problems:
            return _invalid("Innholdet i faq/ har feil fra før; rett dem først.", problems)
        now = self.clock()
        problems = apply_change(staging, kb_before, change, now.astimezone(self.timezone).date())
        kb, load_problems = check_knowledge(staging)
        problems += load_problems
        try:
            load_devset(staging, set(kb.by_id))
        except ValidationError as exc:
            problems += exc.problems
        problems += [p for entry_id in sorted(_changed_entry_ids(change)) if entry_id in kb.by_id
                     for p in entry_problems(kb.by_id[entry_id], kb)]
        if problems:
            return _invalid("Endringen er ikke publisert fordi innholdet ikke oppfyller reglene.", problems)
        new_index = build_index(staging, self.settings, progress)
        progress("Sammenligner med gjeldende indeks", 0, 1)
        current = assistant.index
        before_predictions = baseline_predictions(current, new_index.devset, self.settings)
        before = split_metrics(before_predictions)["alle"]
        after = split_metrics(new_index.predictions)["alle"]
        reasons = gate_reasons(before, after, self.max_top1_drop, self.max_oos_rise)
        reasons += gate_reasons(baseline_blind(current, staging), blind_figures(new_index, staging),
                                self.max_top1_drop, self.max_oos_rise, "right", "riktige svar på blindsettet")
        if reasons:
            return Outcome("refused", "Endringen er avvist fordi den ville gjort andre svar dårligere.",
                           before=before, after=after, reasons=reasons,
                           worse=worse_questions(before_predictions, new_index.predictions))
        progress("Publiserer", 0, 1)
        staged = content_files(staging)
        self._write_back({name: data for name, data in staged.items() if original.get(name) != data}, change, now)
        if content_files(self.root) == staged:
            # The content root now holds exactly what the index was built from: label the index with its hash,
            # so a worker (re)starting on this content loads it instead of building it again.
            new_index = replace(new_index, content_hash=content_hash(self.root, self.settings))
        else:
            log.warning("Innholdet endret seg under publiseringen; indeksen beholder hashen fra staging")
        save_index(new_index, self.build_dir)
        assistant.index = new_index
        message = "Endringen er publisert, og assistenten svarer nå fra den nye indeksen."
        if store is not None and change.reply_ids:
            try:
                store.mark(change.reply_ids, change.action, change.editor, change.entry_id)
            except LogUnavailable:
                message += (" Spørsmålene kunne ikke merkes som behandlet (databasen svarte ikke) og står "
                            "fortsatt i køen.")
        log.info("Publisert av %s: %s (indeks %s)", change.editor, content.one_line(change.summary),
                 new_index.content_hash)
        return Outcome("accepted", message, before=before, after=after, content_hash=new_index.content_hash,
                       worse=worse_questions(before_predictions, new_index.predictions))

    def _write_back(self, files: dict[str, bytes], change: Change, now: dt.datetime) -> None:
        """Write the files the change touched into the content root, and log the change."""
        for name, data in sorted(files.items()):
            content.write_atomically(self.root / name, data.decode("utf-8"))
        content.append_change(self.root, content.change_line(now, change.editor, change.summary))


def _invalid(message: str, problems: Sequence[Problem]) -> Outcome:
    return Outcome("invalid", message, problems=[str(p) for p in problems])
