import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from assistant.cli import format_reply
from assistant.export import content_table, export_rows, write_csv

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=300, check=False)


def test_ask_json_answers_nynorsk_with_source_link(index):
    result = run_cli("ask", "--json", "Kor lenge kan eit forsøk vare?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["lang"] == "nn" and data["fallback"] is False
    assert data["id"] == "varighet" and data["source"]["url"].startswith("https://")


def test_ask_json_reads_stdin_one_line_per_question_in_order(index):
    questions = ["Hvem kan søke om å bli forsøkskommune?", "", "kva kostar eit pass",
                 "Får forsøkskommunane pengar?"]
    result = run_cli("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == [q for q in questions if q]
    assert lines[1]["fallback"] is True and "22 24 72 01" in lines[1]["answer"]
    assert lines[0]["fallback"] is False and lines[2]["fallback"] is False


def test_ask_for_a_person_prints_answer_and_source(assistant):
    text = format_reply(assistant.ask("Hva var søknadsfristen?"))
    assert "8. september 2023" in text and "Kilde: " in text and "https://" in text


def test_export_jsonl_has_one_object_per_entry_and_malform(index):
    result = run_cli("export", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2 * len(index.kb.entries)
    assert set(rows[0]) == {"id", "lang", "questions", "answer", "source_url", "source_title"}
    assert {r["lang"] for r in rows} == {"nb", "nn"}


def test_export_csv_opens_in_excel(index):
    out = io.StringIO()
    write_csv(export_rows(index.kb), out)
    text = out.getvalue()
    assert text.startswith("\ufeffid;lang;questions;answer;source_url;source_title\r\n")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2 * len(index.kb.entries)
    assert " | " in rows[0]["questions"]
    result = subprocess.run([sys.executable, "-m", "assistant", "export", "--format", "csv"], capture_output=True,
                            cwd=ROOT, timeout=120, check=False)
    assert result.stdout.startswith("\ufeffid;".encode())


def test_stdin_with_session_replays_one_conversation(index):
    result = run_cli("ask", "--json", "--session", "replay-0001",
                     stdin="Kor lenge kan eit forsøk vare?\nog kan det forlengast?\ntakk for hjelpa\n")
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["session"] for r in replies] == ["replay-0001"] * 3
    assert [r["id"] for r in replies[:2]] == ["varighet", "forlengelse"]
    assert replies[2]["intent"] == "thanks" and replies[2]["lang"] == "nn"


def test_invalid_session_id_is_refused_by_the_cli():
    result = run_cli("ask", "--session", "no spaces allowed", "hei")
    assert result.returncode == 2 and "samtale-id" in result.stderr


def test_content_table_counts_the_content_and_is_the_one_in_the_readme(index):
    result = run_cli("content")
    assert result.returncode == 0, result.stderr
    table = content_table(index.kb)
    assert result.stdout == table + "\n"
    rows = [line.split(" | ") for line in table.splitlines()[2:-1]]
    assert len(rows) == len({p.url for p in index.kb.pages})
    assert sum(int(r[1]) for r in rows) == len(index.kb.entries)
    assert sum(int(r[2]) for r in rows) == sum(len(e.nb.questions) for e in index.kb.entries)
    assert sum(int(r[5].rstrip(" |")) for r in rows) == sum(len(p.passages) for p in index.kb.pages if p.lang == "nn")
    assert table in (ROOT / "README.md").read_text(encoding="utf-8")
