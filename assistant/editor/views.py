"""The editor pages under ``/editor``: login, the review queue, publishing, the dashboard and the exports.

Every route but the login page and the two static files refuses anyone not logged in (a blueprint-wide
check, so a new route cannot forget it), and every POST carries the session's CSRF token. Pages are
rendered with Jinja's autoescaping; visitor text is never marked safe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.exceptions import HTTPException

from ..database import LogUnavailable, QuestionLog
from ..dialogue import Assistant
from ..evaluation import DevQuestion
from ..ids import entry_slug, is_entry_slug
from ..knowledge import LANGS, Entry, KnowledgeBase, LangPart, Phrasing, Source, load_knowledge
from ..messages import error_for_status
from ..rules import entry_problems, phrasing_problems
from ..web import web_dir
from . import charts, dashboard, export
from .auth import check_csrf, csrf_token, log_in, log_out, logins_disabled, safe_next, session_editor
from .publish import Busy, Change, Publisher, warm_baseline
from .queue import (
    Question,
    cluster_questions,
    find_questions,
    queue_questions,
    review_queue,
    with_nearest,
    without_placeholders,
)
from .store import EditorStore

bp = Blueprint("editor", __name__, url_prefix="/editor")

#: Endpoints open to everyone: the login page and the pages' own CSS and JavaScript.
PUBLIC_ENDPOINTS = frozenset({"editor.login", "editor.asset"})
ASSETS = ("editor.css", "editor.js")
LANG_NAMES = {"nb": "bokmål", "nn": "nynorsk"}
PERIODS = (7, 30, 90)
#: Publish jobs whose new entry can be reopened, edited and sent again.
RETRYABLE = frozenset({"refused", "invalid", "failed"})
MAX_CLUSTERS = 50
METRIC_ROWS = (("top1", "Riktig førstevalg (topp-1)"), ("recall_at_3", "Riktig blant tre beste"),
               ("answered_rate", "Andel besvart (i tema)"), ("oos_false_answer_rate", "Falske svar utenfor tema"))


@dataclass
class Editor:
    """What the editor pages work with: the account store, the publisher and the local time zone."""

    store: EditorStore
    publisher: Publisher
    tz: dt.tzinfo


def ext() -> Editor:
    """This app's :class:`Editor`."""
    return current_app.extensions["editor"]


def assistant() -> Assistant:
    """The app's assistant (its index is the one answering now)."""
    return current_app.extensions["assistant"]


def question_log() -> QuestionLog:
    """The app's question log."""
    return current_app.extensions["log"]


@bp.context_processor
def template_globals() -> dict[str, Any]:
    """The CSRF token and the logged-in editor, for every editor template."""
    return {"csrf_token": csrf_token, "editor_name": g.get("editor")}


@bp.app_template_filter("editor_time")
def editor_time(value: dt.datetime) -> str:
    """A stored (UTC) time as local date and time, e.g. «30.11.2026 kl. 09.15»."""
    return value.astimezone(ext().tz).strftime("%d.%m.%Y kl. %H.%M")


# --- access --------------------------------------------------------------------------------------------

@bp.before_request
def guard() -> Response | None:
    """Load the logged-in editor; send anyone else to the login page; check the CSRF token of every POST."""
    g.editor = None
    if request.endpoint == "editor.asset":
        return None
    g.editor = session_editor(ext().store)
    if g.editor is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.method == "GET" and not request.path.endswith((".json", ".csv")):
            return redirect(url_for("editor.login", next=request.full_path.rstrip("?")))
        abort(401)
    if request.method == "POST":
        check_csrf()
    return None


@bp.after_request
def private(response: Response) -> Response:
    """Editor pages are never cached or framed."""
    if request.endpoint != "editor.asset":
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.vary.add("Cookie")
    return response


def _error_page(status: int, **context: Any) -> tuple[str, int]:
    """The editor's error page for HTTP ``status``, heading and text from the error table (:mod:`.messages`)."""
    heading = error_for_status(status, "editor_heading").texts["editor_heading"]
    message = error_for_status(status, "editor").texts["editor"]
    return render_template("editor/error.html", status=status, heading=heading, message=message, **context), status


@bp.errorhandler(HTTPException)
def error(exc: HTTPException) -> tuple[str, int]:
    """Errors on the editor pages, in Norwegian; too many logins shows the login page again."""
    status = exc.code or 500
    if status == 429:
        return render_template("editor/login.html", error=error_for_status(429, "editor").texts["editor"],
                               next=request.form.get("next", ""), name=""), 429
    return _error_page(status)


@bp.errorhandler(LogUnavailable)
def database_down(exc: LogUnavailable) -> tuple[str, int]:
    """The question log's database is down."""
    return _error_page(503)


@bp.get("/<any(" + ", ".join(f'"{name}"' for name in ASSETS) + "):name>")
def asset(name: str) -> Response:
    """The editor pages' stylesheet and script."""
    return send_from_directory(web_dir(), name, max_age=3600)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Log in with an account made by ``python -m assistant editor add NAME``."""
    if logins_disabled():
        return render_template("editor/login.html", disabled=True, next="", name=""), 503
    target = safe_next(request.values.get("next"), url_for("editor.queue"))
    if g.editor and request.method == "GET":
        return redirect(target)
    if request.method == "GET":
        return render_template("editor/login.html", next=target, name="")
    name = request.form.get("name", "").strip().lower()
    account = ext().store.authenticate(name, request.form.get("password", ""))
    if account is None:
        return render_template("editor/login.html", error="Feil navn eller passord.", next=target, name=name), 401
    log_in(account)
    current_app.logger.info("Redaktør %s logget inn", account.name)
    flash(f"Du er logget inn som {account.name}.")
    return redirect(target)


@bp.post("/logout")
def logout() -> Response:
    """Log out: every session of this editor ends, in every browser (copies of the cookie included)."""
    ext().store.end_sessions(g.editor)
    log_out()
    flash("Du er logget ut.")
    return redirect(url_for("editor.login"))


# --- the review queue ----------------------------------------------------------------------------------

def _queue() -> list[Question]:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=int(current_app.config["EDITOR_QUEUE_DAYS"]))
    return queue_questions(question_log().records(since), ext().store.reviewed(),
                           float(current_app.config["EDITOR_LOW_CONFIDENCE"]))


def _entries(lang: str = "nb") -> list[tuple[str, str]]:
    """(id, first phrasing) of every entry, by id, for a select box."""
    return sorted((e.id, e.part(lang).questions[0]) for e in assistant().index.kb.entries)


def _suggested_phrasing(text: str) -> str:
    """The masked question without its «[…]» placeholders, as a starting point for a phrasing."""
    return without_placeholders(text).strip(" ,.;:")


@bp.get("/")
def queue() -> str:
    """The review queue: clusters of similar questions, largest first."""
    warm_baseline(assistant().index, ext().publisher.root)  # an editor here may publish soon: grade now
    questions = _queue()
    groups = cluster_questions(questions, float(current_app.config["EDITOR_CLUSTER_DISTANCE"]))
    return render_template("editor/queue.html", clusters=with_nearest(groups[:MAX_CLUSTERS], assistant()),
                           total_clusters=len(groups), total_questions=sum(q.count for q in questions),
                           lang_names=LANG_NAMES)


def _question_or_404(reply_id: str) -> Question:
    found = find_questions(_queue(), [reply_id])
    if not found:
        abort(404)
    return found[0]


def _render_question(question: Question, status: int = 200, **context: Any) -> tuple[str, int]:
    ranking = assistant().rank(question.text)
    kb = assistant().index.kb
    candidates = [(c.id, kb.by_id[c.id].part(question.lang).questions[0], c.score)
                  for c in ranking.candidates[:3] if c.id in kb.by_id]
    context.setdefault("form", {"entry_id": candidates[0][0] if candidates else "", "lang": question.lang,
                                "text": _suggested_phrasing(question.text)})
    return render_template("editor/question.html", question=question, candidates=candidates,
                           confidence=ranking.confidence, entries=_entries(), lang_names=LANG_NAMES,
                           **context), status


@bp.get("/questions/<reply_id>")
def question(reply_id: str) -> tuple[str, int]:
    """One question of the queue, with its actions."""
    return _render_question(_question_or_404(reply_id))


def _start(change: Change) -> Response | tuple[str, int]:
    """Start publishing ``change`` and show its job; a 409 page when another publish is running."""
    editor = ext()
    try:
        job = editor.publisher.start(change, assistant(), editor.store)
    except Busy:
        running = editor.publisher.jobs.running()
        return _error_page(409, job=running)
    return redirect(url_for("editor.job", job_id=job["id"]))


@bp.post("/questions/<reply_id>/phrasing")
def add_phrasing(reply_id: str) -> Any:
    """Publish the question (as the editor worded it) as a new phrasing of an entry, in a målform."""
    question = _question_or_404(reply_id)
    form = {key: request.form.get(key, "").strip() for key in ("entry_id", "lang", "text")}
    form["text"] = " ".join(form["text"].split())
    entry = assistant().index.kb.by_id.get(form["entry_id"])
    if entry is None or form["lang"] not in LANGS:
        return _render_question(question, 400, form=form, errors=["Velg en oppføring og en målform."])
    problems = phrasing_problems(entry, form["lang"], form["text"])
    if problems:
        return _render_question(question, 400, form=form, errors=[p.message for p in problems])
    change = Change(
        editor=g.editor, action="phrasing",
        summary=f"FAQ {entry.id}: ny formulering ({form['lang']}) «{form['text']}»",
        phrasings=(Phrasing(entry.id, form["lang"], form["text"]),),
        dev_questions=(DevQuestion(question.text, entry.id, form["lang"]),), reply_ids=question.reply_ids)
    return _start(change)


def _posted_questions() -> list[Question]:
    found = find_questions(_queue(), request.form.getlist("reply_id"))
    if not found:
        abort(404)
    return found


@bp.post("/out-of-scope")
def out_of_scope() -> Any:
    """Publish questions as out-of-scope examples in the development set (they teach the fallback)."""
    questions = _posted_questions()
    first = questions[0].text
    more = f" og {len(questions) - 1} til" if len(questions) > 1 else ""
    change = Change(
        editor=g.editor, action="out_of_scope", summary=f"Utviklingssett: «{first}»{more} er utenfor tema",
        dev_questions=tuple(DevQuestion(q.text, None, q.lang) for q in questions),
        reply_ids=tuple(i for q in questions for i in q.reply_ids))
    return _start(change)


@bp.post("/dismiss")
def dismiss() -> Response:
    """Take questions out of the queue without changing anything (noise, tests, duplicates)."""
    questions = _posted_questions()
    ext().store.mark([i for q in questions for i in q.reply_ids], "dismissed", g.editor)
    flash(f"{len(questions)} spørsmål er tatt ut av køen uten endringer.")
    return redirect(url_for("editor.queue"))


# --- a new entry from a cluster ------------------------------------------------------------------------

def _pages(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(url, title) of the corpus pages that exist in both målformer."""
    langs: dict[tuple[str, str], set[str]] = {}
    for page in kb.pages:
        langs.setdefault((page.url, page.title), set()).add(page.lang)
    return sorted((key for key, found in langs.items() if found == set(LANGS)), key=lambda key: key[1])


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _new_entry_form(questions: list[Question]) -> dict[str, str]:
    by_lang = {lang: [_suggested_phrasing(q.text) for q in questions if q.lang == lang] for lang in LANGS}
    first = next((q for q in by_lang["nb"] + by_lang["nn"] if q), "")
    return {"id": entry_slug(first, max_length=60), "source": "", "related": "",
            "nb_questions": "\n".join(by_lang["nb"]), "nb_answer": "",
            "nn_questions": "\n".join(by_lang["nn"]), "nn_answer": ""}


def _new_entry_errors(form: dict[str, str], kb: KnowledgeBase, pages: list[tuple[str, str]]) -> tuple[
        list[str], dict[str, Any] | None]:
    errors = []
    if not is_entry_slug(form["id"]):
        errors.append(f"Id-en må være en slug med små bokstaver og bindestreker (forslag: «{entry_slug(form['id'])}»).")
    elif form["id"] in kb.by_id:
        errors.append(f"Det finnes allerede en oppføring med id «{form['id']}».")
    titles = dict(pages)
    if form["source"] not in titles:
        errors.append("Velg kildesiden svaret bygger på.")
    related = [r for r in form["related"].replace(",", " ").split() if r]
    unknown = [r for r in related if r not in kb.by_id]
    if unknown:
        errors.append(f"Ukjente relaterte id-er: {', '.join(unknown)}.")
    missing = [LANG_NAMES[lang] for lang in LANGS
               if not _lines(form[f"{lang}_questions"]) or not form[f"{lang}_answer"].strip()]
    if missing:
        errors.append("Både bokmål og nynorsk må ha spørsmål og svar før oppføringen kan publiseres "
                      f"(mangler: {', '.join(missing)}).")
    if errors:
        return errors, None
    parts = {lang: {"questions": _lines(form[f"{lang}_questions"]), "answer": " ".join(form[f"{lang}_answer"].split())}
             for lang in LANGS}
    data = {"id": form["id"], "source": {"url": form["source"], "title": titles[form["source"]]}, "related": related,
            **parts}
    entry = Entry(data["id"], Source(form["source"], titles[form["source"]]),
                  *(LangPart(tuple(data[lang]["questions"]), data[lang]["answer"]) for lang in LANGS),
                  related=tuple(related), path=f"faq/{data['id']}.yaml")
    return [f"{p.field}: {p.message}" for p in entry_problems(entry, kb)], data


def _form_from_job(job: dict[str, Any]) -> dict[str, str]:
    """The new-entry form as it was sent with a publish job that did not go through."""
    data = job["new_entry"]
    form = {"id": data["id"], "source": data["source"]["url"], "related": ", ".join(data.get("related", []))}
    for lang in LANGS:
        form.update({f"{lang}_questions": "\n".join(data[lang]["questions"]), f"{lang}_answer": data[lang]["answer"]})
    return form


@bp.route("/new-entry", methods=["GET", "POST"])
def new_entry() -> Any:
    """Write a new entry from a cluster (both målformer are required) and publish it.

    ``?job=<id>`` reopens the entry of a publish that was refused, invalid or failed, as it was sent.
    """
    retry = _job_or_404(request.args["job"]) if request.method == "GET" and "job" in request.args else None
    if retry is not None and (retry["state"] not in RETRYABLE or not retry.get("new_entry")):
        abort(404)
    reply_ids = retry["reply_ids"] if retry else request.values.getlist("reply_id")
    questions = find_questions(_queue(), reply_ids)
    kb = assistant().index.kb
    pages = _pages(kb)
    if retry is not None:
        form, errors = _form_from_job(retry), []
    elif request.method == "GET":
        form, errors = _new_entry_form(questions), []
    else:
        form = {key: request.form.get(key, "").strip() for key in _new_entry_form([])}
        errors, data = _new_entry_errors(form, kb, pages)
        if not errors and data:
            change = Change(
                editor=g.editor, action="new_entry",
                summary=f"FAQ {data['id']}: ny oppføring «{data['nb']['questions'][0]}»",
                new_entry=data, dev_questions=tuple(DevQuestion(q.text, data["id"], q.lang) for q in questions),
                reply_ids=tuple(i for q in questions for i in q.reply_ids))
            return _start(change)
    return render_template("editor/new_entry.html", form=form, errors=errors, questions=questions, pages=pages,
                           lang_names=LANG_NAMES), 400 if errors else 200


# --- publishing ----------------------------------------------------------------------------------------

def _job_or_404(job_id: str) -> dict[str, Any]:
    try:
        job = ext().publisher.jobs.get(job_id)
    except ValueError:
        job = None
    if job is None:
        abort(404)
    return job


@bp.get("/jobs/<job_id>")
def job(job_id: str) -> str:
    """A publish job: running, accepted (with the numbers), refused (with the numbers) or invalid."""
    return render_template("editor/job.html", job=_job_or_404(job_id), metric_rows=METRIC_ROWS,
                           typical_seconds=ext().publisher.jobs.last_duration())


@bp.get("/jobs/<job_id>/status.json")
def job_status(job_id: str) -> Response:
    """The job's state, for the page's script to know when to reload."""
    job = _job_or_404(job_id)
    return jsonify(state=job["state"], step=job.get("step", ""))


# --- dashboard and exports -----------------------------------------------------------------------------

def _period() -> int:
    days = request.args.get("days", type=int)
    return days if days in PERIODS else 30


@bp.get("/dashboard")
def dashboard_page() -> str:
    """Questions per day, answered and 👎 rates, målform split, out-of-hours share, top entries and gaps."""
    days = _period()
    tz = ext().tz
    last = dt.datetime.now(tz).date()
    first = last - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    records = question_log().records(since)
    stats = dashboard.compute(records, assistant().index.kb, first=first, last=last, tz=tz,
                              office_hours=current_app.config["EDITOR_OFFICE_HOURS"])
    labels = [day.date.strftime("%d.%m.") for day in stats.days]
    volume = charts.bar_chart("chart-questions", "Spørsmål per dag",
                              f"Stolpediagram over antall spørsmål per dag fra {first:%d.%m.%Y} til {last:%d.%m.%Y}, "
                              f"til sammen {stats.questions}. Tallene står i tabellen ved siden av.",
                              labels, [day.questions for day in stats.days])
    rates = charts.line_chart("chart-rates", "Andel besvart og andel ikke nyttig (👎) per dag",
                              "Linjediagram over andelen spørsmål som fikk svar fra FAQ-en (heltrukken linje) og "
                              "andelen tilbakemeldinger som sa at svaret ikke var nyttig (stiplet linje), per dag. "
                              "Tallene står i tabellen ved siden av.", labels,
                              [("Besvart", "series-answered", [day.answered_rate for day in stats.days]),
                               ("Ikke nyttig", "series-down", [day.thumbs_down_rate for day in stats.days])])
    unanswered = review_queue([r for r in records if r.fallback], set(), assistant(), low_confidence=0,
                              distance=float(current_app.config["EDITOR_CLUSTER_DISTANCE"]), limit=10)
    return render_template("editor/dashboard.html", stats=stats, days=days, periods=PERIODS, first=first, last=last,
                           volume=volume, rates=rates, unanswered=unanswered, lang_names=LANG_NAMES,
                           office_hours=current_app.config["EDITOR_OFFICE_HOURS"])


def _csv(text: str, name: str) -> Response:
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/export/log.csv")
def export_log() -> Response:
    """The question log (masked) as CSV for Excel."""
    return _csv(export.log_csv(question_log().records(), ext().tz), "sporsmalslogg.csv")


@bp.get("/export/faq.csv")
def export_faq() -> Response:
    """The FAQ, as it stands in the content folder, as CSV for Excel."""
    return _csv(export.faq_csv(load_knowledge(ext().publisher.root)), "faq.csv")


def init_editor(app: Any, root: Path, build: Path, store: EditorStore) -> Editor:
    """Make the app's :class:`Editor` (``app.extensions["editor"]``)."""
    tz = ZoneInfo(str(app.config["EDITOR_TIMEZONE"]))
    publisher = Publisher(root, build, max_top1_drop=float(app.config["EDITOR_MAX_TOP1_DROP"]),
                          max_oos_rise=float(app.config["EDITOR_MAX_OOS_RISE"]), timezone=tz)
    editor = Editor(store, publisher, tz)
    app.extensions["editor"] = editor
    return editor

