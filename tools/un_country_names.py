#!/usr/bin/env python3
"""Write `missive/data/un-country-names.csv` from the UN M49 overview table in six languages.

    .venv/bin/python tools/un_country_names.py SOURCE_DIR

SOURCE_DIR holds the six CSV files the United Nations Statistics Division publishes on
https://unstats.un.org/unsd/methodology/m49/overview/ ("Standard country or area codes for
statistical use (M49)": the overview table, one download per language), named
`UNSD-ar.csv`, `UNSD-cn.csv`, `UNSD-en.csv`, `UNSD-es.csv`, `UNSD-fr.csv`, `UNSD-ru.csv`.
Each row gives a country or area, its ISO 3166-1 alpha-2 code and its name in that language.

The output has one row per ISO 3166-1 alpha-2 code: the M49 name in each of the six UN
languages; the few names the download spells wrongly are corrected (`CORRECTIONS`, each
listed in missive/data/README.md); codes the table lacks but CLDR names (and a recipients
list may therefore use) take CLDR's names, through Babel, and say so in the `source`
column. Rows are sorted by code. Re-running on the same sources gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import babel

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "missive" / "data" / "un-country-names.csv"
# Column order of the output; the UNSD files name Chinese `cn`.
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
UNSD_SUFFIX = {"ar": "ar", "zh": "cn", "en": "en", "fr": "fr", "ru": "ru", "es": "es"}
BABEL_LOCALE = {"ar": "ar", "zh": "zh_Hans", "en": "en", "fr": "fr", "ru": "ru", "es": "es"}
# CLDR region codes that name no country or area (unknown region, EU, UN, pseudo-locales).
NOT_COUNTRIES = frozenset({"ZZ", "QO", "EU", "EZ", "UN", "XA", "XB"})

# (code, language) -> (name in the download, name written). Only text that is broken in
# the download: a word order scrambled, a word doubled or cut, a grammatical case other than
# the nominative, a stand-in character where UN Arabic writes a dash.
CORRECTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("NL", "ar"): ("هولندا (مملكة _)", "هولندا (مملكة -)"),
    ("IO", "ar"): ("المحيط الهندي الإقليم البريطاني في", "الإقليم البريطاني في المحيط الهندي"),
    ("UM", "ar"): ("نائية التابعة للولايات المتحدة", "جزر الولايات المتحدة الصغيرة النائية"),
    ("TF", "ar"): ("الأراضي الفرنسية الجنوبية الجنوبية", "الأراضي الفرنسية الجنوبية"),
    ("AQ", "ru"): ("Антарктике", "Антарктика"),
    ("AX", "ru"): ("Аландских островов", "Аландские острова"),
    ("CC", "ru"): ("Кокосовых (Килинг) островов", "Кокосовые (Килинг) острова"),
    ("CX", "ru"): ("остров Рождества", "Остров Рождества"),
    ("KY", "ru"): ("Кайман острова", "Каймановы острова"),
}


# Codes the M49 table has no row for, where the United Nations nevertheless has a usage of its
# own that CLDR's customary name contradicts. Taiwan: the UN's statistical publications and
# UNTERM write "Taiwan Province of China" (UN DESA, World Population Prospects: "China, Taiwan
# Province of China"); CLDR's bare "Taiwan" is not a form a UN letter may print.
UN_USAGE: dict[str, dict[str, str]] = {
    "TW": {
        "ar": "مقاطعة تايوان الصينية",
        "zh": "中国台湾省",
        "en": "Taiwan Province of China",
        "fr": "Taïwan (province de Chine)",
        "ru": "Тайвань (провинция Китая)",
        "es": "Provincia china de Taiwán",
    },
}


def read_unsd(folder: Path) -> dict[str, dict[str, str]]:
    """code -> language -> name, from the six downloads."""
    names: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        path = folder / f"UNSD-{UNSD_SUFFIX[language]}.csv"
        with path.open(encoding="utf-8-sig", newline="") as stream:
            for row in csv.DictReader(stream):
                code = row["ISO-alpha2 Code"].strip()
                if code:
                    names.setdefault(code, {})[language] = row["Country or Area"].strip()
    return names


def corrected(names: dict[str, dict[str, str]]) -> set[str]:
    """Apply `CORRECTIONS` in place; the codes corrected."""
    for (code, language), (found, written) in CORRECTIONS.items():
        if (now := names[code][language]) != found:
            raise SystemExit(f"{code} {language}: expected {found!r}, found {now!r}")
        names[code][language] = written
    return {code for code, _ in CORRECTIONS}


def cldr_rows(known: set[str]) -> dict[str, dict[str, str]]:
    """CLDR's names for the two-letter codes it has and the M49 table lacks."""
    tables = {lang: babel.Locale.parse(BABEL_LOCALE[lang]).territories for lang in LANGUAGES}
    codes = [
        code
        for code in tables["en"]
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES and code not in known
    ]
    return {code: {lang: str(tables[lang][code]) for lang in LANGUAGES} for code in codes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="folder with UNSD-ar.csv ... UNSD-ru.csv")
    args = parser.parse_args()
    names = read_unsd(args.source)
    incomplete = sorted(code for code, by in names.items() if set(by) != set(LANGUAGES))
    if incomplete:
        raise SystemExit(f"codes without a name in every language: {', '.join(incomplete)}")
    fixed = corrected(names)
    fallback = {**cldr_rows(set(names)), **UN_USAGE}
    rows = []
    for code in sorted(names.keys() | fallback.keys()):
        source = (
            "UN-usage"
            if code in UN_USAGE
            else "CLDR"
            if code in fallback
            else "M49-corrected"
            if code in fixed
            else "M49"
        )
        by = fallback.get(code) or names[code]
        rows.append([code, *(by[lang] for lang in LANGUAGES), source])
    with OUTPUT.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["code", *LANGUAGES, "source"])
        writer.writerows(rows)
    cldr = len(fallback) - len(UN_USAGE)
    print(f"{len(rows)} codes ({cldr} from CLDR {babel.__version__}) -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
