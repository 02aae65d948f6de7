"""Text direction in the cover e-mail: which runs to isolate, where a direction mark is due.

Decided by the Unicode bidirectional classes of the characters (`unicodedata.bidirectional`),
not by patterns for particular formats, so an address, a URL, a reference with slashes, a
phone number and a Latin name inside Arabic are all found by one rule, as is an Arabic name
inside a left-to-right letter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

_STRONG_RTL = frozenset({"R", "AL"})
# A sign written against a number belongs to it: "+41", "#12", "50%".
_NUMBER_SIGNS = frozenset({"ES", "ET"})
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
# What joins the digit groups of one number: spaces, signs, separators (not dashes).
_DIGIT_GROUPING = frozenset({"EN", "ES", "ET", "CS", "WS"})

_MEMBERS = re.compile("1+")
# U+200F RIGHT-TO-LEFT MARK: an invisible strong right-to-left character.
RLM = "\u200f"


@dataclass(frozen=True)
class Isolate:
    """text[start:end] runs against the paragraph and is laid out apart, in `direction`."""

    start: int
    end: int
    direction: Literal["ltr", "rtl"]  # the value of the <bdi> dir attribute


def _belongs_to_rtl(character: str) -> bool:
    """Part of right-to-left text: a strong RTL letter, an Arabic digit, or Arabic
    punctuation such as the Arabic comma, which is neutral (CS) for the algorithm but is
    never part of a left-to-right run."""
    kind = unicodedata.bidirectional(character)
    return kind in ("R", "AL", "AN") or unicodedata.name(character, "").startswith("ARABIC")


def _not_ltr(character: str) -> bool:
    return unicodedata.bidirectional(character) != "L"


def _not_rtl(character: str) -> bool:
    return not _belongs_to_rtl(character)


def _segments(text: str, member: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Maximal ranges of `text` whose characters are all `member`, cut at line breaks."""
    # Each distinct character is classified once; the ranges are then found by the regex
    # engine rather than character by character.
    marks = text.translate({ord(c): "0" if c == "\n" or not member(c) else "1" for c in set(text)})
    return [match.span() for match in _MEMBERS.finditer(marks)]


def _balanced(text: str, start: int, end: int, limit: tuple[int, int]) -> tuple[int, int]:
    """Widen [start, end) within `limit` so that it holds both halves of its brackets."""
    depth = 0
    for character in text[start:end]:
        if character in _BRACKETS:
            depth += 1
        elif character in _BRACKETS.values():
            depth -= 1
    while depth > 0 and end < limit[1] and text[end] in _BRACKETS.values():
        end, depth = end + 1, depth - 1
    while depth < 0 and start > limit[0] and text[start - 1] in _BRACKETS:
        start, depth = start - 1, depth + 1
    return start, end


def _ltr_runs(text: str, segment: tuple[int, int]) -> list[Isolate]:
    """The left-to-right runs inside a stretch of an RTL paragraph that holds no Arabic.

    With a Latin letter, the whole stretch from its first letter or digit to its last is
    one run: an address, a URL, a name, a reference. Without one, only digits grouped by
    spaces, signs or separators make a run ("+41 22 730 6240", "2024/0001"): a dash or a
    bracket between numbers is the sentence's own punctuation and follows it ("27–31" is a
    range read right to left), and a bare number already reads left to right.
    """
    low, high = segment
    if any(unicodedata.bidirectional(c) == "L" for c in text[low:high]):
        found = _run(text, segment, ("L", "EN"))
        return [found] if found else []
    runs: list[Isolate] = []
    start = low
    for index in range(low, high + 1):
        if index == high or unicodedata.bidirectional(text[index]) not in _DIGIT_GROUPING:
            found = _run(text, (start, index), ("EN",))
            if found and not text[found.start : found.end].isdigit():
                runs.append(found)
            start = index + 1
    return runs


def _run(text: str, segment: tuple[int, int], anchors: tuple[str, ...]) -> Isolate | None:
    """From the first to the last anchor of `segment`, with the signs written against them."""
    low, high = segment
    found = [i for i in range(low, high) if unicodedata.bidirectional(text[i]) in anchors]
    if not found:
        return None
    start, end = found[0], found[-1] + 1
    # A sign glued to the Arabic word before it ("المعلومات+20") joins the word to the
    # number and stays in the Arabic flow; after a space ("+41 22") it belongs to the number.
    while start > low and unicodedata.bidirectional(text[start - 1]) in _NUMBER_SIGNS:
        if start - 1 > 0 and _belongs_to_rtl(text[start - 2]):
            break
        start -= 1
    while end < high and unicodedata.bidirectional(text[end]) in _NUMBER_SIGNS:
        end += 1
    start, end = _balanced(text, start, end, segment)
    return Isolate(start, end, "ltr")


def _rtl_run(text: str, segment: tuple[int, int]) -> Isolate | None:
    """The right-to-left run (a name in Arabic script, say) inside an LTR paragraph."""
    low, high = segment
    anchors = [i for i in range(low, high) if unicodedata.bidirectional(text[i]) in _STRONG_RTL]
    if not anchors:
        return None
    start, end = anchors[0], anchors[-1] + 1
    while end < high and unicodedata.bidirectional(text[end]) in ("NSM", "AN"):
        end += 1
    return Isolate(*_balanced(text, start, end, segment), "rtl")


def isolates(text: str, *, rtl: bool) -> tuple[Isolate, ...]:
    """The runs of `text` that go against a paragraph written in the given direction."""
    if rtl:
        return tuple(run for seg in _segments(text, _not_rtl) for run in _ltr_runs(text, seg))
    # Each run against a left-to-right paragraph holds a strong RTL letter; most paragraphs
    # hold none, which their distinct characters tell at once.
    if not any(unicodedata.bidirectional(c) in _STRONG_RTL for c in set(text)):
        return ()
    found = (_rtl_run(text, segment) for segment in _segments(text, _not_ltr))
    return tuple(run for run in found if run is not None)


def mark_rtl_line(line: str) -> str:
    """`line` of an Arabic text, made to lay out right to left wherever it is shown.

    Plain-text mail clients, subject lines and file lists take a line's direction from its
    first strong character (Unicode rule P2). An Arabic line that opens with a neutral ("- ",
    "(") or a Latin run ("UN-Habitat ...") would be laid out left to right, its final point on
    the wrong side; a leading RLM makes the first strong character right to left. Lines that
    already start with an Arabic letter are left untouched.
    """
    if not line.strip() or unicodedata.bidirectional(line[0]) in _STRONG_RTL:
        return line
    return RLM + line


def mark_rtl_text(text: str) -> str:
    """`mark_rtl_line` on every line of `text`."""
    return "\n".join(mark_rtl_line(line) for line in text.split("\n"))
