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
from functools import partial
from typing import Any

from missive.model import Language
from missive.render.breakrules import NO_BREAK_SPACE, no_hyphenation
from missive.storage import reuse, startcache

SOFT_HYPHEN = "\u00ad"
_PATTERNS = {Language.EN: "en_GB", Language.FR: "fr", Language.RU: "ru_RU", Language.ES: "es"}
_WORD = re.compile(r"\b[^\W\d_]{5,}\b")  # letters only: never names with digits, URLs or codes
# A one-letter word joined to the next by a no-break space (an initial, "в" in a text that
# joins it): the word after it may still be hyphenated, unlike a date's or a title's.
_JOINED_LETTER = re.compile(r"(?:^|\W)\w\u00a0$")


@reuse.once
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


@reuse.memo(maxsize=16384)
def _word(word: str, language: Language) -> str:
    dictionary = _dictionary(language)
    return str(dictionary.inserted(word, hyphen=SOFT_HYPHEN)) if dictionary else word


def hyphenate(text: str, language: Language) -> str:
    """`text` with soft hyphens where its words of five letters or more may be split:
    never in an acronym, a word in capitals, a URL or an e-mail address, nor in a group
    kept on one line; two letters at least before a hyphen and three after."""
    if _dictionary(language) is None:
        return text
    kept = no_hyphenation(text)

    def split(match: re.Match[str]) -> str:
        start, end = match.span()
        if any(a < end and start < b for a, b in kept) or _in_group(text, start, end):
            return match.group(0)
        return _word(match.group(0), language)

    return _WORD.sub(split, text)


def _in_group(text: str, start: int, end: int) -> bool:
    """Whether the word at start:end belongs to a group kept on one line (`breakrules`):
    a hyphen would break the group."""
    if text[end : end + 1] == NO_BREAK_SPACE:
        return True
    return text[start - 1 : start] == NO_BREAK_SPACE and not _JOINED_LETTER.search(
        text[max(0, start - 3) : start]
    )
