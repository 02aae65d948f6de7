"""Which runs of right-to-left text stay left to right, before bidi levels are resolved.

Levels, runs and their visual order are `missive.render.bidi_runs` (UAX #9 on the
paragraph, rule L2 per line, runs shaped by HarfBuzz). This module prepares the text:
`isolate_ltr` wraps numbers, e-mail addresses and Latin names of Arabic text in isolates
(LRI…PDI), and `needs_bidi` tells a left-to-right line with no right-to-left character
(which needs no levels) from one that has some.
"""

from __future__ import annotations

from bidi import algorithm

_RTL_TYPES = frozenset({"R", "AL", "AN", "RLE", "RLO"})


def needs_bidi(text: str) -> bool:
    """True if `text` holds any right-to-left character (fast path for LTR lines)."""
    return any(algorithm.bidirectional(char) in _RTL_TYPES for char in text if char > "\u058f")


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
