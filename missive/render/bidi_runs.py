"""Bidi levels and runs for shaping: UAX #9 on the paragraph, runs reordered per line.

HarfBuzz shapes a run of one direction in logical order, so the Unicode Bidirectional
Algorithm is applied to *runs* before shaping, not to characters after it: levels are
resolved on the logical text (rules X1 to I2, python-bidi's reference implementation,
isolates mapped to embeddings), the text is cut where the level or the style
changes, each run is shaped in its own direction, and the runs of a line are put in
visual order by rule L2. Mirrored brackets are HarfBuzz's (rule L4, its `rtlm`).

Latin inside right-to-left text (an e-mail address, a URL, a name in Latin letters) is set
in the Latin face: `latin_stretches` finds the characters that belong to a Latin word,
the punctuation inside it included, so that the full stops of `wsis-info@itu.int` are
Noto Sans' dots and not Amiri's lozenge-like full stop.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from bidi import algorithm

_ISOLATE_TO_EMBEDDING = {
    "\u2066": "\u202a",  # LRI -> LRE
    "\u2067": "\u202b",  # RLI -> RLE
    "\u2068": "\u202a",  # FSI -> LRE: only left-to-right runs are isolated
    "\u2069": "\u202c",  # PDI -> PDF
}
T = TypeVar("T")
_WORD_JOINERS = frozenset(".@-_/:~%+=?&#'’")


def levels(text: str, *, rtl: bool) -> list[int]:
    """The embedding level of every character of `text` (a paragraph or a line)."""
    storage: dict[str, Any] = algorithm.get_empty_storage()
    base = 1 if rtl else 0
    storage["base_level"] = base
    storage["base_dir"] = "R" if rtl else "L"
    for index, logical in enumerate(text):
        char = _ISOLATE_TO_EMBEDDING.get(logical, logical)
        kind = algorithm.bidirectional(char)
        storage["chars"].append(
            {"ch": char, "level": base, "type": kind, "orig": kind, "index": index}
        )
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    found: list[int | None] = [None] * len(text)
    for item in storage["chars"]:
        found[item["index"]] = item["level"]
    result: list[int] = []
    previous = base
    for level in found:  # embedding controls removed by rule X9 take their neighbour's
        previous = previous if level is None else level
        result.append(previous)
    return trailing_whitespace(text, result, base)


def trailing_whitespace(text: str, found: list[int], base: int) -> list[int]:
    """Rule L1: whitespace and isolates at the end of the text take the paragraph level."""
    index = len(text)
    while index and (text[index - 1].isspace() or text[index - 1] in _ISOLATE_TO_EMBEDDING):
        index -= 1
        found[index] = base
    return found


def visual_order(run_levels: Sequence[int]) -> list[int]:
    """Rule L2 over runs: the indices of the runs of a line, left to right."""
    order = list(range(len(run_levels)))
    if not order:
        return order
    highest = max(run_levels)
    odd = [level for level in run_levels if level % 2]
    lowest_odd = min(odd) if odd else highest + 1
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if run_levels[order[index]] < level:
                index += 1
                continue
            end = index
            while end < len(order) and run_levels[order[end]] >= level:
                end += 1
            order[index:end] = reversed(order[index:end])
            index = end
    return order


def is_latin_letter(char: str) -> bool:
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


def latin_stretches(text: str) -> list[bool]:
    """Whether each character belongs to a Latin word: its letters, and the digits and
    word punctuation (`.@-_/:`…) between or around them without a space."""
    latin = [is_latin_letter(char) for char in text]
    inside = [char.isdigit() or char in _WORD_JOINERS for char in text]
    start = 0
    while start < len(text):
        end = start
        while end < len(text) and (latin[end] or inside[end]):
            end += 1
        if any(latin[start:end]):
            for index in range(start, end):
                latin[index] = True
        start = end + 1
    return latin


def runs(
    text: str, char_levels: Sequence[int], faces: Sequence[T]
) -> list[tuple[int, int, int, T]]:
    """(start, end, level, face) of each run of one line, in visual order: the line cut
    where the level or the face (or any other tag of each character) changes."""
    found: list[tuple[int, int, int, T]] = []
    start = 0
    for index in range(1, len(text) + 1):
        if (
            index < len(text)
            and char_levels[index] == char_levels[start]
            and faces[index] == faces[start]
        ):
            continue
        found.append((start, index, char_levels[start], faces[start]))
        start = index
    order = visual_order([level for _, _, level, _ in found])
    return [found[index] for index in order]
