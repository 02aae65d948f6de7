"""Cover notes composed from parts kept per language are the cover notes composed afresh:
paragraphs parsed once, HTML of shared paragraphs written once, isolates found by distinct
characters."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from missive.compose import direction
from missive.compose.direction import isolates
from missive.compose.markup import ParagraphCache, parse_blocks
from missive.errors import InputError

PIECES = (
    "Dear Sir,",
    "Please find **attached** the *invitation* (reference: ITU\\/2025\\/0001).",
    "See [the site](https://example.org/a) or write to a@example.org.",
    "- one\n- two",
    "1. first",
    "  indented paragraph",
    "    four spaces",
    "\tа tab",
    "line one\nline two",
    "line one  \nhard break",
    "a\n- list interrupts",
    "- item\n\n  continued item",
    "> not a quote",
    "# not a heading",
    "***",
    "text\r\nwith CRLF",
    "nul\x00inside",
    "حسن السيد (ITU)",
    "**bold across\n\nparagraphs**",
    "",
    " ",
)
SEPARATORS = ("\n\n", "\n\n\n", "\n  \n", "\n \t\n\n", "\n")


def parsed(text: str) -> object:
    try:
        return parse_blocks(text, Path("cover.md"))
    except InputError as error:
        return error.problems


def texts() -> list[str]:
    found = [a + sep + b for a, b in itertools.permutations(PIECES, 2) for sep in SEPARATORS]
    rng = random.Random(12)
    for _ in range(400):
        pieces = rng.choices(PIECES, k=rng.randint(1, 5))
        separators = rng.choices(SEPARATORS, k=len(pieces))
        head = rng.choice(("", "\n", "\n\n", "  \n"))
        tail = rng.choice(("", "\n", "\n\n", "\n  "))
        found.append(head + "".join(p + s for p, s in zip(pieces, separators, strict=True)) + tail)
    return found


def test_reused_paragraphs_are_the_paragraphs_parsed_whole() -> None:
    cache = ParagraphCache(limit=50)  # small: the cache is also emptied on the way
    reused = 0
    for text in texts():
        paragraphs = cache.paragraphs(text)
        if paragraphs is not None:
            reused += 1
            assert paragraphs == parsed(text), repr(text)
    assert reused > 200  # most texts of paragraphs only are taken apart


@pytest.mark.parametrize(
    "text",
    ["- one\n\n- two", "a\n\n1. first", "a\r\n\r\nb", "", "\n\n", "a\n\n- b\n\n  c"],
)
def test_lists_and_rewritten_line_ends_are_parsed_whole(text: str) -> None:
    assert ParagraphCache().paragraphs(text) is None


def test_a_left_to_right_paragraph_without_rtl_letters_has_no_isolates() -> None:
    assert isolates("Ref. ITU/2025/0001, +41 22 730 6240 (ça va)", rtl=False) == ()
    assert isolates("From حسن السيد, today", rtl=False) != ()


def segments_one_by_one(text: str, member: Callable[[str], bool]) -> list[tuple[int, int]]:
    """The ranges `_segments` finds, found character by character."""
    found: list[tuple[int, int]] = []
    start: int | None = None
    for index, character in enumerate(text):
        inside = character != "\n" and member(character)
        if inside and start is None:
            start = index
        elif not inside and start is not None:
            found.append((start, index))
            start = None
    if start is not None:
        found.append((start, len(text)))
    return found


def test_segments_are_found_as_one_by_one() -> None:
    alphabet = [*"ab AZ09+-/()[]#%.,\n:،؛٣٤10", "ب", "ح", "\u05d0", "\u200f", "\u064b", "中", "é"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 40)))
        for member in (direction._not_ltr, direction._not_rtl):
            assert direction._segments(text, member) == segments_one_by_one(text, member)
