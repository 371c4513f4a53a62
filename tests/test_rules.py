"""The content rules (assistant/rules.py) are enforced by each of their users: train.py --check and the publisher.

(tests/test_content.py, the third user, asserts that the repository's content breaks none of them.)
"""

import shutil
from pathlib import Path

import pytest

import train
from assistant.editor.publish import Change, Publisher
from assistant.knowledge import load_knowledge
from assistant.rules import content_problems

ROOT = Path(__file__).resolve().parent.parent
LINK = "svaret skal ikke ha lenker; kilden vises under svaret"


@pytest.fixture()
def root(tmp_path) -> Path:
    """A copy of faq/, corpus/ and eval/."""
    target = tmp_path / "content"
    for folder in ("faq", "corpus", "eval"):
        shutil.copytree(ROOT / folder, target / folder)
    return target


def test_train_check_reports_the_content_rules(root, capsys):
    # One entry breaks a rule, one page another.
    entry = root / "faq" / "varighet.yaml"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("    ikke omtalt.\n", "    ikke omtalt. Les mer på https://lovdata.no/.\n", 1),
                     encoding="utf-8")
    page = next((root / "corpus").glob("*.nb.md"))
    page.write_text(page.read_text(encoding="utf-8") + "\nDette er ikkje bokmål.\n", encoding="utf-8")
    assert train.check(root) == 1
    errors = capsys.readouterr().err
    assert f"faq/varighet.yaml: nb.answer: {LINK}" in errors
    assert "har ord som bare finnes på nynorsk: ikkje" in errors
    assert errors.count("\n") == len(content_problems(load_knowledge(root))) + 1


def test_the_publisher_refuses_a_change_that_breaks_the_rules(root, tmp_path):
    source = load_knowledge(ROOT).by_id["varighet"].source
    new_entry = {"id": "ny-oppforing", "source": {"url": source.url, "title": source.title}, "related": [],
                 "nb": {"questions": ["Hvor lenge varer det?", "hvor lenge varer det nå"],
                        "answer": "Se https://lovdata.no/."},
                 "nn": {"questions": ["Kor lenge varer det?"], "answer": "Sjå https://lovdata.no/."}}
    publisher = Publisher(root, tmp_path / "build")
    outcome = publisher.run(Change(editor="kari", action="new_entry", summary="test", new_entry=new_entry),
                            assistant=None)  # an invalid change is refused before the assistant is needed
    assert outcome.state == "invalid"
    assert f"faq/ny-oppforing.yaml: nb.answer: {LINK}" in outcome.problems
    assert "faq/ny-oppforing.yaml: nn.questions: trenger minst 6 ulike formuleringer på nynorsk" in outcome.problems
