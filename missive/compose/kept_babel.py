"""What Babel's locale data gave a letter, kept between runs.

Babel reads a locale's CLDR data the first time any of it is asked for, merging the
locale with its parents: about 6 ms a locale, 35 ms for a six-language letter, in every
process that composes. What a letter asks of it is small and depends only on the
language, the locale, Babel's version and the code that asks: the dates and intervals it
prints (country names are the UN's, from missive/data, not Babel's). Those are kept in the
start-up cache (`storage/startcache.py`), one entry per language and locale; a value not
found there is asked of Babel, which then reads its data, and is added to the entry (one
process at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from typing import Any, TypeVar

import babel
from babel import Locale

from missive.model import Language
from missive.storage import reuse, startcache

KIND = "locale-results"
# The code whose results are kept (with all it imports of missive: `code_fingerprint`).
_COMPUTED_BY = ("missive.compose.dates", "missive.compose.environment", __name__)

T = TypeVar("T")


class KeptLocaleResults:
    """Results of Babel for one letter language in one locale (a letter may give a
    language another locale, and the UN date patterns are the language's), by a key that
    names the question asked."""

    def __init__(self, language: Language, locale: Locale) -> None:
        self._key = startcache.fingerprint(f"{language.value} {locale}".encode())
        found = startcache.load(KIND, self._key, _version())
        self._values: dict[Hashable, Any] = dict(found) if isinstance(found, dict) else {}

    def get(self, question: Hashable, answer: Callable[[], T]) -> T:
        if question in self._values:
            kept: T = self._values[question]
            return kept
        value = answer()
        self._values[question] = value
        startcache.update(KIND, self._key, _version(), partial(_added, question, value))
        return value


def _added(question: Hashable, value: object, stored: object) -> dict[Hashable, Any]:
    table: dict[Hashable, Any] = dict(stored) if isinstance(stored, dict) else {}
    table[question] = value
    return table


@reuse.once
def _version() -> str:
    code = startcache.code_fingerprint(*_COMPUTED_BY)
    return f"babel {babel.__version__} code {code[:16]}"
