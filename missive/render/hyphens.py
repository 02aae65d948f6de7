"""Soft hyphens for justified paragraphs in English, French, Russian and Spanish.

Without hyphenation, justified Russian and French (long words, narrow columns) open wide
gaps between words. Pyphen (LibreOffice's hyphenation patterns, pure Python) marks where a
word may be split with U+00AD SOFT HYPHEN; the line breaker may break there and then draws
a hyphen. Arabic and Chinese are never hyphenated. If pyphen is not installed, text is
left as it is (lines are still justified, only less evenly).
"""

from __future__ import annotations

import importlib
import re
from functools import cache, lru_cache, partial
from typing import Any

from missive.model import Language
from missive.storage import startcache

SOFT_HYPHEN = "\u00ad"
_PATTERNS = {Language.EN: "en_GB", Language.FR: "fr", Language.RU: "ru_RU", Language.ES: "es"}
_WORD = re.compile(r"\b[^\W\d_]{6,}\b")  # letters only: never names with digits, URLs or codes


@cache
def _dictionary(language: Language) -> Any | None:
    name = _PATTERNS.get(language)
    if name is None:
        return None
    try:
        # An optional dependency, so imported by name (typed Any whether installed or not).
        pyphen = importlib.import_module("pyphen")
    except ImportError:
        return None
    path = pyphen.LANGUAGES[pyphen.language_fallback(name)]
    if path not in pyphen.hdcache:  # pyphen's own per-process table of parsed dictionaries
        version = f"pyphen {pyphen.__version__}"
        build = partial(pyphen.HyphDict, path)
        pyphen.hdcache[path] = startcache.kept("hyphens", path.read_bytes(), version, build)
    return pyphen.Pyphen(lang=name, left=2, right=3)


def pyphen_version() -> str:
    """The version of pyphen, or "none" if it is not installed."""
    try:
        pyphen = importlib.import_module("pyphen")
    except ImportError:
        return "none"
    return str(pyphen.__version__)


@lru_cache(maxsize=16384)
def _word(word: str, language: Language) -> str:
    dictionary = _dictionary(language)
    return str(dictionary.inserted(word, hyphen=SOFT_HYPHEN)) if dictionary else word


def hyphenate(text: str, language: Language) -> str:
    """`text` with soft hyphens where its words of six letters or more may be split."""
    if _dictionary(language) is None:
        return text
    return _WORD.sub(lambda match: _word(match.group(0), language), text)
