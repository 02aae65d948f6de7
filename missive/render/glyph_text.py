"""Shaped runs written as PDF text: glyph codes through ReportLab's font subsets, TJ arrays
for HarfBuzz's positions, /ActualText where glyphs do not read as their characters.

Why through ReportLab's subsets and not a font of our own (a CID font with Identity-H,
glyph ids as codes): ReportLab already cuts, caches and shares subsets between letters
(`missive.render.fonts`, `kept_subsets`), writes their width arrays and ToUnicode maps,
and its one-byte codes keep code 32 as the space, so justified lines stretch with the
PDF's own word spacing (`Tw`, which a two-byte encoding never applies). A glyph is given
a code by the character `shaping.Glyph.key` names: its own character for most glyphs, a
private key (U+F0000 + glyph id) for the glyphs only OpenType reaches, which this module
registers in ReportLab's face (`_register_private`) and maps to their text in the
ToUnicode map (`to_unicode_cmap`).

ReportLab 5.1's own shaping (`ttfonts.shapeFragWord`) was the other route: it codes a
glyph by the first character the font maps to it, or by a private-use character it
allocates in order of use, and puts those characters in the ToUnicode map, so text
extraction reads Arabic presentation forms (U+FExx) or private-use characters, never
the letters; it writes no /ActualText, and the codes depend on the order letters were
drawn in a process. See docs/render.md.

A line is written in visual order (left to right), each glyph at the pen's position plus
its offset: the TJ array moves the pen by the difference between HarfBuzz's advance and
the glyph's own width (which PDF adds), and a mark's vertical offset is a text rise (`Ts`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfmetrics

from missive.render import reportlab_seam as seam
from missive.render.bidi_runs import levels, runs
from missive.render.shaping import PRIVATE_BASE, Cluster, Glyph, ShapedRun, face, shape

_EPSILON = 0.005  # thousandths of an em: below this a position difference is not written


def utf16_hex(text: str) -> str:
    """A PDF text string in UTF-16BE with its byte order mark, as a hex string."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def register_keys(font_name: str, keys: Iterable[str]) -> None:
    """Give ReportLab's face a character for each glyph only OpenType reaches, so that
    `splitString` assigns it a code and `makeSubset` cuts its outline (process-wide, and
    the same in every process: a private key names its glyph)."""
    font: Any = pdfmetrics.getFont(font_name)
    faced = font.face
    shaping = None
    for key in keys:
        point = ord(key)
        if point < PRIVATE_BASE or point in faced.charToGlyph:
            continue
        shaping = shaping or face(font_name)
        faced.charToGlyph[point] = point - PRIVATE_BASE
        faced.charWidths[point] = shaping.width(point - PRIVATE_BASE)


@dataclass
class GlyphWriter:
    """Operators of one text object (the caller writes BT and ET around them)."""

    doc: Any  # ReportLab's PDFDocument: fonts assign their codes per document
    ops: list[str] = field(default_factory=list)
    _font: tuple[str, float] | None = None
    _rise: float = 0.0
    _pending: list[str] = field(default_factory=list)  # items of the TJ array being built
    _codes_run: list[int] = field(default_factory=list)  # codes of the string being built
    _shifts: list[int] = field(default_factory=list)  # where `_pending` holds numbers
    _names: dict[tuple[str, int], str] = field(default_factory=dict)  # subsets' names

    def run(
        self,
        run: ShapedRun,
        size: float,
        origin: tuple[float, float],
        *,
        actual_text: str | None = None,
        spacing: tuple[float, float] = (0.0, 0.0),
    ) -> float:
        """Write `run` from `origin` (its left end on the baseline); returns its width.

        `actual_text`: the run's text as a whole (its clusters then carry none of their
        own). `spacing`: word and character spacing in force (Tw, Tc), counted in the
        width returned."""
        word_space, char_space = spacing
        font = pdfmetrics.getFont(run.font)
        plan = run.plan
        self.flush()
        self.ops.append(f"1 0 0 1 {fp_str(origin[0])} {fp_str(origin[1])} Tm")
        if actual_text is not None:
            self.ops.append(f"/Span <</ActualText {utf16_hex(actual_text)}>> BDC")
        if plan.raised or (plan.actual and actual_text is None):
            codes = iter(self._codes(font, run))
            width = 0.0
            for cluster in run.clusters():
                width += self._cluster(font, size, cluster, codes, own=actual_text is None)
        else:
            width = self._plain(font, size, run)
        self.flush()
        self._set_rise(0.0)
        if actual_text is not None:
            self.ops.append("EMC")
        stretch = sum(1 for glyph in run.glyphs if glyph.key == " ") * word_space
        return width * size / 1000 + stretch + len(run.glyphs) * char_space

    def _plain(self, font: Any, size: float, run: ShapedRun) -> float:
        """A run with nothing raised and no /ActualText of its own: its codes in chunks
        between the places the pen moves (what `_glyph` writes glyph by glyph)."""
        plan = run.plan
        register_keys(run.font, plan.keys)
        shifts = plan.shifts
        next_shift = 0
        at = 0  # glyphs written
        for subset, codes in seam.split_string(font, plan.keys, self.doc):
            self._use(font, subset, size)
            start = 0
            while next_shift < len(shifts) and shifts[next_shift][0] < at + len(codes):
                index, amount = shifts[next_shift]
                self._codes_run.extend(codes[start : index - at])
                self._shift(amount)
                start = index - at
                next_shift += 1
            self._codes_run.extend(codes[start:])
            at += len(codes)
        for _, amount in shifts[next_shift:]:  # after the last glyph
            self._shift(amount)
        return sum(glyph.advance for glyph in run.glyphs)

    def _use(self, font: Any, subset: int, size: float) -> None:
        """Select the font subset (Tf) if it is not the one in use."""
        name = self._names.get((font.fontName, subset))
        if name is None:
            name = self._names[font.fontName, subset] = font.getSubsetInternalName(subset, self.doc)
        if self._font != (name, size):
            self.flush()
            self.ops.append(f"{name} {fp_str(size)} Tf")
            self._font = (name, size)

    def _codes(self, font: Any, run: ShapedRun) -> list[tuple[int, int]]:
        """(subset, code) of each glyph, from one `splitString` for the run."""
        keys = "".join(glyph.key for glyph in run.glyphs)
        register_keys(run.font, keys)
        split = seam.split_string(font, keys, self.doc)
        return [(subset, code) for subset, codes in split for code in codes]

    def _cluster(
        self,
        font: Any,
        size: float,
        cluster: Cluster,
        codes: Iterator[tuple[int, int]],
        *,
        own: bool,
    ) -> float:
        marked = own and cluster.actual
        if marked:
            self.flush()
            self.ops.append(f"/Span <</ActualText {utf16_hex(cluster.text)}>> BDC")
        width = 0.0
        for glyph in cluster.glyphs:
            self._glyph(font, size, glyph, next(codes))
            width += glyph.advance
        if marked:
            self.flush()
            self._set_rise(0.0)
            self.ops.append("EMC")
        return width

    def _glyph(self, font: Any, size: float, glyph: Glyph, coded: tuple[int, int]) -> None:
        subset, code = coded
        self._use(font, subset, size)
        if glyph.dy or self._rise:
            rise = glyph.dy * size / 1000
            if abs(rise - self._rise) > _EPSILON * size / 1000:
                self.flush()
                self._set_rise(rise)
        before = glyph.dx
        after = glyph.advance - font.face.getCharWidth(ord(glyph.key)) - before
        if before > _EPSILON or before < -_EPSILON:
            self._shift(-before)
        self._codes_run.append(code)
        if after > _EPSILON or after < -_EPSILON:
            self._shift(-after)

    def _shift(self, amount: float) -> None:
        """A TJ number: the pen moved by `amount` thousandths of an em (left if positive)."""
        pending = self._pending
        if self._codes_run:
            pending.append(f"({escapePDF(bytes(self._codes_run).decode('latin-1'))})")
            self._codes_run.clear()
            pending.append(fp_str(amount))
            self._shifts.append(len(pending) - 1)
        elif self._shifts and self._shifts[-1] == len(pending) - 1:
            pending[-1] = fp_str(float(pending[-1]) + amount)  # two in a row: one number
        else:
            pending.append(fp_str(amount))
            self._shifts.append(len(pending) - 1)

    def _set_rise(self, rise: float) -> None:
        if rise != self._rise:
            self.ops.append(f"{fp_str(rise)} Ts")
            self._rise = rise

    def flush(self) -> None:
        if self._codes_run:
            self._pending.append(f"({escapePDF(bytes(self._codes_run).decode('latin-1'))})")
            self._codes_run.clear()
        if self._pending:
            self.ops.append(f"[{' '.join(self._pending)}] TJ")
            self._pending = []
            self._shifts = []

    def code(self) -> str:
        self.flush()
        return "\n".join(self.ops)


def to_unicode_cmap(base_font_name: str, subset: Sequence[int]) -> str:
    """ReportLab's ToUnicode map of a subset, with each private key mapped to its
    glyph's text, every text in UTF-16 (a key above U+FFFF included) and the unused
    codes (character 0) left out, which PDF/A-2u requires."""
    stem = base_font_name.split("+", 1)[-1]
    shaping = face(stem)
    entries = []
    for code, point in enumerate(subset):
        if point == 0:
            continue
        text = shaping.text_of(chr(point))
        entries.append(f"<{code:02X}> <{text.encode('utf-16-be').hex().upper()}>")
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({base_font_name})",
        f"/Ordering ({base_font_name})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{base_font_name} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
    ]
    for start in range(0, len(entries), 100):  # at most 100 entries per block (PDF spec)
        block = entries[start : start + 100]
        lines += [f"{len(block)} beginbfchar", *block, "endbfchar"]
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def write_line(
    writer: GlyphWriter,
    text: str,
    *,
    rtl: bool,
    faces: Sequence[str],
    size: float,
    origin: tuple[float, float],
) -> float:
    """One line of logical `text` (`faces`: each character's face), from its left end:
    bidi runs in visual order, each shaped in its direction. A left-to-right run of a
    right-to-left line (a number, an address) carries its text as /ActualText, which
    text extraction then reads whole instead of guessing its order. Returns the width."""
    char_levels = levels(text, rtl=rtl)
    x, y = origin
    for start, end, level, stem in runs(text, char_levels, faces):
        run = shape(text[start:end], stem, level % 2 == 1)
        if not run.glyphs:
            continue
        whole = None
        if rtl and level % 2 == 0:
            whole = "".join(c for c in text[start:end] if unicodedata.category(c) != "Cf")
        x += writer.run(run, size, (x, y), actual_text=whole)
    return x - origin[0]
