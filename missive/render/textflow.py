"""Paragraphs laid out by missive itself: font fallback, line breaking, bidi, shaping, links.

Why not `reportlab.platypus.Paragraph`: its right-to-left path needs `rlbidi` (not on PyPI),
inline markup breaks its reordering, and its CJK wrapping lets a line start with `，` or `：`.
So one small engine serves all six languages alike, as a platypus `Flowable`
(`missive.render.richtext.RichText`):

1. every character gets a face: the letter's own family if it has the glyph, else the first
   fallback that does (an Arabic name in an English letter is drawn in Amiri); inside
   right-to-left text a Latin word (an e-mail address, a URL) takes the Latin face, so its
   full stops are dots (`missive.render.bidi_runs.latin_stretches`); text in a script of
   another of the six languages (Arabic, Chinese, Cyrillic) is a piece of its own with
   that language, for the structure tree's `/Lang`;
2. bidi levels are resolved on the whole paragraph (UAX #9, `missive.render.bidi_runs`),
   and the paragraph is shaped by HarfBuzz run by run (one piece, one level), with each
   face's OpenType features (`missive.render.shaping`): the widths line breaking adds up
   are the shaped ones, marks and ligatures included;
3. each paragraph is broken as a whole in *logical* order (total fit, `missive.render.fill`
   and `missive.render.linebreak`), after spaces, at soft hyphens, and between CJK
   characters except before closing or after opening punctuation; dates, titles with names
   and numbers with units stay on one line (`missive.render.breakrules`); a URL or an
   e-mail address breaks only in Chinese (at its punctuation) or if wider than the line;
4. each line's runs are put in visual order (rule L2) and shaped again on their own (a line
   ending at a hyphen has a hyphen, and a ligature across the break is undone); they are
   drawn start-aligned (right-aligned in Arabic), justified, or centred; links become
   `/URI` annotations over their visual extent.

Text is drawn left to right in visual order, each glyph coded so that text extraction
reads the letters it was shaped from (`missive.render.glyph_text`).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from missive.model import Language, Run
from missive.render import fonts
from missive.render.bidi import needs_bidi
from missive.render.bidi_runs import latin_stretches, levels, runs, trailing_whitespace
from missive.render.breakrules import keep_together
from missive.render.fill import GLYPH_SCALING, Text, fill
from missive.render.hyphens import SOFT_HYPHEN, hyphenate
from missive.render.shaping import ShapedRun, shape
from missive.storage import reuse

_CACHE_SIZE = 4096  # paragraphs; bounded so memory stays flat over any batch
LINK_COLOR = (0.02, 0.27, 0.6)
# A line may not start with these (closing punctuation, CJK and Latin) ...
NO_START = frozenset("，。；：、？！）」』》〉】〕］｝”’…‧ー々〜・,.;:!?)]}%")
# ... nor end with these (opening punctuation).
NO_END = frozenset("（「『《〈【〔［｛“‘([{")
SPACES = frozenset(" \u00a0")  # what PDF word spacing stretches (both drawn as byte 32)


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
    # Latin words of right-to-left text, in the Latin face, at this share of `size`: Amiri
    # is set larger than Noto Sans to read alike (`layout.LetterStyles`), and a Latin word
    # inside Arabic text is set at the Latin letters' size, not a sixth larger.
    latin_scale: float = 1.0


@dataclass(frozen=True)
class Piece:
    """A styled stretch of logical text in one face."""

    text: str
    font: str
    size: float
    fake_bold: bool = False
    href: str | None = None
    lang: str | None = None  # BCP 47, where the text is in another language than the letter


@dataclass(frozen=True)
class Segment:
    """One run of one piece, in one direction, shaped: glyphs in visual order."""

    run: ShapedRun
    piece: int  # index into the paragraph's pieces
    width: float
    actual: str | None = None  # the run's logical text for /ActualText, when it is needed
    start: int = 0  # where the run starts in the line's logical text: the drawing order

    @property
    def text(self) -> str:
        """The run's characters, in logical order."""
        return self.run.text

    @property
    def glyphs(self) -> int:
        return len(self.run.glyphs)

    @property
    def spaces(self) -> int:
        """Glyphs PDF word spacing stretches (coded as the space, byte 32)."""
        return sum(1 for glyph in self.run.glyphs if glyph.key == " ")


@dataclass(frozen=True)
class Line:
    segments: tuple[Segment, ...]
    width: float
    spaces: int
    chars: int  # glyphs: what PDF character spacing stretches
    stretch: bool  # justified lines stretch; the last line of a paragraph does not


# The language of a script where it is the script of one of the six languages only: a
# stretch of it in a letter of another language is tagged with it. Latin is not: in an
# Arabic, Chinese or Russian letter it is a name, an address or an acronym, of no one
# language.
_SCRIPT_LANGUAGES = (("ARABIC", "ar"), ("CJK", "zh"), ("CYRILLIC", "ru"))
_LANGUAGE_OF = {Language.AR: "ar", Language.ZH: "zh", Language.RU: "ru"}


@reuse.memo(maxsize=4096)  # asked for each character of each personal paragraph
def _script_language(char: str) -> str | None:
    name = unicodedata.name(char, "")
    for script, lang in _SCRIPT_LANGUAGES:
        if name.startswith(script):
            return lang
    return None


def _languages(text: str, language: Language) -> list[str | None]:
    """Each character's language where it is not the letter's; neutral characters
    (spaces, digits, punctuation) between two of one language take it."""
    own = _LANGUAGE_OF.get(language)
    found = [_script_language(char) for char in text]
    found = [None if lang == own else lang for lang in found]
    strong = [i for i, char in enumerate(text) if unicodedata.category(char)[0] == "L"]
    for before, after in itertools.pairwise(strong):
        if after > before + 1 and found[before] is not None and found[before] == found[after]:
            found[before + 1 : after] = [found[before]] * (after - before - 1)
    return found


@reuse.memo(maxsize=_CACHE_SIZE)
def make_pieces(runs: tuple[Run, ...], style: TextStyle) -> tuple[Piece, ...]:
    chain = fonts.chain_for(style.language)
    pieces: list[Piece] = []
    for run in runs:
        bold, italic = run.bold or style.bold, run.italic or style.italic
        # NFC: a base letter and its combining accent drawn as one precomposed glyph.
        whole = unicodedata.normalize("NFC", run.text)
        if not run.href:
            whole = keep_together(whole, style.language)
        if style.align is Align.JUSTIFY and not run.href:
            whole = hyphenate(whole, style.language)
        families = [fonts.family_for(char, chain) or chain[0] for char in whole]
        if style.language.is_rtl:
            families = _latin_words_in_latin(whole, families)
        families = _spaces_in_their_words_face(whole, families)
        langs = _languages(whole, style.language)
        start = 0
        for end in range(1, len(whole) + 1):
            if end < len(whole) and (families[end], langs[end]) == (families[start], langs[start]):
                continue
            face = fonts.face(families[start], bold=bold, italic=italic)
            latin = style.language.is_rtl and families[start] is fonts.Family.NOTO_SANS
            size = style.size * style.latin_scale if latin else style.size
            pieces.append(
                Piece(whole[start:end], face.name, size, face.fake_bold, run.href, langs[start])
            )
            start = end
    return tuple(pieces)


def _spaces_in_their_words_face(text: str, families: list[fonts.Family]) -> list[fonts.Family]:
    """A space between two words of one face takes that face (the spaces of an Arabic
    name in an English letter are Amiri's): one run to shape, one piece to tag."""
    found = list(families)
    for index, char in enumerate(text):
        if char in " \u00a0" and 0 < index < len(text) - 1:
            before, after = found[index - 1], families[index + 1]
            if before == after:
                found[index] = before
    return found


def _latin_words_in_latin(text: str, families: list[fonts.Family]) -> list[fonts.Family]:
    """A Latin word in right-to-left text (its punctuation included) in the Latin face."""
    latin = latin_stretches(text)
    return [
        fonts.Family.NOTO_SANS if is_latin and fonts.covers(fonts.Family.NOTO_SANS, char) else f
        for char, f, is_latin in zip(text, families, latin, strict=True)
    ]


@dataclass(frozen=True)
class ShapedParagraph:
    """A paragraph's characters in logical order, each with its piece, bidi level and
    shaped width (a cluster's advance on its first character), and the glyph keys each
    font draws when the paragraph is shaped whole (what `RichText` gives codes to)."""

    chars: tuple[str, ...]
    tags: tuple[int, ...]
    levels: tuple[int, ...]
    widths: tuple[float, ...]
    keys: tuple[tuple[str, frozenset[str]], ...]


@reuse.memo(maxsize=_CACHE_SIZE)
def shaped_paragraph(pieces: tuple[Piece, ...], style: TextStyle) -> ShapedParagraph:
    chars: list[str] = []
    tags: list[int] = []
    for index, piece in enumerate(pieces):
        chars.extend(piece.text)
        tags.extend([index] * len(piece.text))
    text = "".join(chars)
    rtl = style.language.is_rtl
    char_levels = levels(text, rtl=rtl) if rtl or needs_bidi(text) else [0] * len(text)
    widths = [0.0] * len(text)
    keys: dict[str, set[str]] = {}
    for start, end, level, tag in _logical_runs(char_levels, tags):
        piece = pieces[tag]
        run = shape(text[start:end], piece.font, level % 2 == 1)
        scale = piece.size / 1000
        for offset, advance in enumerate(run.char_advances()):
            widths[start + offset] = advance * scale
        keys.setdefault(piece.font, set()).update(glyph.key for glyph in run.glyphs)
    return ShapedParagraph(
        tuple(chars),
        tuple(tags),
        tuple(char_levels),
        tuple(widths),
        tuple((font, frozenset(found)) for font, found in sorted(keys.items())),
    )


def _logical_runs(
    char_levels: Sequence[int], tags: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """(start, end, level, tag) where the level or the tag changes, in logical order."""
    found = []
    start = 0
    for index in range(1, len(tags) + 1):
        if index < len(tags) and (char_levels[index], tags[index]) == (
            char_levels[start],
            tags[start],
        ):
            continue
        found.append((start, index, char_levels[start], tags[start]))
        start = index
    return found


@reuse.memo(maxsize=None)
def char_width(font: str, char: str) -> float:
    """`char`'s width alone in `font`, shaped, in points per point of size (a space's,
    for what a justified line may stretch)."""
    return shape(char, font, False).advance / 1000


def _is_wide(char: str) -> bool:
    code = ord(char)
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF


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

    def __init__(self, pieces: tuple[Piece, ...], style: TextStyle) -> None:
        shaped = shaped_paragraph(pieces, style)
        self.pieces = pieces
        self.chars = list(shaped.chars)
        self.tags = list(shaped.tags)
        self.widths = list(shaped.widths)
        self.levels = shaped.levels
        self.style = style

    def lines(self, max_width: float) -> list[tuple[int, int, bool]]:
        """(start, end, last) ranges, trailing spaces and newlines excluded: the whole
        paragraph broken at once (total fit, `missive.render.fill`), with the shaped widths."""
        style = self.style
        text = Text(
            chars=self.chars,
            widths=self.widths,
            size=style.size,
            may_break=_may_break,
            is_wide=_is_wide,
            cjk=style.language is Language.ZH,
            hyphen_width=self._hyphen_width(),
            no_start=NO_START,
            scaling=0.0 if style.language is Language.ZH else GLYPH_SCALING,
        )
        widths = (max_width - style.first_indent, max_width)
        return fill(text, widths, justify=style.align is Align.JUSTIFY)

    def _hyphen_width(self) -> float:
        """The width of the hyphen a line broken at a soft hyphen ends with."""
        tag = next((t for c, t in zip(self.chars, self.tags, strict=True) if c == SOFT_HYPHEN), 0)
        return self._hyphen_segment(tag).width if self.pieces else 0.0

    def visual_line(self, start: int, end: int, last: bool) -> Line:
        """The line's runs in visual order, each shaped on its own; a line broken at a
        soft hyphen ends with a hyphen that reads as the soft hyphen it stands for (ISO
        32000-1, 14.8.2.2.3), so that text extraction joins the word again."""
        kept = [i for i in range(start, end) if self.chars[i] != SOFT_HYPHEN]
        text = "".join(self.chars[i] for i in kept)
        rtl = self.style.language.is_rtl
        base = 1 if rtl else 0
        line_levels = trailing_whitespace(text, [self.levels[i] for i in kept], base)
        tags = [self.tags[i] for i in kept]
        segments: list[Segment] = []
        for run_start, run_end, level, tag in runs(text, line_levels, tags):
            piece = self.pieces[tag]
            logical = text[run_start:run_end]
            shaped = shape(logical, piece.font, level % 2 == 1)
            if not shaped.glyphs:
                continue
            # A left-to-right run of a right-to-left line (a number, an address) is read
            # whole: text extraction would guess its order otherwise.
            actual = _visible(logical) if rtl and level % 2 == 0 else None
            width = shaped.advance * piece.size / 1000
            segments.append(Segment(shaped, tag, width, actual, run_start))
        if end > start and self.chars[end - 1] == SOFT_HYPHEN:
            segments.append(self._hyphen_segment(self.tags[end - 1], len(text)))
        return Line(
            segments=tuple(segments),
            width=sum(segment.width for segment in segments),
            spaces=sum(segment.spaces for segment in segments),
            chars=sum(segment.glyphs for segment in segments),
            stretch=not last,
        )

    def _hyphen_segment(self, tag: int, start: int = 0) -> Segment:
        piece = self.pieces[tag]
        shaped = shape("-", piece.font, False)
        return Segment(shaped, tag, shaped.advance * piece.size / 1000, SOFT_HYPHEN, start)


def _visible(text: str) -> str:
    return "".join(char for char in text if not fonts.is_invisible(char) and char != SOFT_HYPHEN)


def stretchable_spaces(text: str) -> int:
    """Spaces that PDF word spacing stretches (a no-break space is drawn as the space)."""
    return sum(1 for char in text if char in SPACES)


@reuse.memo(maxsize=_CACHE_SIZE)
def layout(pieces: tuple[Piece, ...], style: TextStyle, width: float) -> tuple[Line, ...]:
    """The lines of a paragraph. Cached: most paragraphs repeat from letter to letter."""
    breaker = _Breaker(pieces, style)
    return tuple(breaker.visual_line(*span) for span in breaker.lines(width))
