from pathlib import Path

import pytest
import yaml

from assistant.knowledge import ValidationError, check_knowledge, load_knowledge, load_yaml, split_passages

GOOD = """\
id: {id}
source:
  url: https://www.regjeringen.no/side/
  title: Side
related: {related}
reviewed: 2026-11-30
nb:
  questions: ["{nbq}"]
  answer: Et svar.
nn:
  questions: ["{nnq}"]
  answer: Eit svar.
"""

PAGE = """\
---
title: Side
url: https://www.regjeringen.no/side/
lang: {lang}
date: null
---
# Overskrift

Første avsnitt.

Andre avsnitt
over to linjer.
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def entry(root: Path, eid: str, nbq: str = "spørsmål", nnq: str = "spørsmål nn", related: str = "[]") -> None:
    write(root, f"faq/{eid}.yaml", GOOD.format(id=eid, nbq=nbq, nnq=nnq, related=related))


def test_loads_a_valid_knowledge_base(tmp_path):
    entry(tmp_path, "a", "Hva er a?", "Kva er a?", "[b]")
    entry(tmp_path, "b", "Hva er b?", "Kva er b?")
    write(tmp_path, "corpus/side.nb.md", PAGE.format(lang="nb"))
    kb = load_knowledge(tmp_path)
    assert [e.id for e in kb.entries] == ["a", "b"]
    assert kb.by_id["a"].related == ("b",)
    assert kb.by_id["a"].part("nn").questions == ("Kva er a?",)
    assert [p.text for p in kb.passages] == ["Første avsnitt.", "Andre avsnitt over to linjer."]
    assert kb.passages[0].heading == "Overskrift"


def test_reports_every_problem_at_once_with_file_and_field(tmp_path):
    entry(tmp_path, "a", "Hva er a?", "Kva er a?", "[finnes-ikke]")
    entry(tmp_path, "b", "hva er A", "Kva er b?")  # same phrasing as a, after normalisation
    write(tmp_path, "faq/c.yaml", GOOD.format(id="c", nbq="x", nnq="y", related="[]").replace(
        "url: https://www.regjeringen.no/side/", "url: http://example.no/"))
    write(tmp_path, "faq/d.yaml", "id: d\nsource: {url: 'https://a.no/', title: T}\nnb: {questions: [q], answer: ''}\n")
    write(tmp_path, "faq/e.yaml", "id: e\n  bad: [\n")
    write(tmp_path, "faq/Feil Id.yaml", GOOD.format(id="Feil Id", nbq="f", nnq="g", related="[]"))
    write(tmp_path, "faq/f.yaml", GOOD.format(id="a", nbq="z1", nnq="z2", related="[]"))
    write(tmp_path, "corpus/side.nb.md", "ingen front matter")
    write(tmp_path, "corpus/side2.nn.md", PAGE.format(lang="nb"))
    _, problems = check_knowledge(tmp_path)
    text = "\n".join(str(p) for p in problems)
    assert "faq/a.yaml: related: ukjent id «finnes-ikke»" in text
    assert "faq/b.yaml: nb.questions[0]: «hva er A» står også i faq/a.yaml" in text
    assert "faq/c.yaml: source.url: må være en https-adresse" in text
    assert "faq/d.yaml: nb.answer: tomt svar" in text
    assert "faq/d.yaml: nn: mangler målformen «nn»" in text
    assert "faq/e.yaml: kan ikke leses som YAML" in text
    assert "faq/Feil Id.yaml: id: «Feil Id» er ikke en slug" in text
    assert "faq/f.yaml: id: «a» stemmer ikke med filnavnet «f»" in text
    assert "corpus/side.nb.md: mangler front matter" in text
    assert "corpus/side2.nn.md: lang: må være nb eller nn og stemme med filnavnet" in text
    with pytest.raises(ValidationError) as exc:
        load_knowledge(tmp_path)
    assert len(exc.value.problems) == len(problems) >= 10


def test_an_entry_can_say_its_answer_is_the_contact_details(tmp_path):
    entry(tmp_path, "a")
    write(tmp_path, "faq/b.yaml", GOOD.format(id="b", nbq="ring", nnq="ring nn", related="[]").replace(
        "reviewed: 2026-11-30", "reviewed: 2026-11-30\ncontact: true"))
    write(tmp_path, "faq/c.yaml", GOOD.format(id="c", nbq="x", nnq="y", related="[]").replace(
        "reviewed: 2026-11-30", "reviewed: 2026-11-30\ncontact: ja"))
    _, problems = check_knowledge(tmp_path)
    assert [str(p) for p in problems] == ["faq/c.yaml: contact: må være true eller false"]
    (tmp_path / "faq" / "c.yaml").unlink()
    kb = load_knowledge(tmp_path)
    assert (kb.by_id["a"].contact, kb.by_id["b"].contact) == (False, True)


def test_an_answer_from_the_contact_entry_carries_the_contact_card(assistant):
    reply = assistant.ask("Hvilket telefonnummer har Kommunalavdelingen?")
    assert reply.id == "kontakt-kommunalavdelingen" and reply.contact
    assert not assistant.ask("Hva var søknadsfristen?").contact


def test_duplicate_ids_are_reported(tmp_path):
    entry(tmp_path, "a", "q1", "q2")
    write(tmp_path, "faq/sub/a.yaml", GOOD.format(id="a", nbq="q3", nnq="q4", related="[]"))
    with pytest.raises(ValidationError, match=r"«a» finnes også i faq/a\.yaml"):
        load_knowledge(tmp_path)


def test_empty_faq_folder_is_a_problem(tmp_path):
    (tmp_path / "faq").mkdir()
    with pytest.raises(ValidationError, match="ingen oppføringer"):
        load_knowledge(tmp_path)


def test_split_passages_keeps_headings_and_numbers_passages():
    passages = split_passages("s", "nn", "https://a.no/", "Tittel", "Innleiing.\n\n## Del to\n\nTekst her.\n")
    assert [(p.id, p.heading, p.text) for p in passages] == [
        ("s.nn#1", "Tittel", "Innleiing."), ("s.nn#2", "Del to", "Tekst her.")]


def test_load_yaml_reads_the_content_as_safe_load_does():
    """The content is parsed by libyaml when PyYAML has it: the same documents as the pure-Python safe loader, the
    same error class for a broken file."""
    root = Path(__file__).resolve().parent.parent
    files = [*sorted((root / "faq").glob("*.yaml"))[:20], *sorted((root / "eval" / "devset").glob("*.yaml"))]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path.name
    with pytest.raises(yaml.YAMLError):
        load_yaml("nb:\n  questions: [a, b\n  answer: c\n")
