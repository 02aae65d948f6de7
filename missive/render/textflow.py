"""Paragraphs laid out by missive itself: font fallback, line breaking, bidi, shaping, links.

Why not `reportlab.platypus.Paragraph`: its right-to-left path needs `rlbidi` (not on PyPI),
inline markup breaks its reordering, and its CJK wrapping lets a line start with `，` or `：`.
Handing ReportLab a `log2vis` (python-bidi + arabic-reshaper) was the other route; it would
still reorder each line as one string, so a bold word or a link inside an Arabic sentence
(and a Latin name in it) would lose its place. So one small engine serves all six
languages alike, as a platypus `Flowable` (`missive.render.richtext.RichText`):

1. every character gets a face: the letter's own family if it has the glyph, else the first
   fallback that does (an Arabic name in an English letter is drawn in Amiri);
2. Arabic is shaped with arabic-reshaper (contextual forms, lam-alef) per styled piece;
   it drops harakat, which cannot be positioned over their letters without OpenType mark
   positioning (official letters rarely use them);
3. each paragraph is broken as a whole in *logical* order (total fit, `missive.render.fill`
   and `missive.render.linebreak`), after spaces, at soft hyphens, and between CJK
   characters except before closing or after opening punctuation; dates, titles with names
   and numbers with units stay on one line (`missive.render.breakrules`); a URL or an
   e-mail address breaks only in Chinese (at its punctuation) or if wider than the line;
4. each line is reordered into visual order (`missive.render.bidi`, UAX #9 rule L2 per line) and
   drawn start-aligned (right-aligned in Arabic), justified, or centred; links become
   `/URI` annotations over their visual extent.

Text is drawn left to right in visual order, so `pdftotext` reads Arabic lines back in
logical order after NFKC (presentation forms fold back to the base letters).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache

import arabic_reshaper
from reportlab.pdfbase import pdfmetrics

from missive.model import Language, Run
from missive.render import fonts
from missive.render.bidi import needs_bidi, visual_runs
from missive.render.breakrules import keep_together
from missive.render.fill import Text, fill
from missive.render.hyphens import SOFT_HYPHEN, hyphenate

_CACHE_SIZE = 4096  # paragraphs; bounded so memory stays flat over any batch
LINK_COLOR = (0.02, 0.27, 0.6)
# A line may not start with these (closing punctuation, CJK and Latin) ...
NO_START = frozenset("，。；：、？！）」』》〉】〕］｝”’…‧ー々〜・,.;:!?)]}%")
# ... nor end with these (opening punctuation).
NO_END = frozenset("（「『《〈【〔［｛“‘([{")


class Align(StrEnum):
    START = "start"
    END = "end"
    CENTER = "center"
    JUSTIFY = "justify"


@dataclass(frozen=True)
class TextStyle:
    language: Language
    size: float = 10.5
    leading: float = 14.5
    bold: bool = False
    italic: bool = False
    align: Align = Align.START
    space_before: float = 0.0
    space_after: float = 0.0
    start_indent: float = 0.0
    first_indent: float = 0.0  # extra indent of a paragraph's first line (Chinese: two ideographs)
    bullet: str | None = None


@dataclass(frozen=True)
class Piece:
    """A styled stretch of logical text in one face."""

    text: str
    font: str
    size: float
    fake_bold: bool = False
    href: str | None = None


@dataclass(frozen=True)
class Segment:
    text: str  # visual order
    piece: int  # index into the paragraph's pieces
    width: float
    actual: str | None = None  # logical text of a mirrored glyph, for /ActualText


@dataclass(frozen=True)
class Line:
    segments: tuple[Segment, ...]
    width: float
    spaces: int
    chars: int
    stretch: bool  # justified lines stretch; the last line of a paragraph does not


@cache
def char_width(font: str, char: str) -> float:
    if fonts.is_invisible(char):
        return 0.0
    return float(pdfmetrics.stringWidth(char, font, 1.0))


def _is_wide(char: str) -> bool:
    code = ord(char)
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= char <= "\u08ff" for char in text)


@lru_cache(maxsize=_CACHE_SIZE)
def make_pieces(runs: tuple[Run, ...], style: TextStyle) -> tuple[Piece, ...]:
    chain = fonts.chain_for(style.language)
    pieces: list[Piece] = []
    for run in runs:
        bold, italic = run.bold or style.bold, run.italic or style.italic
        start = 0
        # NFC: without shaping, a base letter and a combining accent would be drawn apart.
        whole = unicodedata.normalize("NFC", run.text)
        if not run.href:
            whole = keep_together(whole, style.language)
        if style.align is Align.JUSTIFY and not run.href:
            whole = hyphenate(whole, style.language)
        families = [fonts.family_for(char, chain) or chain[0] for char in whole]
        for end in range(1, len(whole) + 1):
            if end < len(whole) and families[end] == families[start]:
                continue
            face = fonts.face(families[start], bold=bold, italic=italic)
            text = whole[start:end]
            if _has_arabic(text):
                text = arabic_reshaper.reshape(text)
            pieces.append(Piece(text, face.name, style.size, face.fake_bold, run.href))
            start = end
    return tuple(pieces)


def _may_break(before: str, after: str) -> bool:
    if before == " ":
        return after != " "
    if before in ("\n", SOFT_HYPHEN):
        return True
    if after in NO_START or before in NO_END or after in " \n\u00a0" or before == "\u00a0":
        return False
    return _is_wide(before) or _is_wide(after)


class _Breaker:
    """One paragraph's characters and their widths, in logical order, broken by total fit."""

    def __init__(self, pieces: Sequence[Piece], style: TextStyle) -> None:
        self.chars: list[str] = []
        self.tags: list[int] = []
        self.widths: list[float] = []
        self.fonts = [(piece.font, piece.size) for piece in pieces]
        for index, piece in enumerate(pieces):
            for char in piece.text:
                self.chars.append(char)
                self.tags.append(index)
                self.widths.append(char_width(piece.font, char) * piece.size)
        self.style = style

    def lines(self, max_width: float) -> list[tuple[int, int, bool]]:
        """(start, end, last) ranges, trailing spaces and newlines excluded: the whole
        paragraph broken at once (total fit, `missive.render.fill`)."""
        style = self.style
        font, size = self.fonts[0] if self.fonts else ("NotoSans-Regular", style.size)
        text = Text(
            chars=self.chars,
            widths=self.widths,
            size=style.size,
            may_break=_may_break,
            is_wide=_is_wide,
            cjk=style.language is Language.ZH,
            hyphen_width=char_width(font, "-") * size,
            no_start=NO_START,
        )
        widths = (max_width - style.first_indent, max_width)
        return fill(text, widths, justify=style.align is Align.JUSTIFY)

    def visual_line(self, start: int, end: int, last: bool) -> Line:
        pairs = list(zip(self.chars[start:end], self.tags[start:end], strict=True))
        if pairs and pairs[-1][0] == SOFT_HYPHEN:
            pairs[-1] = ("-", pairs[-1][1])
        rtl = self.style.language.is_rtl
        if rtl or needs_bidi("".join(self.chars[start:end])):
            runs = visual_runs(pairs, rtl=rtl)
        else:
            runs = _group(pairs)
        segments: list[Segment] = []
        for run_text, tag, actual in runs:
            visible = "".join(char for char in run_text if not fonts.is_invisible(char))
            if visible:
                font, size = self.fonts[tag]
                width = sum(char_width(font, char) for char in visible) * size
                segments.append(Segment(visible, tag, width, actual))
        return Line(
            segments=tuple(segments),
            width=sum(segment.width for segment in segments),
            spaces=sum(stretchable_spaces(segment.text) for segment in segments),
            chars=sum(len(segment.text) for segment in segments),
            stretch=not last,
        )


def stretchable_spaces(text: str) -> int:
    """Spaces that PDF word spacing stretches: ReportLab draws a no-break space as byte 32."""
    return text.count(" ") + text.count("\u00a0")


def _group(pairs: Sequence[tuple[str, int]]) -> list[tuple[str, int, str | None]]:
    runs: list[tuple[str, int, str | None]] = []
    for char, tag in pairs:
        if runs and runs[-1][1] == tag:
            runs[-1] = (runs[-1][0] + char, tag, None)
        else:
            runs.append((char, tag, None))
    return runs


@lru_cache(maxsize=_CACHE_SIZE)
def layout(pieces: tuple[Piece, ...], style: TextStyle, width: float) -> tuple[Line, ...]:
    """The lines of a paragraph. Cached: most paragraphs repeat from letter to letter."""
    breaker = _Breaker(pieces, style)
    return tuple(breaker.visual_line(*span) for span in breaker.lines(width))
