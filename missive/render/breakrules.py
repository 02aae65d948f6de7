"""Where a line may not break, and which words may not be hyphenated, per language.

The rules are data: each is a regular expression over a paragraph's logical text, and the
spaces inside what it matches become no-break spaces (drawn and stretched as spaces), so
the line breaker sees one unbreakable group. UN editorial usage keeps together:

- a day, its month and its year ("20 juin 2025", "15 сентября 2025 г.", "8–11 July 2025",
  "31 de mayo de 2024", "1er juin"), and a year with the word for year ("2003 года");
- a title and the name it precedes ("S.E. M.", "H.E. Mr", "г-н", "Sra."), an initial and
  the name after it;
- a number and its unit or currency ("15 %", "5 000 USD"), and the groups of one number
  ("+41 22 730 6240", "5 000");
- a spaced dash and the word before it ("материалов – 15 февраля", "SMSI+20 – 2024"): no
  line starts with a dash, which would read as a list's bullet;
- in Russian, a one-letter word and the word after it ("в Женеве", "и культуры",
  "с 27–31 мая"): no line ends on "а", "в", "и", "к", "о", "с", "у" or "я" (Мильчин,
  *Справочник издателя и автора*; UN Russian usage).

Words that are never hyphenated (see `no_hyphenation`): acronyms and words in capitals
("UNITAR", "ЮНИТАР", "WSIS"), and anything in a URL or an e-mail address (they hold no
space, so they are never broken at a space either).

Digits in Arabic text arrive wrapped in isolates (U+2066..U+2069, `bidi.isolate_ltr`), and
short left-to-right runs already joined by no-break spaces; the patterns allow for both.
"""

from __future__ import annotations

import re

from missive.model import Language
from missive.storage import reuse

NO_BREAK_SPACE = "\u00a0"
_I = "[\u2066-\u2069]*"  # isolates around digits in Arabic text
_S = "[ \u00a0]"  # a space, breakable or not
_DAY = rf"{_I}\d{{1,2}}(?:[–-]\d{{1,2}})?{_I}"
_YEAR = rf"{_I}\d{{4}}{_I}"

_MONTHS = {
    Language.EN: "January|February|March|April|May|June|July|August|September|October|"
    "November|December",
    Language.FR: "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
    "novembre|décembre",
    Language.ES: "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|"
    "octubre|noviembre|diciembre",
    Language.RU: "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|"
    "ноября|декабря|январь|февраль|март|апрель|май|июнь|июль|август|сентябрь|октябрь|"
    "ноябрь|декабрь",
    Language.AR: "يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|"
    "كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|"
    "كانون الأول",
}

_UNITS = (
    r"%|‰|per cent|pour cent|por ciento|процент\w*|USD|EUR|CHF|GBP|RUB|CNY|dollars?|"
    r"euros?|francs?|долл\.|евро|km|kg|cm|mm|m|h|min|GB|MB|Mbit/s|Gbit/s"
)

_TITLES = {
    Language.EN: r"H\.\s?E\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Prof\.?|St\.?",
    Language.FR: r"S\.\s?E\.|LL\.\s?EE\.|M\.|MM\.|Mme|Mmes|Mlle|Dr|Pr|Me|St|Ste",
    Language.ES: r"Excmo\.|Excma\.|Sr\.|Sra\.|Srta\.|Sres\.|Dr\.|Dra\.|D\.|Dña\.",
    Language.RU: r"г-н|г-жа|г-да|Г-н|Г-жа|д-р|проф\.",
}


def _date_rules(language: Language) -> list[str]:
    months = _MONTHS.get(language)
    if months is None:
        return []
    if language is Language.ES:
        return [rf"\b{_DAY}{_S}de{_S}(?:{months})(?:{_S}de{_S}{_YEAR})?"]
    day = rf"{_DAY}(?:er)?" if language is Language.FR else _DAY
    rules = [
        rf"(?<!\w){day}{_S}(?:{months})(?:{_S}{_YEAR})?",
        rf"(?<!\w)(?:{months}){_S}{_YEAR}",
    ]
    if language is Language.RU:
        rules.append(rf"(?<!\w){_YEAR}{_S}(?:г\.|года?|году|годы|годов)(?!\w)")
        rules[0] = rf"(?<!\w){day}{_S}(?:{months})(?:{_S}{_YEAR}(?:{_S}(?:г\.|года?))?)?"
    if language is Language.EN:
        rules.append(rf"(?<!\w)(?:{months}){_S}{_DAY}(?:,{_S}{_YEAR})?")
    return rules


@reuse.once
def _rules(language: Language) -> re.Pattern[str]:
    rules = _date_rules(language)
    rules.append(rf"(?<![\w.]){_I}\d+(?:[.,]\d+)?{_I}{_S}(?:{_UNITS})(?!\w)")
    rules.append(rf"(?<=\d){_I}{_S}{_I}(?=\d)")  # "5 000", "+41 22 730 6240"
    titles = _TITLES.get(language)
    if titles is not None:
        rules.append(rf"(?<!\w)(?:{titles})(?:{_S}(?:{titles}))*{_S}(?=\w)")
    rules.append(rf"(?<=[\w.,;)»”]){_S}(?=[–—]{_S})")  # a spaced dash never starts a line
    if language is Language.RU:
        rules.append(rf"(?<![\w.-])[авикосуяАВИКОСУЯ]{_S}(?=\S)")
    if language in (Language.EN, Language.FR, Language.ES, Language.RU):
        rules.append(r"(?<!\w)\w\.(?:\s?\w\.)*" + _S + r"(?=\w{2})")  # initials: "J. Smith"
    return re.compile("|".join(f"(?:{rule})" for rule in rules))


def keep_together(text: str, language: Language) -> str:
    """`text` with the spaces of its unbreakable groups made no-break spaces."""
    if language is Language.ZH:
        return text
    return _rules(language).sub(_no_break, text)


def _no_break(match: re.Match[str]) -> str:
    return match.group(0).replace(" ", NO_BREAK_SPACE)


_NO_HYPHENATION = re.compile(
    r"\S*(?:@|://|www\.)\S*"  # a URL or an e-mail address, whole
    r"|\S+\.(?:org|int|com|net|edu|gov|ch|fr|ru|es|cn|info)\b\S*"  # a bare domain, whole
    r"|\b\w*[A-ZА-ЯЁ]\w*[A-ZА-ЯЁ][\w'’]*"  # two capitals or more: an acronym, a word in capitals
)


def no_hyphenation(text: str) -> list[tuple[int, int]]:
    """Spans of `text` no hyphen may split: URLs, e-mail addresses, acronyms, capitals."""
    return [match.span() for match in _NO_HYPHENATION.finditer(text)]
