"""Replies before and after a change: the same questions, the replies written out, then compared.

    python bench/replies.py --save before.jsonl          reply to every question, write the replies
    python bench/replies.py --compare before.jsonl       reply again; list every reply that differs

The questions: every development question, ~300 FAQ phrasings (``export --format jsonl``'s questions) with
perturbations (æøå dropped, a typo, a word dropped, a greeting in front, lower case, two words swapped),
and 40 two-message conversations whose second message is a follow-up. A reply is the public JSON form
(``Reply.to_dict`` without the session id) with the unrounded confidence; two confidences count as equal
within ``--tolerance`` (float noise from another summation order). Exit status 1 when any reply differs.
The index is built with the current code into a temporary folder (or loaded from ``--build``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import content_root
from assistant.dialogue import Assistant
from assistant.evaluation import load_devset
from assistant.index import load_or_build
from assistant.text import fold_ascii

FOLLOW_UPS = ("og kan det forlengast?", "og hva med fylkeskommunene?", "kva då med søknadsfristen?",
              "hva med interkommunalt samarbeid da?", "og kor lenge varer det?", "men hvem bestemmer?")


def perturb(text: str, rng: random.Random) -> str:
    """``text`` changed the way visitors change questions (one of six ways, chosen by ``rng``)."""
    words = text.split()
    kind = rng.randrange(6)
    if kind == 0:
        return fold_ascii(text.lower())
    if kind == 1 and len(text) > 6:  # two neighbouring letters swapped
        i = rng.randrange(1, len(text) - 2)
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind == 2 and len(words) > 2:
        del words[rng.randrange(len(words))]
        return " ".join(words)
    if kind == 3:
        return f"{rng.choice(['Hei!', 'Hallo,', 'Ok,'])} {text}"
    if kind == 4 and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)
    return text.lower().rstrip("?")


def conversations(assistant: Assistant, seed: int = 11, phrasings: int = 300, follow_ups: int = 40) -> list[list[str]]:
    """The question lists to ask, each a conversation of one or two messages."""
    rng = random.Random(seed)
    root = content_root()
    dev = [[q.q] for q in load_devset(root, set(assistant.index.kb.by_id))]
    texts = [p.text for p in assistant.index.kb.phrasings]
    sample = rng.sample(texts, min(phrasings, len(texts)))
    perturbed = [[perturb(t, rng)] for t in sample]
    two = [[t, rng.choice(FOLLOW_UPS)] for t in rng.sample(texts, follow_ups)]
    return dev + perturbed + two


def replies(assistant: Assistant, talks: list[list[str]]) -> list[dict]:
    """Every reply of every conversation, as a comparable dict."""
    out = []
    for talk in talks:
        session = None
        for question in talk:
            reply = assistant.ask(question, session=session)
            session = reply.session
            row = reply.to_dict()
            row.pop("session")
            row["confidence_raw"] = reply.confidence
            out.append(row)
    return out


def differences(before: list[dict], after: list[dict], tolerance: float) -> list[tuple[dict, dict]]:
    """The pairs of replies that differ (confidences within ``tolerance`` count as equal)."""
    changed = []
    for old, new in zip(before, after, strict=True):
        same_rest = {k: v for k, v in old.items() if not k.startswith("confidence")} == \
            {k: v for k, v in new.items() if not k.startswith("confidence")}
        if not same_rest or abs(old["confidence_raw"] - new["confidence_raw"]) > tolerance:
            changed.append((old, new))
    return changed


def main(argv: list[str] | None = None) -> int:
    """Save or compare the replies."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path)
    group.add_argument("--compare", type=Path)
    parser.add_argument("--build", type=Path, default=None, help="index folder (default: a temporary one)")
    parser.add_argument("--tolerance", type=float, default=1e-9)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(load_or_build(content_root(), args.build or Path(tmp)))
    got = replies(assistant, conversations(assistant))
    if args.save:
        args.save.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in got), encoding="utf-8")
        print(f"{len(got)} replies written to {args.save}")
        return 0
    saved = [json.loads(line) for line in args.compare.read_text(encoding="utf-8").splitlines()]
    changed = differences(saved, got, args.tolerance)
    shown = ("id", "intent", "confidence_raw")
    for old, new in changed:
        print(json.dumps({"question": old["question"], "before": {k: old[k] for k in shown},
                          "after": {k: new[k] for k in shown}}, ensure_ascii=False))
    print(f"{len(got) - len(changed)}/{len(got)} replies identical")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
