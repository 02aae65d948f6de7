"""`RichText`: the platypus Flowable that draws lines laid out by `missive.render.textflow`."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.platypus import Flowable

from missive.model import Language, Run
from missive.render import keptlayout, marked, tagging
from missive.render import reportlab_seam as seam
from missive.render.drawn import (
    DRAWN,
    Characters,
    Content,
    Links,
    per_font,
    replay_or_draw,
)
from missive.render.fill import GLYPH_SCALING, SPACE_SHRINK, SPACE_STRETCH
from missive.render.glyph_text import GlyphWriter, register_keys
from missive.render.keptlayout import KeptParagraph
from missive.render.marked import Artifact
from missive.render.reportlab_seam import font_state
from missive.render.shaping import shape
from missive.render.structure import Node, StructureTree
from missive.render.textflow import (
    LINK_COLOR,
    Align,
    Line,
    Piece,
    Segment,
    TextStyle,
    char_width,
)
from missive.storage import reuse

LOOSE_SPACE = 0.45  # of a space: what a word space grows by before letters are spaced
MAX_LETTER_SPACE = 0.025  # of the size: the last resort of a line justified too loosely
_FAKE_BOLD_STROKE = 0.035  # of the font size: thickens strokes of faces without a bold cut
_DRAWN_CHARACTERS_LIMIT = 4096
_DRAWN_CHARACTERS: reuse.Kept[Characters] = reuse.Kept(
    f"{__name__}._DRAWN_CHARACTERS", _DRAWN_CHARACTERS_LIMIT
)
_ARTIFACT_SUBTYPES = {Artifact.PAGINATION: "Footer"}  # page labels are at the foot


class RichText(Flowable):
    """A paragraph (or bullet item) in any of the six languages; splits between lines."""

    def __init__(
        self,
        runs: Sequence[Run],
        style: TextStyle,
        *,
        pieces: tuple[Piece, ...] | None = None,
        lines: tuple[Line, ...] | None = None,
        first: bool = True,
        personal: bool = False,
        start: int = 0,
    ) -> None:
        super().__init__()
        self.style = style
        self.personal = personal  # text that differs from recipient to recipient
        self.runs = tuple(runs)
        self.pieces = pieces if pieces is not None else keptlayout.pieces(self.runs, style)
        self.reused = False  # drawn by more than one letter (set by `layout._fresh_marks`)
        self.keeps_with_next = False  # never the last on a page (`layout._keep_with_next`)
        self._lines = lines
        self._laid_width = -1.0
        self._first = first
        self._start = start  # index of the first of `_lines` in the whole paragraph's layout
        self.width = 0.0
        self.height = 0.0
        self._key: Hashable | None = None
        self.has_links = any(piece.href for piece in self.pieces)
        self._by_font: dict[str, frozenset[str]] | None = None
        self._kept_content: tuple[Any, ...] | None = None
        self.keep_last_lines = False  # the body's last paragraph (see `missive.render.keeps`)
        # What it is in the structure tree (a letter sets it; a paragraph split in two
        # shares it), or the kind of artifact it is (a page label); `in_grid`: its grid
        # asks the tree for its content (`missive.render.grid`).
        self.node: Node = tagging.paragraph()
        self.artifact: Artifact | None = None
        self.in_grid = False
        self._kept_owners: tuple[Any, float, tuple[tagging.Owner, ...]] | None = None

    @classmethod
    def plain(cls, text: str, style: TextStyle) -> RichText:
        return cls((Run(text),), style)

    def characters(self) -> Iterator[tuple[str, str]]:
        """(font, glyph keys) of everything this paragraph draws, its bullet included
        (the keys of the paragraph shaped whole: what its lines draw but at a break)."""
        if not self.pieces:
            return
        for font, keys in keptlayout.keys(self.pieces, self.style):
            yield font, "".join(sorted(keys))
        if self.style.bullet:
            font = self.pieces[0].font
            yield font, "".join(glyph.key for glyph in shape(self.style.bullet, font, False).glyphs)

    def characters_by_font(self) -> dict[str, frozenset[str]]:
        """`characters()` gathered per font (kept: a paragraph serves many letters)."""
        if self._by_font is None:
            found: dict[str, set[str]] = {}
            for font, text in self.characters():
                found.setdefault(font, set()).update(text)
            self._by_font = {font: frozenset(chars) for font, chars in found.items()}
            for font, keys in self._by_font.items():
                register_keys(font, keys)
        return self._by_font

    def kept(self) -> KeptParagraph | None:
        """What this paragraph laid out, if it is a whole one that letters share."""
        if not (self.reused and self._first and self.runs and self._lines is not None):
            return None
        width = self._text_width(self._laid_width)
        keys = keptlayout.keys(self.pieces, self.style)
        return KeptParagraph(self.runs, self.style, self.pieces, width, self._lines, keys)

    def _text_width(self, avail_width: float) -> float:
        return avail_width - self.style.start_indent

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self._lines is None or (self._first and self._laid_width != avail_width):
            self._lines = keptlayout.lines(self.pieces, self.style, self._text_width(avail_width))
            self._laid_width = avail_width
            self._start = 0
        self.width = avail_width
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def line_count(self, avail_width: float) -> int:
        self.wrap(avail_width, 0.0)
        return len(self._lines or ())

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self.wrap(avail_width, avail_height)
        assert self._lines is not None
        fits = int(avail_height // self.style.leading)
        if fits < 2 or len(self._lines) - fits < 2:
            # No widows or orphans of a single line.
            fits = min(fits, len(self._lines) - 2)
            if fits < 2:
                return []
        head = RichText(
            (), self.style, pieces=self.pieces, lines=self._lines[:fits], start=self._start
        )
        tail = RichText(
            (),
            self.style,
            pieces=self.pieces,
            lines=self._lines[fits:],
            first=False,
            start=self._start + fits,
        )
        head._laid_width = tail._laid_width = avail_width
        for part in (head, tail):  # one paragraph in the structure tree
            part.node, part.artifact, part.in_grid = self.node, self.artifact, self.in_grid
        return [head, tail]

    def getSpaceBefore(self) -> float:  # noqa: N802 (platypus API)
        return self.style.space_before if self._first else 0.0

    def getSpaceAfter(self) -> float:  # noqa: N802 (platypus API)
        return self.style.space_after

    def _start_x(self, line: Line, indent: float) -> tuple[float, Spacing]:
        """x of the line's left edge, and how it is justified."""
        style = self.style
        room = self._text_width(self.width) - indent
        free = room - line.width
        rtl = style.language.is_rtl
        left = 0.0 if rtl else style.start_indent + indent
        # A justified paragraph's last line is set at its natural width, unless total fit
        # shrank its spaces to keep it on the line: then they shrink as drawn too.
        shrunk = free < 0 and line.spaces > 0 and style.language is not Language.ZH
        if style.align is Align.JUSTIFY and (line.stretch or shrunk):
            # Chinese is justified between every two characters, other scripts between words.
            if style.language is Language.ZH and line.chars > 1:
                return left, Spacing(0.0, free / (line.chars - 1))
            if line.spaces:
                return left, self._justified(line, free)
        if style.align is Align.CENTER:
            return left + free / 2, Spacing()
        if rtl != (style.align is Align.END):
            right = self.width - (style.start_indent + indent if rtl else 0.0)
            return right - line.width, Spacing()
        return left, Spacing()

    def _justified(self, line: Line, free: float) -> Spacing:
        """How a justified line fills its width, as total fit counted it (`fill`): its
        glyphs scaled by up to 2 %, at the ratio its spaces are stretched or shrunk by.
        Only a line the breaker could not keep under 150 % of its spaces' width (an
        acronym too long to move up, a date kept whole, no hyphen before a short last
        line) also spaces its letters, by 2.5 % of the size at most (a typesetter's
        letter-spacing limit); never Arabic, whose letters join."""
        piece = self.pieces[line.segments[0].piece] if line.segments else None
        space = char_width(piece.font, " ") * piece.size if piece else 0.0
        glyphs = max(line.width - line.spaces * space, 0.0)
        give = SPACE_STRETCH if free > 0 else SPACE_SHRINK
        capacity = line.spaces * space * give + glyphs * GLYPH_SCALING
        ratio = max(-1.0, min(free / capacity, 1.0)) if capacity > 0 else 0.0
        scale = 1.0 + ratio * GLYPH_SCALING
        free -= line.width * (scale - 1.0)  # what the spaces (and letters) still take
        excess = free - line.spaces * space * LOOSE_SPACE
        # A word space is opened by the spacing of the letter before it and its own
        # (two per space), the other letters' by theirs (one each).
        letters = line.chars - 2 * line.spaces
        if excess <= 0 or letters < 1 or self.style.language.is_rtl:  # Arabic letters join
            return Spacing(free / line.spaces, 0.0, scale)
        letter = min(excess / letters, self.style.size * MAX_LETTER_SPACE)
        return Spacing((free - letter * line.chars) / line.spaces, letter, scale)

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        """Platypus' `drawOn`, replayed when this very paragraph was placed at this very
        point before: a paragraph without links changes nothing but the page's code
        (its graphics state is saved and restored around it). Its marked content is
        asked of the structure tree first, whether drawn or replayed."""
        tree = tagging.tree_of(canvas)
        if tree is not None and not self.in_grid:
            self.register(tree)
        base: Any = super()  # platypus' `drawOn`, whose stub lacks `_sW`
        if not reuse.REUSE:
            base.drawOn(canvas, x, y, _sW)
            return
        key = self._key = self._drawn_key(seam.document(canvas))
        placed = None if key is None or self.has_links else (key, x, y, _sW)
        replay_or_draw(canvas, placed, lambda: base.drawOn(canvas, x, y, _sW))

    def register(self, tree: StructureTree) -> None:
        """Ask `tree` for this part's marked-content sequences, in drawing order."""
        if self.artifact is None and self._lines:
            tagging.register(tree, self.node, self._owners(), self.pieces)

    def draw(self) -> None:
        canvas: Any = self.canv
        if any(piece.fake_bold for piece in self.pieces):
            canvas.setStrokeColorRGB(0, 0, 0)
            canvas.setLineWidth(self.style.size * _FAKE_BOLD_STROKE)
        key = self._key
        drawn = DRAWN.get(key) if key is not None else None
        if drawn is None:
            drawn = self._write(canvas)
            if key is not None:
                DRAWN.put(key, drawn)
        code, links = drawn
        seam.page_code(canvas).append(code)  # what `canvas.drawText` appends
        tree = tagging.tree_of(canvas)
        for href, x, baseline, width, piece in links:
            name = self._draw_link(canvas, href, x, baseline, width)
            if tree is not None and self.artifact is None:
                tree.annotation(tagging.key_of(self.node, (tagging.Part.LINK, piece)), name)

    def _drawn_key(self, doc: Any) -> Hashable | None:
        """What the text object depends on (see `missive.render.drawn`), or None."""
        content, characters = self._content()
        state = font_state(doc, characters)
        return None if state is None else (content, state)

    def _content(self) -> tuple[Content, Characters]:
        """The paragraph's laid-out content and the characters it draws, per font; kept
        until it is laid out again (a reused paragraph is asked for every letter)."""
        assert self._lines is not None
        laid: tuple[Any, ...] = (
            *(self._laid_width, self._start, len(self._lines), self._first, self.width),
            *(self.node.tag.role, self.artifact),  # the tags its marked content carries
        )
        kept = self._kept_content
        if kept is not None and kept[0] == (*laid, self.height) and kept[1] is self._lines:
            return kept[2], kept[3]
        content = Content((self.pieces, self.style, *laid, self.height))
        characters = _DRAWN_CHARACTERS(content, self._drawn_characters)
        self._kept_content = ((*laid, self.height), self._lines, content, characters)
        return content, characters

    def _drawn_characters(self) -> Characters:
        """Per font, the glyph keys the text object draws (sorted, each once)."""
        assert self._lines is not None
        found: dict[str, set[str]] = {}
        for line in self._lines:
            for segment in line.segments:
                found.setdefault(segment.run.font, set()).update(
                    glyph.key for glyph in segment.run.glyphs
                )
        if self._first and self.style.bullet:
            bullet = self._bullet()
            found.setdefault(bullet.run.font, set()).update(g.key for g in bullet.run.glyphs)
        for font, keys in found.items():
            register_keys(font, keys)
        return per_font(found)

    def _bullet(self) -> Segment:
        font = self.pieces[0].font if self.pieces else "NotoSans-Regular"
        run = shape(self.style.bullet or "", font, False)
        return Segment(run, 0, run.advance * self.style.size / 1000)

    def _placed_lines(self) -> Iterator[tuple[int, Spacing, list[tuple[Segment, float]]]]:
        """Each line's index and spacing, with its segments in drawing order (logical)
        and their x."""
        assert self._lines is not None
        for index, line in enumerate(self._lines):
            indent = self.style.first_indent if index == 0 and self._first else 0.0
            x, spacing = self._start_x(line, indent)
            placed = []
            for segment in line.segments:  # as wide as `_TextWriter.segment` draws it
                placed.append((segment, x))
                size = self.pieces[segment.piece].size  # a Latin run's in Arabic: its own
                x += (
                    segment.run.advance * size / 1000 * spacing.scale
                    + segment.spaces * spacing.word
                    + segment.glyphs * spacing.char
                )
            placed.sort(key=lambda found: found[0].start)
            yield index, spacing, placed

    def _owners(self) -> tuple[tagging.Owner, ...]:
        """Whose each marked-content sequence of this part is, in drawing order (kept
        until it is laid out again: a reused paragraph is asked for every letter)."""
        kept = self._kept_owners
        if kept is not None and kept[0] is self._lines and kept[1] == self.width:
            return kept[2]
        owners = self._find_owners()
        self._kept_owners = (self._lines, self.width, owners)
        return owners

    def _find_owners(self) -> tuple[tagging.Owner, ...]:
        found: list[tagging.Owner] = []
        for index, _, placed in self._placed_lines():
            if index == 0 and self._first and self.style.bullet:
                found.append(tagging.LABEL)
            found.extend(tagging.owner_of(self.pieces[s.piece], s.piece) for s, _ in placed)
        return tagging.owners_in_order(found)

    def _write(self, canvas: Any) -> tuple[str, Links]:
        """The paragraph's PDF text object, and the links to annotate over it."""
        style = self.style
        writer = _TextWriter(GlyphWriter(seam.document(canvas)), self.node, self.artifact)
        links: list[tuple[str, float, float, float, int]] = []
        for index, spacing, placed in self._placed_lines():
            baseline = self.height - index * style.leading - (style.leading + style.size * 0.7) / 2
            if index == 0 and self._first and style.bullet:
                writer.mark(tagging.LABEL)
                self._draw_bullet(writer, baseline)
            for segment, x in placed:
                piece = self.pieces[segment.piece]
                writer.mark(tagging.owner_of(piece, segment.piece))
                drawn = writer.segment(piece, segment, (x, baseline), spacing)
                if piece.href:
                    links.append((piece.href, x, baseline, drawn, segment.piece))
        return writer.finish(), tuple(links)

    def _draw_link(self, canvas: Any, href: str, x: float, baseline: float, width: float) -> str:
        """The underline (an artifact) and the link annotation; returns its name."""
        size = self.style.size
        code = seam.page_code(canvas)
        code.append(marked.begin_artifact(marked.Artifact.LAYOUT))
        canvas.setStrokeColorRGB(*LINK_COLOR)
        canvas.setLineWidth(0.5)
        canvas.line(x, baseline - size * 0.12, x + width, baseline - size * 0.12)
        canvas.setStrokeColorRGB(0, 0, 0)
        code.append(marked.END)
        rect = (x, baseline - size * 0.3, x + width, baseline + size * 0.9)
        return seam.link(canvas, href, rect, contents=href)

    def _draw_bullet(self, writer: _TextWriter, baseline: float) -> None:
        style = self.style
        bullet = self._bullet()
        gap = style.size * 0.6
        if style.language.is_rtl:
            x = self.width - style.start_indent + gap
        else:
            x = style.start_indent - gap - bullet.width
        piece = Piece(bullet.text, bullet.run.font, style.size)
        writer.segment(piece, bullet, (x, baseline), Spacing())


def characters_of(texts: Iterable[RichText]) -> Characters:
    """Per font, every character `texts` may draw (their pieces and bullets)."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for font, characters in text.characters_by_font().items():
            found.setdefault(font, set()).update(characters)
    return per_font(found)


@dataclass(frozen=True)
class Spacing:
    """How a line is stretched, as drawn: extra width per space and per glyph, and the
    glyphs' horizontal scale (the PDF's Tw, Tc and Tz, which the scale applies to)."""

    word: float = 0.0
    char: float = 0.0
    scale: float = 1.0


class _TextWriter:
    """One PDF text object per paragraph, emitting font, colour and mode only on change."""

    def __init__(self, glyphs: GlyphWriter, node: Node, artifact: Artifact | None) -> None:
        self.glyphs = glyphs
        self.ops = glyphs.ops
        self.node = node
        self.artifact = artifact
        self.owner: tagging.Owner | None = None  # of the marked sequence open
        if artifact is not None:
            self.ops.append(marked.begin_artifact(artifact, _ARTIFACT_SUBTYPES.get(artifact)))
        self.ops.append("BT")
        self.mode = 0
        self.color: tuple[float, float, float] = (0, 0, 0)
        self.char_space = 0.0
        self.word_space = 0.0
        self.scale = 1.0

    def _state(self, piece: Piece, char_space: float, word_space: float, scale: float) -> None:
        mode = 2 if piece.fake_bold else 0
        if mode != self.mode:
            self.mode = mode
            self.ops.append(f"{mode} Tr")
        color = LINK_COLOR if piece.href else (0.0, 0.0, 0.0)
        if color != self.color:
            self.color = color
            self.ops.append(f"{fp_str(*color)} rg")
        if char_space != self.char_space:
            self.char_space = char_space
            self.ops.append(f"{fp_str(char_space)} Tc")
        if word_space != self.word_space:
            self.word_space = word_space
            self.ops.append(f"{fp_str(word_space)} Tw")
        if scale != self.scale:
            self.scale = scale
            self.ops.append(f"{fp_str(scale * 100)} Tz")

    def segment(
        self,
        piece: Piece,
        segment: Segment,
        origin: tuple[float, float],
        spacing: Spacing,
    ) -> float:
        """Write one visual segment; returns its drawn width (stretched when justified).

        Justification uses the PDF's own word spacing (Tw, applied to every byte 32,
        which is the space in every subset ReportLab cuts), character spacing (Tc) and
        horizontal scaling (Tz, which scales the other two as well), so a line is one
        string however it is stretched.
        """
        scale = spacing.scale
        word, char = spacing.word / scale, spacing.char / scale
        self._state(piece, char, word, scale)
        drawn = self.glyphs.run(
            segment.run, piece.size, origin, actual_text=segment.actual, spacing=(word, char)
        )
        return drawn * scale

    def mark(self, owner: tagging.Owner) -> None:
        """The text that follows is `owner`'s: a new marked sequence if it changes."""
        if self.artifact is not None or owner == self.owner:
            return
        self.glyphs.flush()
        if self.owner is not None:
            self.ops.append(marked.END)
        self.ops.append(marked.begin(tagging.role_of(self.node, owner)))
        self.owner = owner

    def finish(self) -> str:
        # Tc, Tw, Tr and the colour are graphics state: they would leak into what follows.
        self.glyphs.flush()
        if self.owner is not None:
            self.ops.append(marked.END)
        if self.char_space:
            self.ops.append("0 Tc")
        if self.word_space:
            self.ops.append("0 Tw")
        if self.scale != 1.0:
            self.ops.append("100 Tz")
        if self.mode:
            self.ops.append("0 Tr")
        if self.color != (0, 0, 0):
            self.ops.append("0 0 0 rg")
        self.ops.append("ET")
        if self.artifact is not None:
            self.ops.append(marked.END)
        return "\n".join(self.ops)
