"""A letter's lines read back from its PDF, with the block of the composed letter each
belongs to, and the typographic faults a UN editor looks for.

Used by the line and page breaking tests and by bench/typography.py, for missive's PDFs and
Typst's alike: everything is measured on the glyphs' positions (pdfplumber), nothing on how
the PDF was written. A line is the glyphs of a page on one baseline; the blocks of the
composed letter (letterhead, date, header, addressee, subject, salutation, paragraphs,
closing, signatures) are matched to the lines in order by their letters and digits alone,
counted regardless of order, so Arabic lines (drawn in visual order, with presentation
forms) match their logical text too.
"""

from __future__ import annotations

import io
import itertools
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

import pdfplumber
from fontTools.ttLib import TTFont

from missive.model import BulletList, ComposedLetter, Language, Paragraph

FONT_DIR = Path(__file__).resolve().parent.parent / "missive" / "fonts"
FOOTER_ZONE = 21 * 72 / 25.4  # baselines this close to the page's foot are page labels
HYPHENS = frozenset("-\u2010\u00ad")
LOOSE = 1.5  # a word space over 150 % of the font's own is loose
CJK_LOOSE = 0.1  # ideographs spaced apart by more than a tenth of an em are letter-spaced
WORD_GAP = 0.12  # of the size: a gap wider than this between two glyphs is a word space


class Kind(StrEnum):
    LETTERHEAD = "letterhead"
    ADDRESS = "address"
    SUBJECT = "subject"
    BODY = "body"
    CLOSING = "closing"
    OTHER = "other"


@dataclass(frozen=True)
class Glyph:
    text: str
    x0: float
    x1: float
    size: float
    font: str


@dataclass(frozen=True)
class PdfLine:
    page: int  # from 1
    baseline: float  # from the page's top
    glyphs: tuple[Glyph, ...]  # left to right

    @property
    def text(self) -> str:
        return "".join(glyph.text for glyph in self.glyphs)

    @property
    def size(self) -> float:
        return max(glyph.size for glyph in self.glyphs)

    @property
    def ends_with_hyphen(self) -> bool:
        inked = [glyph.text for glyph in self.glyphs if not glyph.text.isspace()]
        return len(inked) > 1 and inked[-1] in HYPHENS and inked[-2].isalpha()

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass
class Block:
    kind: Kind
    text: str
    lines: list[PdfLine] = field(default_factory=list)


def _key(text: str) -> Counter[str]:
    """The letters and digits of `text`, as a reader would count them."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return Counter(
        char
        for char in folded
        if unicodedata.category(char)[0] in "LN" and char != "\u0640"  # tatweel
    )


def read_lines(data: bytes) -> list[PdfLine]:
    """Every line of every page, top to bottom, page labels at the foot left out."""
    lines: list[PdfLine] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            rows: dict[int, list[Glyph]] = {}
            for char in page.chars:
                baseline = page.height - char["matrix"][5]
                if page.height - baseline < FOOTER_ZONE:
                    continue
                glyph = Glyph(char["text"], char["x0"], char["x1"], char["size"], char["fontname"])
                row = round(baseline * 2)  # half-point rows: one baseline whatever the face
                found = next((r for r in (row, row - 1, row + 1) if r in rows), row)
                rows.setdefault(found, []).append(glyph)
            _merge_marks(rows)
            for row in sorted(rows):
                glyphs = tuple(sorted(rows[row], key=lambda glyph: glyph.x0))
                lines.append(PdfLine(number, row / 2, glyphs))
    return lines


def _merge_marks(rows: dict[int, list[Glyph]]) -> None:
    """A cluster raised or lowered by its marks (Arabic harakat placed by GPOS) is a row of
    a few glyphs near a full one: it belongs to that one."""
    for row in sorted(rows, key=lambda row: len(rows[row])):
        glyphs = rows[row]
        if len(glyphs) > 3:
            break
        near = [other for other in rows if other != row and len(rows[other]) > 3]
        if not near:
            continue
        nearest = min(near, key=lambda other: abs(other - row))
        if abs(nearest - row) / 2 < 0.45 * max(glyph.size for glyph in glyphs):
            rows[nearest].extend(rows.pop(row))


def letter_blocks(composed: ComposedLetter) -> list[Block]:
    """The composed letter's blocks in reading order, each text as it is drawn."""
    blocks = [Block(Kind.LETTERHEAD, line) for line in composed.organization.split("\n")]
    blocks.append(Block(Kind.OTHER, composed.date_text))
    blocks += [Block(Kind.OTHER, f"{f.label} {f.value}") for f in composed.header_fields]
    blocks += [Block(Kind.ADDRESS, line) for line in composed.addressee if line.strip()]
    if composed.distribution_heading:
        blocks.append(Block(Kind.OTHER, composed.distribution_heading))
    blocks += [Block(Kind.OTHER, group) for group in composed.distribution]
    blocks += [Block(Kind.SUBJECT, line) for line in composed.subject.split("\n")]
    blocks.append(Block(Kind.OTHER, composed.salutation))
    for block in composed.body:
        if isinstance(block, Paragraph):
            blocks.append(Block(Kind.BODY, "".join(run.text for run in block.runs)))
        elif isinstance(block, BulletList):
            for item in block.items:
                blocks.append(Block(Kind.BODY, "".join(run.text for run in item)))
    blocks.append(Block(Kind.CLOSING, composed.closing))
    signatures = " ".join(
        " ".join((s.signed_marker, s.name, *s.title_lines, s.organization))
        for s in composed.signatories
    )
    blocks.append(Block(Kind.OTHER, signatures))
    return blocks


def _surplus(line: Counter[str], remaining: Counter[str]) -> int:
    return sum((line - remaining).values())


def assign(blocks: Sequence[Block], lines: Sequence[PdfLine]) -> list[Block]:
    """Give each block the lines that spell it, in order (a block whose text is not found
    within a few lines of where it should start keeps no line)."""
    steps = _line_steps(lines)
    position = 0
    for block in blocks:
        remaining = _key(block.text)
        for start in range(position, min(position + 4, len(lines))):
            first = _key(lines[start].text)
            if first and _surplus(first, remaining) <= 2 + first.total() // 10:
                break
        else:
            continue
        index = start
        while index < len(lines) and (index == start or remaining.total() > 0):
            found = _key(lines[index].text)
            fits = _surplus(found, remaining) <= 2 + found.total() // 6
            mostly = 5 * (found & remaining).total() >= 4 * found.total()
            if index > start and not (fits and mostly and _follows(lines, index, steps)):
                break
            block.lines.append(lines[index])
            remaining -= found
            index += 1
        position = index
    return list(blocks)


def _line_steps(lines: Sequence[PdfLine]) -> dict[float, float]:
    """Per text size, the most common distance between two baselines: the leading of
    lines of one paragraph (paragraphs are further apart, in both engines)."""
    gaps: dict[float, Counter[float]] = {}
    for before, after in itertools.pairwise(lines):
        if before.page == after.page and before.size == after.size:
            gap = round((after.baseline - before.baseline) * 2) / 2
            gaps.setdefault(after.size, Counter())[gap] += 1
    return {size: counts.most_common(1)[0][0] for size, counts in gaps.items()}


def _follows(lines: Sequence[PdfLine], index: int, steps: dict[float, float]) -> bool:
    """Whether line `index` continues the paragraph of the line before it."""
    before, line = lines[index - 1], lines[index]
    if before.page != line.page:
        return True
    step = steps.get(line.size)
    return step is None or abs(line.baseline - before.baseline - step) <= 0.75


@cache
def natural_space(font: str) -> float:
    """The advance of the space of a PDF font (subset prefix ignored), in ems."""
    name = font.split("+", 1)[-1]
    for path in sorted(FONT_DIR.glob("*.ttf")):
        face = TTFont(path, lazy=True)
        if face["name"].getDebugName(6) == name or path.stem == name:
            space = face.getBestCmap().get(32)
            if space is not None:
                return float(face["hmtx"][space][0]) / float(face["head"].unitsPerEm)
    return 0.26  # Noto Sans'


def _is_ideograph(text: str) -> bool:
    return len(text) == 1 and unicodedata.category(text) == "Lo" and 0x2E80 <= ord(text) <= 0x9FFF


def word_space_ratio(line: PdfLine) -> float | None:
    """The line's middle word space over the font's own (None: no word space)."""
    inked = [glyph for glyph in line.glyphs if not glyph.text.isspace()]
    gaps = []
    for before, after in itertools.pairwise(inked):
        gap = after.x0 - before.x1
        if gap > WORD_GAP * before.size:
            gaps.append(gap / (natural_space(before.font) * before.size))
    return statistics.median(gaps) if gaps else None


def letter_spacing(line: PdfLine) -> float | None:
    """The middle space added between two ideographs of the line, in ems."""
    gaps = [
        (after.x0 - before.x1) / before.size
        for before, after in zip(line.glyphs, line.glyphs[1:], strict=False)
        if _is_ideograph(before.text) and _is_ideograph(after.text)
    ]
    return statistics.median(gaps) if gaps else None


def is_loose(line: PdfLine, language: Language) -> bool:
    if language is Language.ZH:
        spacing = letter_spacing(line)
        return spacing is not None and spacing > CJK_LOOSE
    ratio = word_space_ratio(line)
    return ratio is not None and ratio > LOOSE


def is_runt(line: PdfLine, language: Language) -> bool:
    """A last line of one word (two characters or fewer in Chinese)."""
    if language is Language.ZH:
        return _key(line.text).total() <= 2
    return len(line.words) == 1


def first_lines_of_pages(lines: Iterable[PdfLine]) -> Iterator[PdfLine]:
    page = 0
    for line in lines:
        if line.page != page:
            page = line.page
            yield line


class Fault(StrEnum):
    HYPHENATED = "hyphenated lines"
    HYPHEN_RUNS = "runs of 3+ hyphens"
    FRAGMENT_END = "ends on a fragment"
    LOOSE = "loose lines"
    ONE_CHARACTER_END = "1-character last lines"
    WIDOW = "widows"
    ORPHAN = "orphans"
    CLOSING_OPENS_PAGE = "page opens on closing"
    RUNT = "runts (subject, letterhead)"
    JUSTIFIED_ADDRESS = "justified address lines"
    UNMATCHED = "blocks not found"


def read_letter(composed: ComposedLetter, data: bytes) -> list[Block]:
    return assign(letter_blocks(composed), read_lines(data))


def faults(composed: ComposedLetter, data: bytes) -> Counter[Fault]:
    """How often each rule is broken in one letter's PDF."""
    language = composed.language
    blocks = read_letter(composed, data)
    found: Counter[Fault] = Counter()
    for block in blocks:
        if not block.lines:
            found[Fault.UNMATCHED] += 1
        elif block.kind is Kind.BODY:
            found.update(paragraph_faults(block.lines, language))
        elif block.kind in (Kind.SUBJECT, Kind.LETTERHEAD):
            runt = len(block.lines) > 1 and is_runt(block.lines[-1], language)
            found[Fault.RUNT] += runt
        elif block.kind is Kind.ADDRESS:
            found[Fault.JUSTIFIED_ADDRESS] += sum(
                (word_space_ratio(line) or 0.0) > 1.1 for line in block.lines[:-1]
            )
    opening = {id(line) for line in first_lines_of_pages(_all_lines(blocks)) if line.page > 1}
    for block in blocks:
        if block.kind is Kind.CLOSING and block.lines and id(block.lines[0]) in opening:
            found[Fault.CLOSING_OPENS_PAGE] += 1
    return found


def _all_lines(blocks: Iterable[Block]) -> list[PdfLine]:
    lines = [line for block in blocks for line in block.lines]
    return sorted(lines, key=lambda line: (line.page, line.baseline))


def _extent(line: PdfLine) -> float:
    inked = [glyph for glyph in line.glyphs if not glyph.text.isspace()]
    return inked[-1].x1 - inked[0].x0 if inked else 0.0


def _measure(lines: Sequence[PdfLine]) -> float:
    """The width the paragraph is justified to: its widest line's."""
    return max(_extent(line) for line in lines)


def paragraph_faults(lines: Sequence[PdfLine], language: Language) -> Counter[Fault]:
    found: Counter[Fault] = Counter()
    hyphenated = [line.ends_with_hyphen for line in lines[:-1]]
    found[Fault.HYPHENATED] = sum(hyphenated)
    run = 0
    for flag in [*hyphenated, False]:
        if not flag and run >= 3:
            found[Fault.HYPHEN_RUNS] += 1
        run = run + 1 if flag else 0
    found[Fault.FRAGMENT_END] = int(
        bool(hyphenated) and hyphenated[-1] and _extent(lines[-1]) < 0.5 * _measure(lines)
    )
    found[Fault.LOOSE] = sum(is_loose(line, language) for line in lines[:-1])
    if language is Language.ZH and len(lines) > 1:
        found[Fault.ONE_CHARACTER_END] = int(_key(lines[-1].text).total() <= 1)
    pages = Counter(line.page for line in lines)
    if len(pages) > 1:
        first, last = min(pages), max(pages)
        found[Fault.ORPHAN] = int(pages[first] == 1)
        found[Fault.WIDOW] = int(pages[last] == 1)
    return found
