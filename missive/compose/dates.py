"""Dates in United Nations editorial style, in each of the six languages.

CLDR's own interval formats abbreviate months ("8–11 juil. 2025", "8 – 11 Jul 2025") and
its long formats follow the locale's region ("July 8, 2025" in en_US). UN correspondence
writes full month names and day-month-year order whatever the region, so the patterns are
fixed per language here and only the month names come from the letter's Babel locale.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from babel import Locale
from babel.dates import format_date, get_date_format

from missive.model import Language

# Appended to every date a template prints; removed after rendering, together with a point
# that follows a date already ending in one ("15 сентября 2025 г." + "." -> one point).
DATE_END = "\ue000"
_DOUBLE_POINT = re.compile(r"(\\?\.)" + DATE_END + r"\.")


@dataclass(frozen=True)
class UnDateStyle:
    """One language's patterns: a long date, and how an interval joins its two ends."""

    long: str
    day_month: str  # the start of an interval within one year ("30 June")
    dash: str  # between two days of one month: "8–11 July 2025"
    wide_dash: str  # between ends that carry a month or a year
    year_first: bool = False  # Chinese: 2025年7月8日至11日, the end loses what it shares


UN_DATE_STYLES: dict[Language, UnDateStyle] = {
    Language.AR: UnDateStyle("d MMMM y", "d MMMM", "–", " – "),
    Language.ZH: UnDateStyle("y年M月d日", "M月d日", "至", "至", year_first=True),
    Language.EN: UnDateStyle("d MMMM y", "d MMMM", "–", "–"),
    Language.FR: UnDateStyle("d MMMM y", "d MMMM", "-", "-"),
    Language.RU: UnDateStyle("d MMMM y\u202f'г'.", "d MMMM", "–", " – "),
    Language.ES: UnDateStyle("d 'de' MMMM 'de' y", "d 'de' MMMM", "–", "–"),
}
_NAMED_FORMATS = ("short", "medium", "long", "full")
_LONE_DAY = re.compile(r"(?<![d'])d(?!d)")


class UnDates:
    """Long dates and intervals of one language, month names from `locale`."""

    def __init__(self, language: Language, locale: Locale) -> None:
        self.language = language
        self.locale = locale
        self.style = UN_DATE_STYLES[language]

    def format(self, value: dt.date, pattern: str = "long") -> str:
        """`long` is the UN long date; other CLDR names and patterns are Babel's."""
        if pattern == "long":
            pattern = self.style.long
        elif pattern in _NAMED_FORMATS:
            named = get_date_format(pattern, locale=self.locale)  # type: ignore[arg-type]
            pattern = named.pattern
        if self.language is Language.FR and value.day == 1:
            # French writes the first day of a month as an ordinal: "1er juillet 2025".
            pattern = _LONE_DAY.sub("'1er'", pattern, count=1)
        return str(format_date(value, pattern, locale=self.locale))

    def interval(self, start: dt.date, end: dt.date) -> str:
        """ "8–11 July 2025", "30 June–2 July 2025", "28 December 2025–3 January 2026"."""
        if end < start:
            start, end = end, start
        style = self.style
        if start == end:
            return self.format(start)
        same_year = start.year == end.year
        same_month = same_year and start.month == end.month
        dash = style.dash if same_month else style.wide_dash
        if style.year_first:
            shown = "d日" if same_month else style.day_month if same_year else style.long
            return f"{self.format(start)}{dash}{self.format(end, shown)}"
        shown = "d" if same_month else style.day_month if same_year else style.long
        return f"{self.format(start, shown)}{dash}{self.format(end)}"


def mark_date(text: str) -> str:
    """A date as printed into a template, so that `close_date_points` can find its end."""
    return text + DATE_END


def close_date_points(text: str) -> str:
    """Rendered template text without date marks, and without a second final point."""
    if DATE_END not in text:
        return text
    return _DOUBLE_POINT.sub(r"\1", text).replace(DATE_END, "")
