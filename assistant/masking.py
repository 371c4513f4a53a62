"""Masking of personal data in visitor text, before anything is stored, logged, clustered or written.

Every store of visitor text goes through :func:`mask` (or :func:`mask_report`): the question log masks each
question and feedback comment before it is stored, and masks again what it reads back (records stored by an
older version of this module), so the review queue, its clustering, the CSV export,
``eval/devset/editor.yaml`` and ``eval/changes.log`` only ever see masked text.

The text is first read through a normalised view: zero-width characters (U+200B-U+200D, U+2060, U+FEFF, soft
hyphen) are ignored, odd spaces (no-break, thin, ideographic, ...) count as spaces, and fullwidth and other
compatibility forms count as their plain letters and digits (NFKC; ``＠`` is ``@``). Each find replaces the
original characters it covers with a token from :data:`TOKENS`; text outside the finds is left byte for byte.

What is masked, in this order (an earlier find wins over a later one):

1. e-mail addresses, also ``kari@localhost``, quoted local parts (``"kari nordmann"@example.no``), ``(at)``,
   ``[at]``, ``(a)``, "alfakrøll", a spaced ``@`` and ``(dot)``: «[e-post]»;
2. IBANs (``NO93 8601 1117 947``): «[kontonummer]»;
3. 11 digits, written as one run or in groups of two or more digits with one space, dot or hyphen between
   them, or a slash in the ``150385/10190`` and ``15/03/85 10190`` forms (``150385.10190``,
   ``15.03.85 10190``, ``150385 101 90``, ``0503 8912 345``, ``1234.56.78903``): a valid
   fødselsnummer gives «[fødselsnummer]», a valid D-nummer «[d-nummer]», the 4.2.5 layout or a valid
   account number «[kontonummer]», anything else «[nummer]». Not masked: thousands (``12 345 678 901``),
   ISO dates and law ids (``LOV-2022-06-17-105``);
4. Norwegian phone numbers, 8 digits as ``92244555``, ``922 44 555``, ``922 445 55``, ``92 24 45 55``,
   ``9224 4555`` (space, dot or hyphen between the groups, the same throughout), after an optional ``+47``,
   ``0047``, ``(+47)`` or ``47``: «[telefon]». Not masked: two years (``2023 2024``), amounts
   (``12 000 000``), dates (``01.02.2024``);
5. any other run of 12 or more digits: «[nummer]»;
6. gårds- og bruksnummer (``gnr 12 bnr 34``, ``gnr. 45, bnr. 112``, ``gårdsnummer 7 og bruksnummer 19``,
   ``gnr/bnr 12/34``; ``12/34`` after eiendom, eigedom, tomt, hytte or matrikkelnummer): «[eiendom]»;
7. post box numbers (``Postboks 123``, ``Pb. 2210``): «[postboks]», except a ministry's ``Postboks … Dep.``;
8. street addresses with a house number (``Storgata 12B``, ``Storgt. 5``, ``Kongens gate 5 B``,
   ``Markveien 35-37``, ``Elvebakken 10, H0201``): «[adresse]». A street is found by its name's ending,
   a clear one (:data:`STREET_SUFFIXES`: gata, gt, veien, vn, allé, stien, svingen, ...) in any case,
   or a place-like one (:data:`PLACE_SUFFIXES`: lia, åsen, ringen, bakken, haugen, tunet, løkka, ...) on a
   capitalised name that does not begin a sentence; or, for any capitalised name, by what is around it:
   after "bor i", "bur på", "adressa mi er", "adresse:" ... or before a postcode and place. A house number
   followed by a time or count word ("Bodø 2 år", "plass 2 av 10") or by an ordinal dot ("Høringen
   3. mai") is no house number;
9. a postcode and place (``0372 Oslo``, ``1850 MYSEN``): «[poststed]». A postcode that could be a year
   (1900-2099) needs an address before it (``Storgata 7, 2000 Lillestrøm``) or the word postnummer; a
   kommunenummer, and the postcode of a public address (``Postboks 3 Dep., 0030 Oslo``), are left alone;
10. names (capitalised words, or lower-case after a clear introduction) after self-introductions and
    signatures in Bokmål and Nynorsk: "jeg heter", "eg heiter", "mitt navn/namn er", "navnet/namnet mitt
    er", "navn:", "kontaktperson:", "sønnen min heter", "jeg er"/"eg er" (capitalised names only, not a
    title such as "Ordfører"), and "hilsen", "mvh", "helsing", "vennlig/vennleg/venleg hilsen/helsing",
    "med vennlig hilsen", "beste hilsen", "hilsen fra" at the start of a sentence: «[navn]». Names of
    kommuner ("Hilsen fra Nordre Follo kommune") are left alone.

Not masked: names anywhere else in the text (for example "saksbehandler hos oss er Per Olsen"), birth dates
alone, postcodes without a place, and the department's own public contact details in
:data:`assistant.messages.CONTACT` (its phone number in any form, its postal address and the street of its
visiting address): they are the switchboard and offices of a public body, not personal data, and visitors quote them.

The tokens contain no digits, no ``@`` and no capitalised word, tokens already in the text count as masked,
and each pass reads the text with its earlier finds already masked, so masking is idempotent:
``mask(mask(text)) == mask(text)``. Results are cached (the log masks again what it reads back).
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from .messages import CONTACT

#: The replacement token for each kind of personal data found.
TOKENS: dict[str, str] = {
    "e-post": "«[e-post]»",
    "fødselsnummer": "«[fødselsnummer]»",
    "d-nummer": "«[d-nummer]»",
    "kontonummer": "«[kontonummer]»",
    "nummer": "«[nummer]»",
    "telefon": "«[telefon]»",
    "eiendom": "«[eiendom]»",
    "postboks": "«[postboks]»",
    "adresse": "«[adresse]»",
    "poststed": "«[poststed]»",
    "navn": "«[navn]»",
}

#: Endings that make a word a street name in any case (Bokmål and Nynorsk).
STREET_SUFFIXES: tuple[str, ...] = (
    "gata", "gate", "gaten", "veien", "vegen", "vei", "veg", "stien", "stigen", "svingen", "vingen", "smuget",
    "stredet", "terrasse", "terrassen",
)
#: Abbreviations and endings that are street names on a capitalised word only ("Storgt 5", but "lagt 2").
STREET_ABBREVIATIONS: tuple[str, ...] = (
    "gt.", "gt", "vn.", "vn", "allé", "allè", "brygga", "bryggen", "brygge", "kaia", "kaien", "kai", "torget",
    "torg",
)
#: Street names written as a separate word after a capitalised name ("Kongens gate", "Bygdøy allé").
STREET_WORDS: tuple[str, ...] = ("gate", "gata", "vei", "veg", "allé", "allè", "plass", "terrasse", "torg", "brygge")
#: Endings of street names that are also ordinary words or places: only on a capitalised name mid-sentence.
PLACE_SUFFIXES: tuple[str, ...] = (
    "lia", "lien", "åsen", "ringen", "bakken", "bakke", "haugen", "toppen", "tunet", "jordet", "løkka", "løkken",
    "plassen", "plass", "sletta", "kroken", "hagen", "lunden", "kollen", "grenda", "myra",
    "enga", "engen", "bråten",
)

_FNR_WEIGHTS = ((3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
_ACCOUNT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

#: A find that is public (the department's contact details): left as it is, and no later pass looks at it.
KEEP = "keep"
_MASKED, _KEPT, _NAMED = "\x00", "\x01", "\x02"  # fillers for found text (names apart) in the working copy

# --- the normalised view -------------------------------------------------------------------------------------

_IGNORED = re.compile("[\u00ad\u180e\u200b-\u200d\u2060\ufeff]")
_IGNORED_CHARS = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """``text`` as the passes read it, and for each of its characters the index of the original one.

    None instead of the index list means the view is ``text`` itself.
    """
    if unicodedata.is_normalized("NFKC", text) and not _IGNORED.search(text):
        return text, None
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        if char in _IGNORED_CHARS:
            continue
        if unicodedata.combining(char) and out:  # a combining mark belongs to the character before it
            composed = unicodedata.normalize("NFC", out[-1] + char)
            if len(composed) == 1:
                out[-1] = composed
            continue
        plain = unicodedata.normalize("NFKC", char)
        if len(plain) != 1:  # ligatures, "…", U+FDFA: nothing to find in them, and no longer text to search
            plain = char
        elif plain.isspace():
            plain = " " if char not in "\n\r" else char
        out.extend(plain)
        where.extend([i] * len(plain))
    return "".join(out), where


# --- numbers -------------------------------------------------------------------------------------------------

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


_PUBLIC_PHONE = re.sub(r"\D", "", CONTACT["phone"])
_PUBLIC = re.compile("|".join(
    r"(?<![\w])" + r"\s*".join(re.escape(word) for word in part.split()) + r"(?![\w])"
    for part in (*CONTACT["postal_address"].split(", "), CONTACT["visiting_address"].split(", ")[0])))

_EMAIL_CHARS = r"\w!#$%&'*+/=?^`{|}~-"
_LABEL = r"\w(?:[\w-]{0,62}\w)?"
_DOT = r"(?:\.|\s*[(\[{<]\s*(?:dot|punktum|prikk)\s*[)\]}>]\s*|\s+(?:dot|punktum)\s+)"
_EMAIL = re.compile(
    rf"(?:\"[^\"\n]{{1,64}}\"|(?<![.{_EMAIL_CHARS}])[{_EMAIL_CHARS}]+(?:\.[{_EMAIL_CHARS}]+)*)"
    rf"(?P<at>[ \t]?@[ \t]?|\s*[(\[{{<]\s*(?:at|a|alfakrøll|krøllalfa)\s*[)\]}}>]\s*|\s+(?:alfakrøll|krøllalfa)\s+)"
    rf"{_LABEL}(?P<dots>(?:{_DOT}{_LABEL})*)(?![\w-])", re.IGNORECASE)
_IBAN = re.compile(r"(?<![\w])(?:[A-Z]{2}|[Nn][Oo])\d\d(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w])")
_S = "[ .\\-/]"
_ELEVEN = re.compile(
    rf"(?<!\d)(?<!\d[.,])(?:\d{{11}}|\d{{6}}{_S}\d{{5}}|\d{{6}} \d{{3}} \d\d|\d{{6}} \d\d \d{{3}}|\d{{5}} \d{{6}}"
    rf"|\d\d{_S}\d\d{_S}\d\d(?:{_S}?\d{{5}}| \d{{3}} \d\d)|\d{{4}}{_S}\d\d{_S}\d{{5}})(?!\d)")
#: Any other grouping of 11 digits (``0503 8912 345``): groups of two or more digits, one separator between them.
_ELEVEN_GROUPED = re.compile(r"(?<!\d)(?<!\d[.,])\d{2,}(?:[ .-]\d{2,})+(?!\d)(?![.-]\d)")
_ACCOUNT_LAYOUT = re.compile(r"\d{4}([. -])\d\d\1\d{5}")
_SP = "[ .-]"
_PHONE = re.compile(
    rf"(?<!\d)(?:(?:\(\s?(?:\+|00)47\s?\)|(?:\+|00)47|47){_SP}?)?"
    rf"(?!(?:19|20)\d\d[ .\-/](?:19|20)\d\d(?!\d))"
    rf"(?P<number>\d{{8}}|\d\d({_SP})\d\d\2\d\d\2\d\d|\d{{3}}({_SP})\d\d\3\d{{3}}|\d{{3}}({_SP})\d{{3}}\4\d\d"
    rf"|\d{{4}}({_SP})\d{{4}})(?!\d)(?![.\-/]\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d{12,}(?!\d)")


def _email_kind(match: re.Match[str], work: str) -> str | None:
    if match["at"] == "@":
        return "e-post"  # written together: local@host, even without a dot (kari@localhost)
    return "e-post" if match["dots"] else None  # spaced or spelled-out "at": only with a domain


def _iban_kind(match: re.Match[str], work: str) -> str | None:
    return "kontonummer" if sum(c.isdigit() for c in match.group()) >= 10 else None


def _eleven_kind(match: re.Match[str], work: str) -> str | None:
    text = match.group()
    if re.search(r"[A-Za-z]-$", work[:match.start()]):
        return None  # a law id: LOV-2022-06-17-105
    if _ACCOUNT_LAYOUT.fullmatch(text):
        return "kontonummer"
    digits = re.sub(r"\D", "", text)
    return fnr_kind(digits) or ("kontonummer" if valid_account(digits) else "nummer")


def _grouped_kind(match: re.Match[str], work: str) -> str | None:
    groups = re.split(r"[ .-]", match.group())
    if sum(map(len, groups)) != 11 or (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        return None  # not 11 digits, or an amount in thousands: 12 345 678 901
    if re.match(r"(?:19|20)\d\d[-.]\d\d[-.]\d\d", match.group()):
        return None  # an ISO date and more
    return _eleven_kind(match, work)


def _phone_kind(match: re.Match[str], work: str) -> str:
    return KEEP if re.sub(r"\D", "", match["number"]) == _PUBLIC_PHONE else "telefon"


# --- gnr/bnr, post boxes, addresses, postcodes ----------------------------------------------------------------

_GNR = r"(?:g(?:(?:år|ar)ds?)?(?:nummer|nr)|g\.\s?nr)\.?"
_BNR = r"(?:b(?:ruk)?s?(?:nummer|nr)|b\.\s?nr)\.?"
_PROPERTY_PAIR = re.compile(
    rf"(?i:\b{_GNR}\s*:?\s*\d{{1,5}}(?:\s*[,/]\s*|\s+og\s+|\s+){_BNR}\s*:?\s*\d{{1,5}})(?!\d)")
_PROPERTY_SLASH = re.compile(
    rf"(?i:(?:\b{_GNR}\s*[/.]?\s*{_BNR}|\bg/bnr\.?|\bgbnr\.?|\bmatrikkel(?:nummer|nr)?\.?|\beiendom(?:men)?"
    rf"|\beigedom(?:men)?|\btomt(?:a|en)?|\bhytt(?:a|en)|\b{_GNR})\s*:?\s*"
    rf"(?:(?:min|mi|mitt|vår|vårt|vor|på|er|har|med|nr\.?)\s+){{0,2}})"
    rf"(?P<part>\d{{1,5}}\s*/\s*\d{{1,5}}(?:\s*/\s*\d{{1,5}}){{0,2}})(?![\d/])")
_PROPERTY_SINGLE = re.compile(rf"(?i:\b(?:{_GNR}|{_BNR})\s*:?\s*\d{{1,5}})(?![\d/])")
_POSTBOX = re.compile(r"(?i:\b(?:postboks|postb\.|pb\.?))\s*(?:nr\.?\s*)?\d{1,5}(?!\d)(?P<dep>\s*,?\s*(?i:dep)\b\.?)?")

_NAME = r"[A-ZÆØÅÉÜÖÄ][^\W\d_]*(?:['’][^\W\d_]+)?\.?"
_CAPITALISED = r"[A-ZÆØÅÉÜÖÄ][^\W\d_]*[a-zæøåéèüöä][^\W\d_]*"


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


#: A digit within the next five words: every street pattern starts with it, so that most starts fail at once.
_NUMBER_NEAR = r"(?=(?:[^\W\d_]+(?:['’][^\W\d_]+)?\.?[ \t]+){0,4}\d)"
_HOUSE = (r"(?P<house>[ \t]+\d{1,3}(?:[A-Za-z]|[ \t][A-Z])?(?![\w])(?:[ \t]?-[ \t]?\d{1,3}[A-Za-z]?(?![\w]))?"
          r"(?:[ \t]*,?[ \t]*[Hh]\d{4}(?!\d))?)")
_STREET = re.compile(
    rf"(?<![\w.]){_NUMBER_NEAR}(?:(?:{_NAME}[ \t]+){{0,2}}(?:[^\W\d_]{{2,}}(?i:{_alternatives(STREET_SUFFIXES)})"
    rf"|[A-ZÆØÅ][^\W\d_]+(?:{_alternatives(STREET_ABBREVIATIONS)}))"
    rf"|(?:{_NAME}[ \t]+){{1,3}}(?i:{_alternatives(STREET_WORDS)}))(?![^\W\d_]){_HOUSE}")
_PLACE_STREET = re.compile(
    rf"(?<![\w.]){_NUMBER_NEAR}(?:{_NAME}[ \t]+){{0,2}}[A-ZÆØÅ][^\W\d_]+(?:{_alternatives(PLACE_SUFFIXES)})"
    rf"(?![^\W\d_]){_HOUSE}")
_ADDRESS_CONTEXT = (r"(?i:\b(?:bor|bur|bodde|budde|bosatt|busett|flytt(?:a|et|er|ar)|adress(?:e|en|a)|adr\.?"
                    r"|hjemmeadresse|heimeadresse|postadresse|besøksadresse|gateadresse)(?![\w])"
                    r"(?:\s+(?:mi|min|mitt|vår|vårt|er|på|i|til|no|nå|her))*)\s*[:,]?\s*")
_NAME_AND_NUMBER = rf"{_NUMBER_NEAR}(?:{_NAME}[ \t]+){{0,2}}{_CAPITALISED}{_HOUSE}"
_CONTEXT_STREET = re.compile(rf"{_ADDRESS_CONTEXT}(?P<part>{_NAME_AND_NUMBER})")
_POSTCODE_AHEAD = r"(?=[ \t]*,?\s*\d{4}[ \t]+[A-ZÆØÅ])"
_STREET_BEFORE_POSTCODE = re.compile(rf"(?<![\w.]){_NAME_AND_NUMBER}{_POSTCODE_AHEAD}")
_NOT_HOUSE_NUMBER = re.compile(
    r"\.[ \t]*(?:[a-zæøå\d])|[ \t]*(?:%|(?:år|års|dag|dager|døgn|uke|uker|veke|veker|måned|måneder|månad|månader"
    r"|time|timer|timar|minutt|minutter|min|gang|ganger|gong|gonger|km|mil|meter|kr|kroner|prosent|stk|personer"
    r"|folk|innbyggere|innbyggjarar|kommuner|kommunar|forsøk|elever|elevar|barn|ansatte|tilsette|plasser"
    r"|millioner|mill|mrd|milliarder|av|nye|andre)(?![\w]))")
_POSTCODE = re.compile(
    r"(?<![\w.,/-])(?P<code>\d{4})[ \t]+(?:[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?|[A-ZÆØÅ]{2,}(?:-[A-ZÆØÅ]{2,})?)"
    r"(?![\w])")
_POSTCODE_CONTEXT = re.compile(r"(?:\x00[ \t]*,?|,|\n|(?i:post\w*)(?:[ \t]+\w+){0,2})[ \t]*$")
_MUNICIPALITY_NUMBER = re.compile(r"(?i:kommune(?:nummer|nr)\w*|knr)\.?(?:[ \t]+\w+){0,3}[ \t]*$")


def _house_ok(match: re.Match[str], work: str) -> bool:
    """Whether the number after a street name is a house number (not "3. mai", "2 år", "plass 2 av 10")."""
    return not _NOT_HOUSE_NUMBER.match(work, match.end("house"))


def _street_kind(match: re.Match[str], work: str) -> str | None:
    return "adresse" if _house_ok(match, work) else None


def _sentence_start(work: str, at: int) -> bool:
    before = work[:at].rstrip(" \t")
    return not before or before[-1] in ".!?:\n\x00\x01\x02"


def _place_street_kind(match: re.Match[str], work: str) -> str | None:
    if _sentence_start(work, match.start()) and not re.match(_POSTCODE_AHEAD, work[match.end():]):
        return None
    return _street_kind(match, work)


def _postcode_kind(match: re.Match[str], work: str) -> str | None:
    before = work[max(0, match.start() - 60):match.start()]
    if re.search(r"\x01[ \t]*,?[ \t]*$", before):
        return KEEP  # the postcode of a public address: "Postboks 3 Dep., 0030 Oslo"
    if _MUNICIPALITY_NUMBER.search(before):
        return None
    if 1900 <= int(match["code"]) <= 2099 and not _POSTCODE_CONTEXT.search(before):
        return None  # a year before a capitalised word ("i 2021 Bodø og Tromsø")
    return "poststed"


# --- names ---------------------------------------------------------------------------------------------------

_FAMILY = (r"(?:sønn|sønnen|son|sonen|datter|dattera|datteren|dotter|dottera|mor|mora|moren|far|faren|mann|mannen"
           r"|kone|kona|sambo|samboer|samboeren|sambuar|sambuaren|barnet|bror|broren|søster|søstera|søsteren"
           r"|kollega|kollegaen|nabo|naboen|venn|vennen|ven|venen)")
_STRONG = (rf"jeg\s+heter|jeg\s+heiter|eg\s+heiter|eg\s+heter|(?:han|hun|ho|hen)\s+(?:heter|heiter)"
           rf"|{_FAMILY}\s+(?:min|mi|mitt)\s+(?:heter|heiter)|mitt\s+(?:fulle\s+)?(?:navn|namn)\s+er"
           rf"|(?:navnet|namnet)(?:\s+mitt)?\s+er|(?:navn|namn|kontaktperson)\s*:|kontaktperson(?:en)?\s+er")
_SIGNATURE = (r"(?:med\s+)?(?:vennlig|vennleg|venleg|beste|mange)?\s*(?:hilsen|hilsener|helsing|helsingar)"
              r"(?:\s+(?:fra|frå))?|m\.?\s?v\.?\s?h\.?|vh\.?")
_TRIGGER = re.compile(rf"(?i:\b(?:(?P<strong>{_STRONG})|(?P<intro>jeg\s+er|eg\s+er)|(?P<signature>{_SIGNATURE})))"
                      r"(?![\w])[ \t]*[,:;.!]?[ \t]*\n?[ \t]*")
_NAME_WORD = re.compile(r"(?:[A-ZÆØÅÉÜÖÄ](?:[a-zæøåéèüöäáóíñç]+(?:-[A-ZÆØÅa-zæøå][a-zæøåéèüöä]+)*|\.)"
                        r"|(?:von|van|der|de|af|da|di|le|la)(?=[ \t]+[A-ZÆØÅ]))(?![\w])")
_LOWER_WORD = re.compile(r"[a-zæøåéü][a-zæøåéü'-]*(?![\w])")
#: Words that follow a trigger without being a name: titles, pronouns, small words, organisations.
NOT_NAMES = frozenset("""
    og i på fra frå som er har hadde var jeg eg vi meg oss dere de dei dykk du deg han hun ho hen den det dette
    ein en ei et til for med om av men eller at så ikke ikkje bare berre også og òg hei hallo takk kan vil skal
    må kunne lurer lurar jobber jobbar arbeider arbeidar bor bur skriv skriver spør spør sitter sit er
    ordfører ordførar ordføreren ordføraren varaordfører rådmann rådmannen kommunedirektør kommunedirektøren
    saksbehandler saksbehandlar saksbehandleren rådgiver rådgivar rådgjevar leder leiar sjef økonomisjef
    innbygger innbyggjar innbyggere innbyggjarar student studenten lærer lærar rektor journalist politiker
    politikar ansatt tilsett medlem nestleder nestleiar konsulent seniorrådgiver seniorrådgjevar
    kommunen kommune fylket fylkeskommunen administrasjonen redaksjonen styret rådhuset alle
    forvirret forvirra frustrert frustrerte fortvilet fortvila bekymret bekymra glad nøgd fornøyd
    hva kva hvor kvar hvem kven når hvorfor kvifor hvordan korleis
    hilsen hilsener helsing helsingar mvh vh heter heiter navn namn vennlig vennleg venleg beste med
""".split())
_ORGANISATION_AFTER = re.compile(
    r"[ \t]+(?i:kommune|kommunes|fylkeskommune|fylke|kommunestyre\w*|bydel|skole|skule|barnehage|sykehus|as|asa"
    r"|sa|departement\w*)(?![\w])")


def _name_run(work: str, at: int, lower: bool) -> tuple[int, int] | None:
    """The span of the name starting at ``at``: capitalised words (or, when ``lower``, lower-case ones)."""
    words: list[tuple[int, int]] = []
    pos = at
    while len(words) < 4:
        match = _NAME_WORD.match(work, pos) or (_LOWER_WORD.match(work, pos) if lower else None)
        if not match or match.group().lower().rstrip(".") in NOT_NAMES:
            break
        words.append(match.span())
        gap = re.match(r"[ \t]+", work[match.end():])
        if not gap:
            break
        pos = match.end() + gap.end()
    if not words or _ORGANISATION_AFTER.match(work, words[-1][1]):
        return None
    return words[0][0], words[-1][1]


#: Every trigger holds one of these (lower-cased): a quick test before the slower search for triggers.
_TRIGGER_WORDS = ("het", "heit", "navn", "namn", "kontaktperson", "eg er", "hils", "helsing", "vh", "v.h", "v. h")


_LOWER_TAIL = re.compile(r"((?:[a-zæøåéü][a-zæøåéü'-]*[ \t]*){1,3})[^\w\x02]*")
_SKIPPABLE = re.compile(r"[a-zæøåéü]+[ \t]+")


def _signature_name(work: str, start: int) -> tuple[int, int] | None:
    """The name signed at ``start`` (after "hilsen", "mvh", ...): lower-case words when they end the text
    ("mvh kari nordmann"), else capitalised words after at most two lower-case ones ("Hilsen en forvirret
    Camilla", "Beste hilsen fra Jonas")."""
    tail = _LOWER_TAIL.fullmatch(work, start)
    if tail and not any(word in NOT_NAMES for word in tail[1].split()):
        return start, start + len(tail[1].rstrip())
    for _ in range(3):
        span = _name_run(work, start, lower=False)
        skipped = _SKIPPABLE.match(work, start)
        if span or not skipped:
            return span
        start = skipped.end()
    return None


def _names(work: str) -> list[tuple[int, int, str]]:
    """Spans of names after self-introductions and signatures."""
    lower = work.lower()
    if not any(word in lower for word in _TRIGGER_WORDS):
        return []
    spans = []
    at = 0
    while trigger := _TRIGGER.search(work, at):
        at = trigger.end()
        if trigger["signature"]:
            before = work[:trigger.start()].rstrip(" \t")
            if before and before[-1] not in ".!?,;:\n–—-)\x00\x01\x02":
                continue  # "en hilsen til ..." is no signature
            span = _signature_name(work, trigger.end())
        else:
            span = _name_run(work, trigger.end(), lower=bool(trigger["strong"]))
        if span:
            spans.append((*span, "navn"))
            work = _fill(work, *span, _NAMED)  # as the next pass over the masked text will see it
            at = span[1]
    return spans


# --- putting it together -------------------------------------------------------------------------------------

Kind = Callable[[re.Match[str], str], str | None]
_MAX_ROUNDS = 4
_TOKEN = re.compile("|".join(re.escape(token) for token in TOKENS.values()))
_DIGIT = re.compile(r"\d")
_AT_LIKE = re.compile(r"[@(\[{<]|(?i:alfakr|krøllalfa)")
#: The passes, in order: what the text must hold for the pass to look at it, a pattern, what a match is (a
#: kind, KEEP, or None for no find), and the group of the match to mask.
_PASSES: tuple[tuple[re.Pattern[str], re.Pattern[str], Kind, str | int], ...] = (
    (_DIGIT, _PUBLIC, lambda m, w: KEEP, 0),
    (_AT_LIKE, _EMAIL, _email_kind, 0),
    (_DIGIT, _IBAN, _iban_kind, 0),
    (_DIGIT, _ELEVEN, _eleven_kind, 0),
    (_DIGIT, _ELEVEN_GROUPED, _grouped_kind, 0),
    (_DIGIT, _PHONE, _phone_kind, 0),
    (_DIGIT, _LONG_NUMBER, lambda m, w: "nummer", 0),
    (_DIGIT, _PROPERTY_PAIR, lambda m, w: "eiendom", 0),
    (_DIGIT, _PROPERTY_SLASH, lambda m, w: "eiendom", "part"),
    (_DIGIT, _PROPERTY_SINGLE, lambda m, w: "eiendom", 0),
    (_DIGIT, _POSTBOX, lambda m, w: KEEP if m["dep"] else "postboks", 0),
    (_DIGIT, _STREET, _street_kind, 0),
    (_DIGIT, _STREET_BEFORE_POSTCODE, _street_kind, 0),
    (_DIGIT, _CONTEXT_STREET, _street_kind, "part"),
    (_DIGIT, _PLACE_STREET, _place_street_kind, 0),
    (_DIGIT, _POSTCODE, _postcode_kind, 0),
)


@dataclass(frozen=True)
class Masked:
    """Masked text and the kinds of personal data replaced in it, in the order they occur in the text."""

    text: str
    found: tuple[str, ...]


def _fill(work: str, start: int, end: int, char: str) -> str:
    return work[:start] + char * (end - start) + work[end:]


def _round(work: str) -> tuple[str, list[tuple[int, int, str]]]:
    """One run of every pass over ``work``: the spans found, and ``work`` with them filled in."""
    spans: list[tuple[int, int, str]] = []
    for needs, pattern, kind_of, group in _PASSES:
        if not needs.search(work):
            continue
        at = 0
        while match := pattern.search(work, at):
            start, end = match.span(group if match.group(group) is not None else 0)
            found = work[start:end]
            kind = None if not found or _MASKED in found or _KEPT in found or _NAMED in found else kind_of(match, work)
            if kind is None:  # no find here, but one may start inside it ("0@ 0@a.no")
                at = match.start() + 1
                continue
            if kind != KEEP:
                spans.append((start, end, kind))
            work = _fill(work, start, end, _KEPT if kind == KEEP else _MASKED)
            at = max(end, match.start() + 1)
    names = _names(work)
    for start, end, _ in names:
        work = _fill(work, start, end, _NAMED)
    return work, spans + names


def _finds(work: str) -> list[tuple[int, int, str]]:
    """The spans (in ``work``) of personal data, each with its kind, in text order.

    The passes run again over their own result until they find nothing more: a find can make the text
    around it read differently (a word boundary, the start of a sentence), as it will when the masked
    text is masked again.
    """
    work = _TOKEN.sub(lambda m: (_NAMED if m.group() == TOKENS["navn"] else _MASKED) * len(m.group()), work)
    spans: list[tuple[int, int, str]] = []
    for _ in range(_MAX_ROUNDS):
        work, found = _round(work)
        if not found:
            break
        spans += found
    return sorted(spans)


@functools.lru_cache(maxsize=4096)
def mask_report(text: str) -> Masked:
    """Mask personal data in ``text`` (see the module docstring) and report the kinds found.

    Results are cached (the same questions come back often, and the question log masks again what it reads).
    """
    view, where = _normalised(text)
    finds = _finds(view)
    if not finds:
        return Masked(text, ())
    parts, last = [], 0
    for start, end, kind in finds:
        if where is not None:
            start, end = where[start], where[end - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1
        parts += [text[last:start], TOKENS[kind]]
        last = end
    parts.append(text[last:])
    return Masked("".join(parts), tuple(kind for _, _, kind in finds))


def mask(text: str) -> str:
    """``text`` with the personal data listed in the module docstring replaced by :data:`TOKENS`."""
    return mask_report(text).text
