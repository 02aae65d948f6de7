"""Visual order of one line of mixed right-to-left and left-to-right text.

Why our own step instead of ReportLab's: ReportLab's RTL path needs `rlbidi` (not on PyPI)
and its HarfBuzz path reverses sentences (see issue 3). We break lines ourselves in logical
order and only then reorder each line, which is what the Unicode Bidirectional Algorithm
(UAX #9) defines: levels are resolved on the paragraph, reordering (rule L2) is per line.

We need to know, for every character, which styled piece it came from (bold, link, font), so
we run the reference implementation shipped with python-bidi (`bidi.algorithm`, pure Python)
step by step and carry a piece index along with each character. That implementation predates
isolates (U+2066..U+2069), so they are mapped to the equivalent embeddings (LRE/RLE/PDF): for
the short runs we isolate (numbers, e-mails, Latin names) the visual result is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bidi import algorithm

_ISOLATE_TO_EMBEDDING = {
    "\u2066": "\u202a",  # LRI -> LRE
    "\u2067": "\u202b",  # RLI -> RLE
    "\u2068": "\u202a",  # FSI -> LRE: we only isolate left-to-right runs
    "\u2069": "\u202c",  # PDI -> PDF
}
_RTL_TYPES = frozenset({"R", "AL", "AN", "RLE", "RLO"})


def needs_bidi(text: str) -> bool:
    """True if `text` holds any right-to-left character (fast path for LTR lines)."""
    return any(algorithm.bidirectional(char) in _RTL_TYPES for char in text if char > "\u058f")


def visual_runs(
    chars: Sequence[tuple[str, int]], *, rtl: bool
) -> list[tuple[str, int, str | None]]:
    """Reorder one line of (character, tag) in logical order into visual runs.

    Each run is (visual text, tag, actual): consecutive characters with the same tag that end
    up adjacent are merged. A bracket in a right-to-left run is drawn mirrored (rule L4) as a
    run of its own whose `actual` is the logical character, so the renderer can tag it with
    /ActualText and text extraction still reads "(" where the reader sees ")" drawn.
    """
    storage: dict[str, Any] = algorithm.get_empty_storage()
    storage["base_level"] = 1 if rtl else 0
    storage["base_dir"] = "R" if rtl else "L"
    level = storage["base_level"]
    for logical, tag in chars:
        char = _ISOLATE_TO_EMBEDDING.get(logical, logical)
        kind = algorithm.bidirectional(char)
        storage["chars"].append(
            {"ch": char, "level": level, "type": kind, "orig": kind, "tag": tag}
        )
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    algorithm.reorder_resolved_levels(storage, False)
    runs: list[tuple[str, int, str | None]] = []
    for item in storage["chars"]:
        char, tag = item["ch"], item["tag"]
        if item["level"] % 2 and char in algorithm.MIRRORED:
            runs.append((algorithm.MIRRORED[char], tag, char))
        elif runs and runs[-1][1] == tag and runs[-1][2] is None:
            runs[-1] = (runs[-1][0] + char, tag, None)
        else:
            runs.append((char, tag, None))
    return runs
