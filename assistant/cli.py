"""The command line: ``python -m assistant ask|export|content|confusion|purge|editor|settings``, over the web
app's code."""

from __future__ import annotations

import argparse
import getpass
import io
import json
import re
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from .app import configured_flask
from .config import content_root, settings_table
from .confusion import format_confusions, held_out_confusions
from .database import LogUnavailable, open_log
from .dialogue import Assistant, open_assistant
from .export import content_table, export_rows, write_csv
from .knowledge import LANGS, KnowledgeBase, ValidationError, load_knowledge
from .progress import ProgressBar
from .reply import Reply
from .sessions import valid_session_id
from .style import measure, readability_report


def format_reply(reply: Reply) -> str:
    """A reply laid out for a person reading a terminal."""
    lines = [reply.answer]
    if reply.source_url:
        lines.append(f"Kilde: {reply.source_title} <{reply.source_url}>")
    if reply.suggestions:
        lines.append("Forslag:" if reply.intent == "clarify" or reply.fallback else "Relaterte spørsmål:")
        lines.extend(f"  - {s.question} [{s.id}]" for s in reply.suggestions)
    lines.append(f"(målform {reply.lang}, sikkerhet {reply.confidence:.2f}{', reservesvar' if reply.fallback else ''})")
    return "\n".join(lines)


def _ask(args: argparse.Namespace, assistant: Assistant) -> int:
    questions = [args.question] if args.question else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        if not question.strip():
            continue
        reply = assistant.ask(question, lang=args.lang, session=args.session)
        if args.json:
            print(json.dumps(reply.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(format_reply(reply) + "\n", flush=True)
    return 0


def _export(args: argparse.Namespace) -> int:
    rows = export_rows(load_knowledge(args.root))
    if args.format == "jsonl":
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        write_csv(rows, stdout)
        stdout.detach()  # flushes; sys.stdout stays open
    return 0


def stale_entries(kb: KnowledgeBase, today: date, days: int) -> list[tuple[str, date | None]]:
    """(id, reviewed) of the entries not reviewed in the last ``days`` days (never reviewed first, then oldest)."""
    cutoff = today - timedelta(days=days)
    stale = [(e.id, e.reviewed) for e in kb.entries if e.reviewed is None or e.reviewed < cutoff]
    return sorted(stale, key=lambda item: (item[1] or date.min, item[0]))


def stale_report(kb: KnowledgeBase, today: date, days: int | None = None) -> str:
    """The entries due for review and, when it is as old, the as-of date of the time-aware answers."""
    days = days or kb.meta.stale_after_days
    stale = stale_entries(kb, today, days)
    lines = [f"{len(stale)} av {len(kb.entries)} oppføringer er ikke gjennomgått de siste {days} dagene"
             + (":" if stale else ".")]
    lines += [f"  {reviewed.isoformat() if reviewed else 'aldri':10}  {entry_id}" for entry_id, reviewed in stale]
    as_of = kb.meta.as_of
    if as_of is None or as_of < today - timedelta(days=days):
        lines.append(f"Datoen for tidsavhengige svar (as_of i faq/_meta.yaml, {as_of or 'mangler'}) er eldre enn "
                     f"{days} dager: sjekk svarene om søknadsrunder mot faktagrunnlaget og sett ny dato.")
    return "\n".join(lines)


def _content(args: argparse.Namespace) -> int:
    kb = load_knowledge(args.root)
    if args.readability:
        answers = [(e.id, lang, e.part(lang).answer) for e in kb.entries for lang in LANGS]
        print(readability_report(measure(answers), top=args.top))
    elif args.stale:
        print(stale_report(kb, date.today(), args.days))
    else:
        print(content_table(kb))
    return 0


def _session_id(value: str) -> str:
    if not valid_session_id(value):
        raise argparse.ArgumentTypeError("samtale-id må være 8-64 tegn: bokstaver, sifre, - eller _")
    return value


def _days(value: str) -> int:
    """A retention period such as ``90d`` (or ``90``) as a number of days, at least 1."""
    match = re.fullmatch(r"\s*(\d+)\s*d?\s*", value)
    if not match or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"ugyldig periode {value!r}: skriv antall dager, f.eks. 90d")
    return int(match.group(1))


def _purge(args: argparse.Namespace) -> int:
    app = configured_flask()
    days = args.older_than or int(app.config["RETENTION_DAYS"] or 0)
    if not days:
        print("Ingen oppbevaringstid er satt (RETENTION_DAYS); bruk --older-than, f.eks. 90d.", file=sys.stderr)
        return 2
    try:
        deleted = open_log(app.config, app.instance_path).purge(timedelta(days=days))
    except LogUnavailable:
        print("Spørsmålsloggen er utilgjengelig; ingenting ble slettet.", file=sys.stderr)
        return 1
    print(f"Slettet {deleted} spørsmål eldre enn {days} {'dag' if days == 1 else 'dager'} fra spørsmålsloggen.")
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    """The new password: one line from stdin with --password-stdin, else typed twice (not echoed)."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Passord: ")
    if getpass.getpass("Gjenta passordet: ") != password:
        print("Passordene er ulike; ingenting ble endret.", file=sys.stderr)
        return None
    return password


def _editor(args: argparse.Namespace) -> int:
    """``editor add|passwd|remove|list``: the accounts of /editor, through the store the web pages use."""
    from .editor.store import AccountError, EditorStore, check_name

    app = configured_flask()
    store = EditorStore(open_log(app.config, app.instance_path))
    try:
        if args.editor_command == "list":
            accounts = store.accounts()
            for account in accounts:
                print(f"{account.name}\tlaget {account.created_at:%Y-%m-%d %H:%M} UTC")
            if not accounts:
                print("Ingen redaktørkontoer ennå. Lag én med «python -m assistant editor add NAVN».", file=sys.stderr)
            return 0
        check_name(args.name)
        if args.editor_command == "remove":
            store.remove_account(args.name)
            print(f"Redaktøren «{args.name}» er slettet, og alle innlogginger for kontoen er avsluttet.")
            return 0
        if args.editor_command == "passwd" and store.get_account(args.name) is None:
            raise AccountError(f"Det finnes ingen redaktør som heter «{args.name}».")
        password = _read_password(args)
        if password is None:
            return 1
        if args.editor_command == "passwd":
            store.set_password(args.name, password)
            print(f"Redaktøren «{args.name}» har nytt passord, og alle innlogginger for kontoen er avsluttet.")
        else:
            store.add_account(args.name, password)
            print(f"Redaktøren «{args.name}» er laget. Logg inn på /editor/login.")
    except AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except LogUnavailable:
        print("Databasen er utilgjengelig; ingenting ble endret.", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``python -m assistant``."""
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Forsøksassistenten.")
    parser.add_argument("--root", type=Path, default=None, help="mappen med faq/, corpus/ og eval/")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="still et spørsmål (eller ett per linje på standard inn)")
    ask.add_argument("question", nargs="?", help="spørsmålet; uten det leses ett spørsmål per linje fra stdin")
    ask.add_argument("--json", action="store_true", help="skriv ett JSON-objekt per linje")
    ask.add_argument("--lang", choices=LANGS, help="svar på denne målformen i stedet for å gjenkjenne den")
    ask.add_argument("--session", type=_session_id, default=None,
                     help="samtale-id: alle spørsmålene hører til samme samtale (oppfølgingsspørsmål)")
    export = sub.add_parser("export", help="eksporter FAQ-en")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    content = sub.add_parser("content", help="oversikt over innholdet per kildeside og målform (Markdown-tabell)")
    report = content.add_mutually_exclusive_group()
    report.add_argument("--readability", action="store_true",
                        help="lesbarhet: snitt-LIX, de tyngste svarene og setninger over 25 ord")
    report.add_argument("--stale", action="store_true",
                        help="oppføringer der reviewed-datoen er eldre enn --days (standard fra faq/_meta.yaml)")
    content.add_argument("--days", type=_days, default=None, metavar="N",
                         help="med --stale: hvor mange dager en gjennomgang holder")
    content.add_argument("--top", type=int, default=10, metavar="N",
                         help="med --readability: hvor mange av de tyngste svarene som vises")
    confusion = sub.add_parser("confusion", help="hvilke oppføringer assistenten forveksler, målt på FAQ-ens egne "
                                                 "formuleringer (hver holdt ut én gang)")
    confusion.add_argument("--folds", type=int, default=5, choices=range(2, 21), metavar="K",
                           help="antall deler formuleringene holdes ut i (2-20, standard 5)")
    confusion.add_argument("--top", type=int, default=15, help="hvor mange forvekslinger og oppføringer som vises")
    purge = sub.add_parser("purge", help="slett loggede spørsmål som er eldre enn oppbevaringstiden")
    purge.add_argument("--older-than", type=_days, default=None, metavar="Nd",
                       help="slett spørsmål eldre enn N dager, f.eks. 90d (standard: RETENTION_DAYS, 90)")
    editor = sub.add_parser("editor", help="redaktørkontoer for /editor")
    editor_sub = editor.add_subparsers(dest="editor_command", required=True)
    add = editor_sub.add_parser("add", help="lag en redaktørkonto (passordet spørres om to ganger)")
    passwd = editor_sub.add_parser("passwd", help="gi en redaktør nytt passord og avslutt alle kontoens innlogginger")
    for command in (add, passwd):
        command.add_argument("name", help="kontonavnet: små bokstaver a-z, sifre, punktum, bindestrek, understrek")
        command.add_argument("--password-stdin", action="store_true",
                             help="les passordet fra én linje på standard inn")
    remove = editor_sub.add_parser("remove", help="slett en redaktørkonto (alle innloggingene avsluttes)")
    remove.add_argument("name", help="kontonavnet")
    editor_sub.add_parser("list", help="vis redaktørkontoene")
    sub.add_parser("settings", help="innstillingene (navn, miljøvariabel, standard, betydning) som Markdown-tabell")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    args.root = (args.root or content_root()).resolve()
    try:
        if args.command == "settings":
            print(settings_table())
            return 0
        if args.command == "export":
            return _export(args)
        if args.command == "content":
            return _content(args)
        if args.command == "confusion":
            index = open_assistant(args.root, progress=ProgressBar()).index
            report = held_out_confusions(index.kb, index.calibration, k=args.folds, progress=ProgressBar())
            print(format_confusions(report, args.top))
            return 0
        if args.command == "purge":
            return _purge(args)
        if args.command == "editor":
            return _editor(args)
        return _ask(args, open_assistant(args.root))
    except ValidationError as exc:
        print("Innholdet har feil:\n" + str(exc), file=sys.stderr)
        return 2
