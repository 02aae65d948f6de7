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

from missive.render import reportlab_seam as seam
from missive.storage import reuse

DRAWN_LIMIT = 2048  # text objects (a few KB each); bounded so memory stays flat
# href, x, baseline, width, the piece of the paragraph it is (its Link element)
Links = tuple[tuple[str, float, float, float, int], ...]
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
    """Bounded LRU: (content, codes) -> what drawing it writes; registered as `name`."""

    def __init__(self, name: str, limit: int = DRAWN_LIMIT) -> None:
        self.limit = limit
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = 0
        self.misses = 0
        reuse.register(name, self.clear, lambda: len(self._entries))

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


DRAWN: DrawnCache[tuple[str, Links]] = DrawnCache(f"{__name__}.DRAWN")
# What a paragraph's `drawOn` appended to the page (save, move, draw, restore), by the
# paragraph's text object key and the point it was placed at.
PLACED: DrawnCache[tuple[str, ...]] = DrawnCache(f"{__name__}.PLACED")


def per_font(found: Mapping[str, Iterable[str]]) -> Characters:
    """`Characters` from characters gathered per font name."""
    return tuple((font, code_points("".join(sorted(c)))) for font, c in sorted(found.items()))


def code_points(text: str) -> tuple[int, ...]:
    """The code points `TTFont.splitString` looks up for `text`."""
    return tuple(map(ord, text.replace("\u00a0", " ")))


def replay_or_draw(canvas: Any, key: Hashable | None, draw: Callable[[], None]) -> None:
    """Append to the page what drawing wrote the last time under `key`, or draw and keep
    what it writes (None: drawing does more than write page code, or depends on more).
    Without `reuse.REUSE`, draws."""
    if not reuse.REUSE:
        draw()
        return
    found = PLACED.get(key) if key is not None else None
    code = seam.page_code(canvas)
    if found is not None:
        code.extend(found)
        return
    start = len(code)
    draw()
    if key is not None:
        PLACED.put(key, tuple(seam.page_code(canvas)[start:]))
