"""The UN's short names of countries and areas, in the six languages, by ISO 3166-1 code.

Read from `un-country-names.csv` beside this module (its source and licence:
missive/data/README.md). Load validates a list's `country` column against it; compose
prints the name in the letter's language. Both ask once per process: the table is 257 rows.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from missive.model import Language
from missive.storage import reuse

TABLE = Path(__file__).with_name("un-country-names.csv")
SOURCES = frozenset({"M49", "M49-corrected", "UN-usage", "CLDR"})


@reuse.once
def un_country_names() -> Mapping[str, Mapping[Language, str]]:
    """ISO 3166-1 alpha-2 code -> language -> the UN short name."""
    table: dict[str, Mapping[Language, str]] = {}
    with TABLE.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            names = {language: row[language.value] for language in Language}
            table[row["code"]] = MappingProxyType(names)
    return MappingProxyType(table)


@reuse.once
def country_codes() -> frozenset[str]:
    """The codes a recipients list may use: those the table names."""
    return frozenset(un_country_names())


def country_name(code: str, language: Language) -> str | None:
    """The UN short name of `code` in `language`, or None for a code the table lacks."""
    names = un_country_names().get(code.upper())
    return None if names is None else names[language]
