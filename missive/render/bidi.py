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


_LTR_TYPES = frozenset({"L", "EN"})
_OPENERS = "([{"
_CLOSERS = ")]}"
_TRAILING = ".,;:!?،؛"
_MAX_JOINED_WORDS = 4  # a longer left-to-right run is a sentence, which may wrap


def _is_ltr_word(word: str) -> bool:
    kinds = {algorithm.bidirectional(char) for char in word}
    return bool(kinds & _LTR_TYPES) and not kinds & _RTL_TYPES


def _trim_run(run: str) -> tuple[str, str, str]:
    """Split sentence punctuation and unmatched brackets off both ends of a run."""
    head = ""
    while run and run[0] in _OPENERS and _CLOSERS[_OPENERS.index(run[0])] not in run:
        head, run = head + run[0], run[1:]
    tail = ""
    while run and (
        run[-1] in _TRAILING
        or (run[-1] in _CLOSERS and _OPENERS[_CLOSERS.index(run[-1])] not in run)
    ):
        run, tail = run[:-1], run[-1] + tail
    return head, run, tail


def isolate_ltr(text: str) -> str:
    """Wrap each left-to-right run of right-to-left text in LRI..PDI.

    Without this, "+41 22 730 6240" in an Arabic sentence is shown as "6240 730 22 41+":
    numbers separated by spaces take the paragraph's direction (UAX #9 rule N1). Short runs
    (names, phone numbers) are also joined by no-break spaces so a line never splits them.
    """
    words = text.split(" ")
    out: list[str] = []
    index = 0
    while index < len(words):
        end = index
        while end < len(words) and words[end] and _is_ltr_word(words[end]):
            end += 1
        if end == index:
            out.append(words[index])
            index += 1
            continue
        joiner = "\u00a0" if end - index <= _MAX_JOINED_WORDS else " "
        head, run, tail = _trim_run(joiner.join(words[index:end]))
        out.append(f"{head}\u2066{run}\u2069{tail}" if run else head + tail)
        index = end
    return " ".join(out)
