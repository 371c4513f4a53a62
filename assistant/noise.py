"""Noise as visitors make it: keyboard-neighbour typos, dropped and doubled letters, æøå folded,
lower case, no punctuation. Seeded, so a noise curve is the same on every run."""

from __future__ import annotations

import random
import re

_ROWS = ("1234567890+", "qwertyuiopå", "asdfghjkløæ", "zxcvbnm,.-")
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def _neighbours() -> dict[str, str]:
    near: dict[str, str] = {}
    for r, row in enumerate(_ROWS):
        for c, key in enumerate(row):
            keys = [row[c + d] for d in (-1, 1) if 0 <= c + d < len(row)]
            keys += [_ROWS[r + d][c] for d in (-1, 1) if 0 <= r + d < len(_ROWS) and c < len(_ROWS[r + d])]
            near[key] = "".join(k for k in keys if k.isalpha())
    return near


_NEAR = _neighbours()


def typo(word: str, rng: random.Random) -> str:
    """``word`` with one typo: a keyboard neighbour, a dropped, doubled or swapped letter."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 2:
        return word
    i = rng.choice(letters)
    kind = rng.choice(("neighbour", "drop", "double", "swap"))
    if kind == "neighbour" and _NEAR.get(word[i].lower()):
        return word[:i] + rng.choice(_NEAR[word[i].lower()]) + word[i + 1:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "swap" and i + 1 < len(word) and word[i + 1].isalpha():
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i] + word[i:]


def add_noise(text: str, typos: int, rng: random.Random, casual: bool = True) -> str:
    """``text`` with ``typos`` typos in its longer words; ``casual`` also folds æøå (half the time),
    lower-cases and drops punctuation, as in a quick chat message."""
    words = text.split()
    candidates = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 4]
    for i in rng.sample(candidates, min(typos, len(candidates))):
        words[i] = typo(words[i], rng)
    out = " ".join(words)
    if casual:
        out = re.sub(r"[^\w\s§-]", "", out.lower())
        if rng.random() < 0.5:
            out = out.translate(_FOLD)
    return out
