"""Masking of personal data in visitor text, before anything is stored or logged.

:func:`mask` replaces, in this order:

1. e-mail addresses with «[e-post]»;
2. runs of exactly 11 digits (``01019012345``, ``010190 12345``) and bank account numbers in the
   4.2.5 layout (``1234.56.78903``, ``1234 56 78903``). Every such run is masked; the mod-11 control
   digits only choose the label: a valid fødselsnummer gives «[fødselsnummer]», a valid D-nummer
   «[d-nummer]», the 4.2.5 layout or a valid account number «[kontonummer]», anything else «[nummer]»;
3. Norwegian phone numbers, 8 digits grouped as ``12345678``, ``123 45 678``,
   ``12 34 56 78`` or ``1234 5678``, optionally after ``+47``, ``0047`` or ``47``, with «[telefon]»
   (two years such as ``2023 2024`` are left alone);
4. any other run of 12 or more digits with «[nummer]»;
5. street addresses with a house number (``Storgata 12``, ``Kongens gate 5B``, ``Bygdøy allé 3``)
   with «[adresse]». A street is a word ending in a street suffix (:data:`STREET_SUFFIXES`), or a
   capitalised name followed by a separate suffix word; a lone suffix word needs a capitalised word
   before it, so ordinary text such as "alle 4 kommunene" or "på plass 2" is left alone.

Digit runs are matched whole (never inside a longer run), so dates, years, "§ 3", "nr. 87" and
9-digit organisation numbers are not masked. The replacement tokens contain no digits, no "@" and no
street suffix, so masking is idempotent: ``mask(mask(text)) == mask(text)``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass

#: The replacement token for each kind of personal data found.
TOKENS: dict[str, str] = {
    "e-post": "«[e-post]»",
    "fødselsnummer": "«[fødselsnummer]»",
    "d-nummer": "«[d-nummer]»",
    "kontonummer": "«[kontonummer]»",
    "nummer": "«[nummer]»",
    "telefon": "«[telefon]»",
    "adresse": "«[adresse]»",
}

#: Endings of Norwegian street names (Bokmål and Nynorsk), matched case-insensitively.
STREET_SUFFIXES: tuple[str, ...] = (
    "gata", "gate", "gaten", "gt.", "veien", "vegen", "vei", "veg", "allé", "allè", "alle",
    "plass", "plassen", "stien", "stigen", "bakken", "bakke", "torget", "torg", "brygga", "bryggen",
    "brygge", "kaia", "kaien", "kai", "løkka", "stredet", "smuget", "tunet", "terrasse", "terrassen",
)

_FNR_WEIGHTS = ((3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
_ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@(?:[\w-]+\.)+[\w-]{2,}")
_ELEVEN = re.compile(r"(?<!\d)(?:\d{4}[. ]\d{2}[. ]\d{5}|\d{6}[ \u00a0-]?\d{5})(?!\d)")
_ACCOUNT_LAYOUT = re.compile(r"\d{4}[. ]\d{2}[. ]\d{5}")
_SP = "[ \u00a0]"
_YEARS = r"(?:19|20)\d\d (?:19|20)\d\d(?!\d)"
_PHONE = re.compile(
    rf"(?<!\d)(?:(?:\(?\+47\)?|0047|47){_SP}?)?"
    rf"(?!{_YEARS})(?:\d{{8}}|\d{{3}}{_SP}\d\d{_SP}\d{{3}}|\d\d{_SP}\d\d{_SP}\d\d{_SP}\d\d|\d{{4}}{_SP}\d{{4}})(?!\d)"
)
_LONG_NUMBER = re.compile(r"(?<!\d)\d{12,}(?!\d)")
_SUFFIX = "(?i:" + "|".join(re.escape(s) for s in sorted(STREET_SUFFIXES, key=len, reverse=True)) + ")"
_NAME = r"[A-ZÆØÅÉÜ][^\W\d_]*['’]?[^\W\d_]*\.?"
_HOUSE_NUMBER = r"\s+\d{1,4}(?:[A-Za-z]|\s[A-Z])?(?:\s?-\s?\d{1,4}[A-Za-z]?)?(?![\w])"
_ADDRESS = re.compile(
    rf"(?<![\w.])(?:(?:{_NAME}\s+){{0,2}}[^\W\d_]{{2,}}{_SUFFIX}|(?:{_NAME}\s+){{1,3}}{_SUFFIX})"
    rf"(?![^\W\d_]){_HOUSE_NUMBER}"
)


@dataclass(frozen=True)
class Masked:
    """Masked text and the kinds of personal data replaced in it, in the order they were found."""

    text: str
    found: tuple[str, ...]


def _checksum(digits: str, weights: tuple[int, ...]) -> int | None:
    """The mod-11 control digit for ``digits`` (None when the number cannot have one)."""
    rest = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    return {11: 0, 10: None}.get(rest, rest)


def fnr_kind(digits: str) -> str | None:
    """"fødselsnummer" or "d-nummer" when 11 ``digits`` have a valid date and control digits, else None.

    The day of a D-nummer is raised by 40; the month of an H-nummer by 40 and of a synthetic
    test number by 80 (both count as fødselsnummer here).
    """
    if len(digits) != 11 or not digits.isdigit():
        return None
    day, month = int(digits[0:2]), int(digits[2:4]) % 40
    is_d = day > 40
    day -= 40 if is_d else 0
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
        return None
    k1 = _checksum(digits[:9], _FNR_WEIGHTS[0])
    if k1 is None or k1 != int(digits[9]):
        return None
    if _checksum(digits[:10], _FNR_WEIGHTS[1]) != int(digits[10]):
        return None
    return "d-nummer" if is_d else "fødselsnummer"


def valid_account(digits: str) -> bool:
    """Whether 11 ``digits`` are a Norwegian bank account number with a valid mod-11 control digit."""
    return (len(digits) == 11 and digits.isdigit()
            and _checksum(digits[:10], _ACCOUNT_WEIGHTS) == int(digits[10]))


def _eleven_kind(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    if _ACCOUNT_LAYOUT.fullmatch(match.group()):
        return "kontonummer"
    return fnr_kind(digits) or ("kontonummer" if valid_account(digits) else "nummer")


_PASSES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, lambda _: "e-post"),
    (_ELEVEN, _eleven_kind),
    (_PHONE, lambda _: "telefon"),
    (_LONG_NUMBER, lambda _: "nummer"),
    (_ADDRESS, lambda _: "adresse"),
)


def mask_report(text: str) -> Masked:
    """Mask personal data in ``text`` (see the module docstring) and report the kinds found."""
    found: list[str] = []

    def replace(kind_of: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
        def token(match: re.Match[str]) -> str:
            kind = kind_of(match)
            found.append(kind)
            return TOKENS[kind]
        return token

    for pattern, kind_of in _PASSES:
        text = pattern.sub(replace(kind_of), text)
    return Masked(text, tuple(found))


def mask(text: str) -> str:
    """``text`` with fødselsnummer, D-nummer, phone, e-mail, account numbers and addresses masked."""
    return mask_report(text).text
