"""The story of one official letter: letterhead to signatory grid, mirrored for Arabic.

Every piece of text is a `RichText`, so every script, fallback font, link and bidi rule is
handled in one place; tables only place those flowables (label/value header, signatories).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, replace

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from missive.model import (
    Block,
    BulletList,
    ComposedLetter,
    ComposedSignatory,
    HeaderField,
    Language,
    Paragraph,
    Run,
)
from missive.render import reportlab_seam as seam
from missive.render import tagging
from missive.render.bidi import isolate_ltr
from missive.render.decor import Figure, Rule
from missive.render.grid import Grid
from missive.render.keptlayout import KeptParagraph
from missive.render.richtext import RichText
from missive.render.structure import Node, Role
from missive.render.textflow import Align, TextStyle
from missive.storage import reuse

MAX_SIGNATORIES_PER_ROW = 4
LOGO_HEIGHT = 16 * mm


@dataclass(frozen=True)
class LetterStyles:
    """Sizes per script: Amiri needs a larger size and leading to read like Noto Sans."""

    body: TextStyle
    small: TextStyle
    letterhead: TextStyle
    subject: TextStyle

    @classmethod
    def for_language(cls, language: Language) -> LetterStyles:
        return _styles(language)

    @classmethod
    def _make(cls, language: Language) -> LetterStyles:
        size, leading = {Language.AR: (12.5, 20.0), Language.ZH: (10.5, 17.0)}.get(
            language, (10.5, 14.5)
        )
        latin_size = 10.5  # Noto Sans' size in the other letters
        body = TextStyle(
            language, size=size, leading=leading, align=Align.JUSTIFY, latin_scale=latin_size / size
        )
        return cls(
            body=replace(body, space_after=size * 0.7),
            small=replace(body, size=size - 1.5, leading=leading - 2.5, align=Align.START),
            letterhead=replace(
                body, size=size + 4, leading=leading + 6, bold=True, align=Align.CENTER
            ),
            subject=replace(body, bold=True, align=Align.START, space_after=size),
        )


@reuse.memo(maxsize=None)
def _styles(language: Language) -> LetterStyles:
    return LetterStyles._make(language)


# Pure, and asked again for every letter of a language with the same texts.
_isolated = reuse.memo(maxsize=4096, name=f"{__name__}._isolated")(isolate_ltr)

_SHARED_LIMIT = 2048
# Flowables that are the same in every letter of a language (letterhead, subject, body,
# closing, signatures), kept with what they learnt laying themselves out; see `_Shared`.
_shared: OrderedDict[Hashable, Flowable] = OrderedDict()


_KEPT_BLOCKS_LIMIT = 64
_kept_blocks: OrderedDict[int, tuple[Sequence[Block], Hashable, list[Flowable]]] = OrderedDict()
# (labels, style, width) -> the width of a header's label column
_label_widths: reuse.Kept[float] = reuse.Kept(f"{__name__}._label_widths", 256)


def shared_paragraphs() -> Iterator[KeptParagraph]:
    """The laid-out paragraphs that more than one letter drew, as `keptlayout` keeps them."""
    flowables = list(_shared.values())
    for _blocks, _styles, items in _kept_blocks.values():
        flowables.extend(items)
    while flowables:
        flowable = flowables.pop()
        if isinstance(flowable, Grid):
            flowables.extend(flowable.flowables())
        elif isinstance(flowable, RichText) and (kept := flowable.kept()) is not None:
            yield kept


def clear_shared() -> None:
    _shared.clear()
    _kept_blocks.clear()


reuse.register(f"{__name__}._shared", clear_shared, lambda: len(_shared) + len(_kept_blocks))


class _Shared:
    """Hands out the flowables of one letter, reusing those of earlier letters.

    A flowable is reused only when made from the same values, never twice in one story
    (platypus keeps per-story marks on it, which `_fresh_marks` clears between stories).
    """

    def __init__(self, used: set[int] | None = None) -> None:
        self.used: set[int] = set() if used is None else used

    def get(self, key: Hashable, make: Callable[[], Flowable]) -> Flowable:
        if not reuse.REUSE:
            return make()
        found = _shared.get(key)
        if found is None or id(found) in self.used:
            found = make()
            if key not in _shared:
                _shared[key] = found
                if len(_shared) > _SHARED_LIMIT:
                    _shared.popitem(last=False)
        else:
            _shared.move_to_end(key)
            _fresh_marks(found)
        self.used.add(id(found))
        return found


def _fresh_marks(flowable: Flowable) -> None:
    """Undo what a previous story's build wrote on a flowable: platypus marks one it had
    to move to the next page (`_postponed`, a second time is an error) and clears
    `keepWithNext` once it has grouped it with the next one. A paragraph taken up again
    is one letters share, which a run keeps for the next (`keptlayout`)."""
    seam.fresh_marks(flowable)
    if isinstance(flowable, RichText):
        flowable.reused = True
    if getattr(flowable, "keeps_with_next", False):
        flowable.keepWithNext = True
    if isinstance(flowable, Grid):
        for cell in flowable.flowables():
            _fresh_marks(cell)


class LetterLayout:
    """Builds the flowables of one composed letter for a frame `width` points wide."""

    def __init__(
        self, composed: ComposedLetter, width: float, *, used: set[int] | None = None
    ) -> None:
        """`used`: the ids of the flowables the story's other letters already hold (a
        proof), which this one must not hold too: platypus marks a flowable it postponed
        or grouped, and a second place in one story would read the first one's marks."""
        self.composed = composed
        self.width = width
        self.rtl = composed.is_rtl
        self.styles = LetterStyles.for_language(composed.language)
        # Chinese letters indent each body paragraph by two ideographs.
        indent = 2 * self.styles.body.size if composed.language is Language.ZH else 0.0
        self.paragraph = replace(self.styles.body, first_indent=indent)
        self.shared = _Shared(used)

    def text(
        self, text: str, style: TextStyle, href: str | None = None, *, personal: bool = False
    ) -> RichText:
        return RichText((self.run(text, href=href),), style, personal=personal)

    def common(
        self, runs: tuple[Run, ...], style: TextStyle, *, keep: bool = False, ending: bool = False
    ) -> RichText:
        """A paragraph that is the same for every recipient, reused from letter to letter;
        `keep`: never the last thing on a page (headings, the closing); `ending`: the
        body's last, which keeps its last lines with the closing (`keeps.KeepLines`)."""

        def make() -> RichText:
            made = RichText(self.runs(runs), style)
            if ending:
                made.keep_last_lines = True
            return _keep_with_next(made) if keep or ending else made

        found = self.shared.get(("text", runs, style, keep, ending), make)
        assert isinstance(found, RichText)
        return found

    def common_text(self, text: str, style: TextStyle, *, keep: bool = False) -> RichText:
        return self.common((Run(text),), style, keep=keep)

    def run(
        self, text: str, *, bold: bool = False, italic: bool = False, href: str | None = None
    ) -> Run:
        shown = _isolated(text) if self.rtl else text
        return Run(shown, bold=bold, italic=italic, href=href)

    def runs(self, runs: Sequence[Run]) -> tuple[Run, ...]:
        if not self.rtl:
            return tuple(runs)
        return tuple(self.run(r.text, bold=r.bold, italic=r.italic, href=r.href) for r in runs)

    def story(self) -> list[Flowable]:
        """The letter's flowables, each given its place in the structure tree (new nodes
        for every letter: a flowable letters share is in each letter's tree once)."""
        composed, styles = self.composed, self.styles
        body = styles.body
        story: list[Flowable] = [*self.letterhead()]
        story.append(_as(self.common_text(composed.date_text, _spaced(body, body.size * 0.6))))
        story.append(self.header_table(composed.header_fields))
        if composed.addressee:
            story.append(Spacer(1, body.leading * 0.8))
            addressee = replace(body, space_after=0, align=Align.START)  # never justified
            lines = [line for line in composed.addressee if line.strip()]
            block = tagging.paragraph()  # the address: one paragraph of lines
            for line in lines:
                text = self.text(line, addressee, personal=True)
                text.node = block
                story.append(text)
        if composed.distribution_heading:
            story.append(Spacer(1, body.leading * 0.8))
            heading = composed.distribution_heading
            story.append(_as(self.common_text(heading, _spaced(body, 2), keep=True)))
            dashed = _dashed(body)
            items = [self.common_text(group, dashed) for group in composed.distribution]
            story.extend(_as_list(items))
        story.append(Spacer(1, body.leading))
        story.append(_as(self.common_text(composed.subject, styles.subject, keep=True), Role.H1))
        story.append(_as(_keep_with_next(self.text(composed.salutation, body, personal=True))))
        story.extend(_as_body(composed.body, self.blocks(composed.body)))
        closing = self.common_text(composed.closing, _spaced(body, body.leading), keep=True)
        story.append(_as(closing))
        story.append(_as_signatures(self.signatory_grid(composed.signatories)))
        return story

    def letterhead(self) -> list[Flowable]:
        items: list[Flowable] = []
        logo = self.composed.logo
        if logo is not None:
            items.append(Figure(logo, LOGO_HEIGHT, self.composed.logo_alt))
        items.append(_as(self.common_text(self.composed.organization, self.styles.letterhead)))
        items.append(Rule(width="100%", thickness=0.6, spaceBefore=2, spaceAfter=14))
        return items

    def header_table(self, fields: Sequence[HeaderField]) -> Flowable:
        small = self.styles.small
        labels, label_width = self._labels(tuple(field.label for field in fields))
        values = [self.text(f.value, small, href=f.href, personal=True) for f in fields]
        widths = [label_width, self.width - label_width]
        rows: list[list[Flowable]] = [
            [label, value] for label, value in zip(labels, values, strict=True)
        ]
        table = tagging.paragraph(Role.TABLE)
        for label, value in zip(labels, values, strict=True):  # PDF/UA-1 7.5: header, data
            row = tagging.paragraph(Role.TR, table)
            label.node = tagging.paragraph(Role.TH, row, scope="Row")
            value.node = tagging.paragraph(Role.TD, row)
        if self.rtl:
            rows = [row[::-1] for row in rows]
            widths = widths[::-1]
        return Grid([[[cell] for cell in row] for row in rows], widths, row_gap=1, rtl=self.rtl)

    def _labels(self, texts: tuple[str, ...]) -> tuple[list[RichText], float]:
        """The header's labels, and the width of their column (the widest label's)."""
        style = _bold(self.styles.small)
        labels = [self.common_text(text, style) for text in texts]
        key = (texts, style, self.width)

        def column() -> float:
            return min(self.width * 0.3, max(_natural_width(label) for label in labels) + 8)

        return labels, _label_widths(key, column)

    def blocks(self, blocks: Sequence[Block]) -> list[Flowable]:
        """The body's paragraphs. A body that reads nothing of the recipient is the very
        same tuple for every letter of a language (see `missive.compose`), so its
        flowables are found by identity, without hashing every paragraph again."""
        if not reuse.REUSE:
            return self._blocks(blocks)
        styles = (self.paragraph, self.styles.body)
        kept = _kept_blocks.get(id(blocks))
        if kept is not None and kept[0] is blocks and kept[1] == styles:
            items = kept[2]
            if not any(id(item) in self.shared.used for item in items):
                for item in items:
                    _fresh_marks(item)
                    self.shared.used.add(id(item))
                return list(items)
        items = self._blocks(blocks)
        _kept_blocks[id(blocks)] = (blocks, styles, items)  # holding `blocks` keeps its id
        if len(_kept_blocks) > _KEPT_BLOCKS_LIMIT:
            _kept_blocks.popitem(last=False)
        return list(items)

    def _blocks(self, blocks: Sequence[Block]) -> list[Flowable]:
        """The body's paragraphs and items; the last two keep the body's last lines with
        the closing (`keeps.KeepLines`: two lines at least, from the last paragraph or,
        if it has one line only, from the one before too)."""
        texts: list[tuple[tuple[Run, ...], TextStyle]] = []
        for block in blocks:
            if isinstance(block, Paragraph):
                texts.append((tuple(block.runs), self.paragraph))
            elif isinstance(block, BulletList):
                bullet = _bulleted(self.styles.body)
                texts.extend((tuple(item), bullet) for item in block.items)
        ending = len(texts) - 2
        return [
            self.common(runs, style, ending=index >= ending)
            for index, (runs, style) in enumerate(texts)
        ]

    def signatory_grid(self, signatories: Sequence[ComposedSignatory]) -> Flowable:
        if not signatories:
            return Spacer(1, 0)
        key = ("signatures", tuple(signatories), self.styles, self.width, self.rtl)
        return self.shared.get(key, lambda: self._signatory_grid(signatories))

    def _signatory_grid(self, signatories: Sequence[ComposedSignatory]) -> Flowable:
        count = len(signatories)
        columns = count if count <= MAX_SIGNATORIES_PER_ROW else math.ceil(count / 2)
        cells = [self.signatory_cell(signatory) for signatory in signatories]
        rows: list[list[list[Flowable]]] = []
        for start in range(0, count, columns):
            row = cells[start : start + columns]
            row += [[] for _ in range(columns - len(row))]
            rows.append(row[::-1] if self.rtl else row)
        # A Grid is never split: the signatures move to the next page together.
        widths = [self.width / columns] * columns
        return Grid(rows, widths, padding=4, row_gap=10, rtl=self.rtl)

    def signatory_cell(self, signatory: ComposedSignatory) -> list[Flowable]:
        small = replace(self.styles.small, align=Align.START)
        cell: list[Flowable] = [self.text(signatory.signed_marker, replace(small, space_after=4))]
        if signatory.signature_image is not None:  # described by the name it signs
            cell.append(Figure(signatory.signature_image, 12 * mm, signatory.name))
        cell.append(self.text(signatory.name, replace(small, bold=True)))
        cell.extend(self.text(line, small) for line in signatory.title_lines)
        if signatory.organization:
            cell.append(self.text(signatory.organization, small))
        return cell


def _keep_with_next(text: RichText) -> RichText:
    """Headings, the salutation and the closing never end a page on their own."""
    text.keepWithNext = True
    text.keeps_with_next = True
    return text


# The styles derived from a language's body style, made once (dataclass `replace` is slow).
@reuse.memo(maxsize=256)
def _spaced(style: TextStyle, space_after: float) -> TextStyle:
    return replace(style, space_after=space_after)


@reuse.memo(maxsize=64)
def _bold(style: TextStyle) -> TextStyle:
    return replace(style, bold=True)


@reuse.memo(maxsize=64)
def _dashed(body: TextStyle) -> TextStyle:
    return replace(body, space_after=0, start_indent=body.size * 1.6, bullet="–")


@reuse.memo(maxsize=64)
def _bulleted(body: TextStyle) -> TextStyle:
    return replace(body, start_indent=body.size * 1.6, bullet="•", space_after=body.size * 0.3)


def _natural_width(text: RichText) -> float:
    text.wrap(10_000, 1_000)
    lines = text._lines or ()
    return max((line.width for line in lines), default=0.0)


def _as(flowable: RichText, role: Role = Role.P) -> RichText:
    """`flowable`, a paragraph (or `role`) of its own in this letter's structure tree."""
    flowable.node = tagging.paragraph(role)
    return flowable


def _as_list(items: Sequence[RichText]) -> Sequence[RichText]:
    """`items`, the items of one list: each a list item, its dash the label."""
    listed = tagging.paragraph(Role.L)
    for item in items:
        item.node = tagging.paragraph(Role.LBODY, tagging.paragraph(Role.LI, listed))
    return items


def _as_body(blocks: Sequence[Block], items: Sequence[Flowable]) -> Sequence[Flowable]:
    """The body's flowables (one per paragraph, one per list item), as its blocks are."""
    index = 0
    for block in blocks:
        if isinstance(block, BulletList):
            count = len(block.items)
            _as_list([i for i in items[index : index + count] if isinstance(i, RichText)])
        else:
            count = 1
            item = items[index]
            if isinstance(item, RichText):
                _as(item)
        index += count
    return items


def _as_signatures(grid: Flowable) -> Flowable:
    """The signatures: a division of a paragraph per signatory (its lines, the scan of
    its signature a figure inside)."""
    if not isinstance(grid, Grid):
        return grid
    signatures = tagging.paragraph(Role.DIV)
    for _, _, cell in grid.cells_in_reading_order():
        signatory = tagging.paragraph(Role.P, signatures)
        for flowable in cell:
            if isinstance(flowable, RichText):
                flowable.node = signatory
            elif isinstance(flowable, Figure) and flowable.node is not None:
                flowable.node = Node(flowable.node.tag, signatory)
    return grid
