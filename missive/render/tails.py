"""The end of a letter replayed: what its common paragraphs and signatures wrote last time.

After the salutation, a letter of a language is the same for every recipient: body,
closing, signatures. Where it starts on the page depends on the addressee block, which
takes one of a few heights, so the same ending is laid out again and again from the same
point. Platypus' layout is a pure function of what it is given: the flowables, where the
frame stands, the page of the letter, and the document's font state (each character's
code, each font's internal name). When all of these are what they were for an earlier
letter, the ending writes exactly what it wrote then, so what it wrote is kept and replayed:
the page code of each page, the link annotations, and the page breaks in between (taken
again through platypus, so page labels and page counts stay its own).

Recorded per document by `_LetterDoc` (missive.render.pdf). Fonts the ending is the first
to use are named again in the same order; an ending with anything that writes more than
page code and annotations (an image, a signature scan) is never marked, and a story of
several letters (a proof) is laid out as it comes. `tests/test_render_reuse.py` renders
endings of one to four pages, with links and page breaks, from scratch and replayed, and
compares the bytes.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.platypus import Flowable, Spacer

from missive.render import reportlab_seam as seam
from missive.render.drawn import Characters, DrawnCache
from missive.render.grid import Grid
from missive.render.richtext import RichText, characters_of
from missive.render.structure import Event, StructureTree

TAILS_LIMIT = 64  # endings of a few KB of page code each
Annotation = tuple[Any, str | None, int]  # the PDF dictionary, its name, added to the page


class TailMark(Flowable):
    """Zero-size marker before a letter's common ending; `_LetterDoc` acts on it before
    platypus sees it, so it changes nothing of the layout."""

    def __init__(self, tail: Sequence[Flowable]) -> None:
        super().__init__()
        self.tail = tuple(tail)
        self.width = self.height = 0
        self.characters = _characters(self.tail)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0


@dataclass
class Segment:
    """What the ending wrote on one page: page code, then annotations, and what it asked
    of the structure tree (its marked content, its links)."""

    code: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    events: tuple[Event, ...] = ()


@dataclass
class Ending:
    tail: tuple[Flowable, ...]  # held, so that the identities in the key stay theirs
    named: tuple[str, ...]  # fonts first used by the ending, in order
    segments: list[Segment]  # one per page; a page break between two


class Endings(DrawnCache[Ending]):
    """Bounded LRU of recorded endings, each found only for the very flowables it was
    recorded with."""

    def find(self, key: Hashable, tail: tuple[Flowable, ...]) -> Ending | None:
        found = self.get(key)
        if found is None:
            return None
        same = len(found.tail) == len(tail)
        if same and all(a is b for a, b in zip(found.tail, tail, strict=True)):
            return found
        self.hits, self.misses = self.hits - 1, self.misses + 1  # other flowables, same ids
        return None


ENDINGS = Endings(f"{__name__}.ENDINGS", TAILS_LIMIT)


def mark_tail(story: list[Flowable]) -> None:
    """Put a `TailMark` before the common ending of a one-letter story, if it has one."""
    personal = [i for i, f in enumerate(story) if getattr(f, "personal", False)]
    if not personal:
        return
    start = personal[-1] + 1
    while start < len(story) and getattr(story[start - 1], "keepWithNext", False):
        start += 1  # a group kept together is laid out whole
    tail = story[start:]
    if tail and all(_replayable(f) for f in tail):
        story.insert(start, TailMark(tail))


def _replayable(flowable: Flowable) -> bool:
    if isinstance(flowable, RichText):
        return not flowable.personal
    if isinstance(flowable, Grid):
        return all(isinstance(f, RichText) and not f.personal for f in flowable.flowables())
    return type(flowable) is Spacer


def _characters(tail: tuple[Flowable, ...]) -> Characters:
    texts = [f for f in tail if isinstance(f, RichText)]
    texts += [
        c for f in tail if isinstance(f, Grid) for c in f.flowables() if isinstance(c, RichText)
    ]
    return characters_of(texts)


def ending_key(doc: Any, mark: TailMark) -> Hashable | None:
    """Everything the ending's layout and code depend on, or None if it cannot be told."""
    fonts = seam.font_state(seam.document(doc.canv), mark.characters, unnamed=True)
    if fonts is None:
        return None
    shape = tuple(id(f) if type(f) is not Spacer else (f.width, f.height) for f in mark.tail)
    return (shape, seam.ending_position(doc), fonts)


class Recording:
    """Keeps what an ending writes while platypus lays it out for the first time."""

    def __init__(self, key: Hashable, tail: tuple[Flowable, ...], doc: Any) -> None:
        self.key, self.tail, self.doc = key, tail, doc
        canvas = doc.canv
        self.segments = [Segment()]
        self.start = len(seam.page_code(canvas))
        self.fonts_before = set(seam.named_fonts(canvas))
        canvas.on_annotation = self._annotation
        self.tree: StructureTree | None = doc.structure
        if self.tree is not None:
            self.tree.start_log()

    def _annotation(self, annotation: Any, name: str | None, addtopage: int) -> None:
        # A document marks the objects it registers: kept as it was before.
        self.segments[-1].annotations.append((copy.deepcopy(annotation), name, addtopage))

    def cut(self) -> None:
        """A page ends (its label is not drawn yet): what the ending wrote on it."""
        self.segments[-1].code = list(seam.page_code(self.doc.canv)[self.start :])
        self.segments[-1].events = self.tree.take_log() if self.tree is not None else ()
        self.segments.append(Segment())
        self.start = 0

    def finish(self) -> None:
        """The story is over (the last page's label is not drawn yet): keep the ending."""
        canvas = self.doc.canv
        self.segments[-1].code = list(seam.page_code(canvas)[self.start :])
        if self.tree is not None:
            self.segments[-1].events = self.tree.take_log()
            self.tree.stop_log()
        canvas.on_annotation = None
        named = tuple(n for n in seam.named_fonts(canvas) if n not in self.fonts_before)
        ENDINGS.put(self.key, Ending(self.tail, named, self.segments))


def replay(doc: Any, ending: Ending) -> None:
    """Write a recorded ending into `doc`, page breaks taken through platypus."""
    canvas = doc.canv
    seam.name_fonts(canvas, ending.named)  # in the order the ending first used them
    for index, segment in enumerate(ending.segments):
        if index:
            canvas = seam.next_page(doc)
        seam.page_code(canvas).extend(segment.code)
        names = [
            # A new object for the document to register; what it holds is only read.
            canvas.add_annotation(copy.copy(annotation), name, addtopage)
            for annotation, name, addtopage in segment.annotations
        ]
        if doc.structure is not None:  # the ending tags itself as it did when recorded
            doc.structure.apply(segment.events, names)
