"""render: a ComposedLetter -> the bytes of its PDF, deterministic, fonts embedded.

A `Renderer` is built once per process (fonts are registered on first use and stay
registered); `render` is then a pure function of the composed letter and the letter date:
same inputs, byte-identical PDF (ReportLab's invariant mode, a creation date taken from the
letter, no random ids), so a hash identifies exactly what a reviewer saw.

Text layout is missive's own (`missive.render.textflow`, `missive.render.richtext`): see there why.
Batches of letters are rendered by `missive.app.render_batch`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Frame, PageBreak, PageTemplate

from missive.errors import RenderError
from missive.model import ComposedLetter, PageSize
from missive.render import fonts, kept_subsets, keptlayout, writing
from missive.render import reportlab_seam as seam
from missive.render.glyph_text import to_unicode_cmap
from missive.render.grid import Grid
from missive.render.keeps import KeepLines
from missive.render.layout import LetterLayout, LetterStyles, shared_paragraphs
from missive.render.marked import Artifact
from missive.render.richtext import RichText
from missive.render.structure import Role, StructureTree, Tag
from missive.render.tagged_pdf import Tagging, document_facts
from missive.render.tails import ENDINGS, Recording, TailMark, ending_key, mark_tail, replay
from missive.render.textflow import Align
from missive.storage import reuse

PAGE_SIZES = {PageSize.A4: A4, PageSize.LETTER: LETTER}
SIDE_MARGIN = 22 * mm
TOP_MARGIN = 20 * mm
BOTTOM_MARGIN = 22 * mm  # leaves room for the page label
FOOTER_TOP = 18 * mm
FRAME_PADDING = 6.0  # platypus' default inside the frame, on each side
PRODUCER = "missive (ReportLab)"


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    sha256: str


class _LetterDoc(seam.LetterDocTemplate):
    """One or more letters; each letter's later pages carry its own page label."""

    def __init__(self, buffer: io.BytesIO, page_size: tuple[float, float], **info: Any) -> None:
        super().__init__(
            buffer,
            pagesize=page_size,
            leftMargin=SIDE_MARGIN,
            rightMargin=SIDE_MARGIN,
            topMargin=TOP_MARGIN,
            bottomMargin=BOTTOM_MARGIN,
            invariant=1,
            initialFontName=fonts.face(fonts.Family.NOTO_SANS).name,
            # Groups kept together split as a letter asks. An argument, not a class
            # attribute: platypus sets each of its defaults on the instance, which would
            # hide a class attribute (KeepLines never ran that way).
            keepTogetherClass=KeepLines,
            **info,
        )
        frame = (seam.ShallowFrame if reuse.REUSE else Frame)(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            showBoundary=0,
            leftPadding=FRAME_PADDING,
            rightPadding=FRAME_PADDING,
        )
        template = PageTemplate(
            id="letter", frames=[frame], onPage=self._stamp, onPageEnd=self._footer
        )
        self.addPageTemplates([template])
        self.created: dt.date | None = None
        self.prime: dict[str, str] = {}  # font -> characters to assign codes to, in order
        self.page_in_letter = 0
        self.recording: Recording | None = None
        self.current: ComposedLetter | None = None
        self.bookmarks: dict[int, tuple[str, str]] = {}  # flowable id -> (key, title)
        self.tagging: Tagging | None = None  # set before the build (`Renderer.render_many`)
        self.several = False  # letters: each a part of its own in the structure tree

    def release(self) -> None:
        """Break the cycles a drawn document holds (see `seam.release`, the tree's), so
        that refcounting frees it at once: the collector's full passes, which scan every
        object the process keeps, then come less often (they took a tenth of a letter)."""
        seam.release(self)
        if self.tagging is not None:
            self.tagging.release()

    @property
    def structure(self) -> StructureTree | None:
        """The structure tree drawing asks for its marked content (`tagging.tree_of`)."""
        return self.tagging.tree if self.tagging is not None else None

    def handle_pageBegin(self) -> None:  # noqa: N802 (platypus API)
        self.page_in_letter += 1
        if self.tagging is not None:
            self.tagging.page_begun()
        super().handle_pageBegin()

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        if flowables and isinstance(mark := flowables[0], TailMark):
            del flowables[0]
            self._at_ending(mark, flowables)
            return
        super().handle_flowable(flowables)

    def _at_ending(self, mark: TailMark, flowables: list[Flowable]) -> None:
        """Replay the letter's common ending if it was laid out from here before; else
        record it as platypus lays it out (see `missive.render.tails`)."""
        key = ending_key(self, mark)
        if key is None:
            return
        found = ENDINGS.find(key, mark.tail)
        if found is None:
            self.recording = Recording(key, mark.tail, self)
            return
        replay(self, found)
        del flowables[:]

    def handle_frameEnd(self, resume: int = 0) -> None:  # noqa: N802 (platypus API)
        if self.recording is not None:
            self.recording.cut()
        super().handle_frameEnd(resume)

    def story_ended(self) -> None:
        if self.recording is not None:
            self.recording.finish()
            self.recording = None

    def build_story(self, story: list[Flowable]) -> None:
        maker = self.make_canvas(
            self.created,
            writing.flate(reuse=reuse.REUSE),
            writing.written(reuse=reuse.REUSE),
            to_unicode=to_unicode_cmap,  # glyphs coded by private keys read as letters
        )

        def tagged(*args: Any, **kwargs: Any) -> Any:
            canvas = maker(*args, **kwargs)
            if self.tagging is not None:
                self.tagging.attach(canvas)
            return canvas

        self.build(story, canvasmaker=tagged)

    def _stamp(self, canvas: Any, doc: Any) -> None:
        if self.page == 1:
            pdf = seam.document(canvas)
            for font, characters in self.prime.items():
                font_object = pdfmetrics.getFont(font)
                writing.prime_codes(font_object, characters, pdf, reuse=reuse.REUSE)

    def _footer(self, canvas: Any, doc: Any) -> None:
        """Page label from a letter's second page on, drawn when the page is complete."""
        composed = self.current
        if composed is None or self.page_in_letter < 2:
            return
        style = LetterStyles.for_language(composed.language).small
        label = composed.page_label.replace("{page}", str(self.page_in_letter))
        footer = RichText.plain(label, replace(style, align=Align.CENTER))
        footer.artifact = Artifact.PAGINATION  # not the letter's content (PDF/UA-1 7.8)
        footer.wrap(self.width, 100)
        footer.drawOn(canvas, self.leftMargin, FOOTER_TOP - style.leading)


class _StartLetter(Flowable):
    """Zero-size marker: the letters that follow belong to `composed` (for page labels)."""

    def __init__(self, composed: ComposedLetter, title: str | None) -> None:
        super().__init__()
        self.composed = composed
        self.title = title
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        doc = seam.doc_template(self.canv)
        doc.current = self.composed
        doc.page_in_letter = 1
        if doc.structure is not None and doc.several:  # a proof: each letter a part
            doc.structure.begin_part(self, Tag(Role.PART, lang=self.composed.lang_tag))
        if self.title:
            key = f"letter{id(self)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(self.title, key, level=0)
            self.canv.showOutline()  # reviewers open the proof with its bookmarks shown


class Renderer:
    """Renders composed letters to PDF; build one per process and reuse it."""

    def __init__(self, page_size: PageSize | None = None) -> None:
        self.page_size = page_size
        fonts.register_all()

    def keep_layouts(self) -> None:
        """Keep the paragraphs and font subsets the letters drawn so far shared, for the
        next run's first letters (`keptlayout`, `kept_subsets`); written only if any is new."""
        if not reuse.REUSE:
            return
        keptlayout.keep(shared_paragraphs())
        kept_subsets.keep()

    def render(self, composed: ComposedLetter, created: dt.date | None = None) -> RenderedPdf:
        return self.render_many([composed], created=created)

    def render_many(
        self,
        letters: Sequence[ComposedLetter],
        *,
        created: dt.date | None = None,
        titles: Sequence[str] | None = None,
        title: str | None = None,
    ) -> RenderedPdf:
        """One PDF: each letter starts on a new page; `titles` adds an outline entry each.

        Metadata come from the first letter; `title` replaces its title (for a proof).
        Raises `CoverageError` for a character no font can draw: never an empty box.
        """
        if not letters:
            raise RenderError("nothing to render")
        for composed in letters:
            uncovered = fonts.find_uncovered(composed)
            if uncovered:
                raise uncovered[0]
        info = _metadata(letters[0])
        if title is not None:
            info["title"] = title
        if len({composed.lang_tag for composed in letters}) > 1:
            info["lang"] = "mul"  # BCP 47: several languages (a proof)
        with reuse.RENDERING:  # one thread at a time: the caches are shared
            return self._draw(letters, info, created, titles)

    def _draw(
        self,
        letters: Sequence[ComposedLetter],
        info: dict[str, str],
        created: dt.date | None,
        titles: Sequence[str] | None,
    ) -> RenderedPdf:
        buffer = io.BytesIO()
        doc = _LetterDoc(buffer, PAGE_SIZES[self.page_size or letters[0].page_size], **info)
        doc.created = created
        doc.tagging = Tagging(document_facts(info, created))
        doc.several = len(letters) > 1
        # The flowables' width is the frame's inside: a grid as wide as the frame itself
        # overhung the text's right edge by the padding, which right-aligned Arabic
        # labels and signatures showed (12 pt past the text, 6 pt past the margin).
        story = _story(letters, doc.width - 2 * FRAME_PADDING, titles)
        doc.prime = _character_order(story)
        try:
            doc.build_story(story)
        except Exception as exc:  # ReportLab raises bare LayoutError/ValueError
            raise RenderError(f"recipient {letters[0].recipient.id}: {exc}") from exc
        data = buffer.getvalue()
        doc.release()
        return RenderedPdf(data=data, pages=doc.page, sha256=hashlib.sha256(data).hexdigest())


def _story(
    letters: Sequence[ComposedLetter], width: float, titles: Sequence[str] | None
) -> list[Flowable]:
    """The letters one after the other, each on a new page; a single letter's common
    ending marked for replay (see `missive.render.tails`)."""
    story: list[Flowable] = []
    used: set[int] = set()  # each shared flowable once in the story
    for index, composed in enumerate(letters):
        if index:
            story.append(PageBreak())
        story.append(_StartLetter(composed, titles[index] if titles else None))
        story.extend(LetterLayout(composed, width, used=used).story())
    if len(letters) == 1 and reuse.REUSE:
        mark_tail(story)
    return story


def clear_caches() -> None:
    """Empty every cache kept for reuse (`storage/reuse.py`): the next letter is rendered
    as by a new process."""
    reuse.clear_caches()


def _rich_texts(flowables: Iterable[Any]) -> Iterator[RichText]:
    for flowable in flowables:
        if isinstance(flowable, RichText):
            yield flowable
        elif isinstance(flowable, Grid):
            yield from _rich_texts(flowable.flowables())


def _character_order(story: Sequence[Flowable]) -> dict[str, str]:
    """Per font, the characters the letter draws: common text first, then personal, sorted.

    ReportLab numbers a font's characters in order of first use, so a name early in the
    letter would renumber everything after it. Assigning them up front, in this order,
    gives letters that draw the same characters the same font subsets, which
    `missive.fonts` then cuts once (and subset 0 stays shared even when a name adds
    characters of its own).
    """
    common: list[RichText] = []
    personal: dict[str, set[str]] = {}
    for text in _rich_texts(story):
        if text.personal:
            for font, characters in text.characters_by_font().items():
                personal.setdefault(font, set()).update(characters)
        else:
            common.append(text)
    shared = _shared_characters(tuple(common))
    order: dict[str, str] = {}
    for font in sorted(shared.keys() | personal.keys()):
        characters, written = shared.get(font, (frozenset(), ""))
        own = personal.get(font, set()) - characters
        order[font] = written + "".join(sorted(own))
    return order


_SHARED_LIMIT = 256
# ids of a letter's common texts -> (those texts, per font: their characters, sorted). The
# common texts are the flowables every letter of a language shares (see layout.py), found
# by identity; they are held so that their ids cannot be reused while the entry lives.
SharedOrder = dict[str, tuple[frozenset[str], str]]
_shared_orders: reuse.Kept[tuple[tuple[RichText, ...], SharedOrder]] = reuse.Kept(
    f"{__name__}._shared_orders", _SHARED_LIMIT
)


def _shared_characters(texts: tuple[RichText, ...]) -> SharedOrder:
    key = tuple(map(id, texts))
    found = _shared_orders.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], texts, strict=True)):
        return found[1]
    per_font: dict[str, set[str]] = {}
    for text in texts:
        for font, characters in text.characters_by_font().items():
            per_font.setdefault(font, set()).update(characters)
    result = {font: (frozenset(chars), "".join(sorted(chars))) for font, chars in per_font.items()}
    _shared_orders.put(key, (texts, result))
    return result


def _metadata(composed: ComposedLetter) -> dict[str, str]:
    return {
        "title": composed.title or composed.subject.replace("\n", " "),
        "author": composed.organization,
        "subject": composed.subject.replace("\n", " "),
        "keywords": composed.reference,
        "creator": PRODUCER,
        "producer": PRODUCER,
        "lang": composed.lang_tag,
    }
