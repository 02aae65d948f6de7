"""Paragraphs drawn once and replayed: the PDF text object of a paragraph, kept by content.

Most paragraphs of a letter (body, subject, closing, signatories) are the same for every
recipient of a language. What ReportLab writes for them is a pure function of the laid-out
lines and of two things the document decides: each character's code in its font subset and
each font's internal name (`/F3+0`). `missive.render.pdf` assigns the codes up front, common
text first, so a paragraph that draws the same characters gets the same codes in every
letter of its language, and the fonts are named in order of first use, which the letter's
layout fixes. The text object is kept under the paragraph's content *and* those codes and
names, so a replay is byte for byte what drawing it again would write; anything else
(a character without a code yet, a font not named yet) is simply drawn.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from reportlab.pdfbase import pdfmetrics

DRAWN_LIMIT = 2048  # text objects (a few KB each); bounded so memory stays flat
Links = tuple[tuple[str, float, float, float], ...]  # href, x, baseline, width
V = TypeVar("V")
# Per font, the code points of the characters drawn with it, each once, sorted.
Characters = tuple[tuple[str, tuple[int, ...]], ...]


class Content:
    """A cache key that hashes its (deep, immutable) value once.

    A paragraph's content is a tuple of its pieces, style and layout: hashing it again for
    every lookup of every letter cost more than the lookups saved.
    """

    __slots__ = ("_hash", "value")

    def __init__(self, value: Hashable) -> None:
        self.value = value
        self._hash = hash(value)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return (
            isinstance(other, Content) and self._hash == other._hash and self.value == other.value
        )


class DrawnCache(Generic[V]):
    """Bounded LRU: (content, codes) -> what drawing it writes."""

    def __init__(self, limit: int = DRAWN_LIMIT) -> None:
        self.limit = limit
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: Hashable, value: V) -> None:
        self._entries[key] = value
        if len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
        self.hits = self.misses = 0


DRAWN: DrawnCache[tuple[str, Links]] = DrawnCache()
# What a paragraph's `drawOn` appended to the page (save, move, draw, restore), by the
# paragraph's text object key and the point it was placed at.
PLACED: DrawnCache[tuple[str, ...]] = DrawnCache()


def font_state(
    doc: Any, characters: Iterable[tuple[str, tuple[int, ...]]], *, unnamed: bool = False
) -> Hashable | None:
    """Per font, its internal name and the codes of `characters` in `doc`; None when a
    character has no code yet or, unless `unnamed`, a font no name yet (drawing would
    assign them; with `unnamed` a font not named yet counts as named None).

    `characters` are code points as `TTFont.splitString` reads them (a no-break space as
    the space); a code point the font has no glyph for is drawn as code 0.
    """
    state: list[Hashable] = []
    for font_name, points in characters:
        font = pdfmetrics.getFont(font_name)
        states = getattr(font, "state", None)  # only TrueType fonts have per-document codes
        font_doc_state = states.get(doc) if states is not None else None
        if font_doc_state is None or (font_doc_state.internalName is None and not unnamed):
            return None
        codes = tuple(map(font_doc_state.assignments.get, points))
        if None in codes:
            glyphs = font.face.charToGlyph
            if any(c is None and p in glyphs for c, p in zip(codes, points, strict=True)):
                return None
            codes = tuple(0 if c is None else c for c in codes)
        state.append((font_doc_state.internalName, codes))
    return tuple(state)


def per_font(found: Mapping[str, Iterable[str]]) -> Characters:
    """`Characters` from characters gathered per font name."""
    return tuple((font, code_points("".join(sorted(c)))) for font, c in sorted(found.items()))


def code_points(text: str) -> tuple[int, ...]:
    """The code points `TTFont.splitString` looks up for `text`."""
    return tuple(32 if char == "\u00a0" else ord(char) for char in text)


def replay_or_draw(canvas: Any, key: Hashable | None, draw: Callable[[], None]) -> None:
    """Append to the page what drawing wrote the last time under `key`, or draw and keep
    what it writes (None: drawing does more than write page code, or depends on more)."""
    found = PLACED.get(key) if key is not None else None
    if found is not None:
        canvas._code.extend(found)
        return
    start = len(canvas._code)
    draw()
    if key is not None:
        PLACED.put(key, tuple(canvas._code[start:]))
