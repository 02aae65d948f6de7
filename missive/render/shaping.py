"""Text shaped by HarfBuzz with each font's own OpenType features, and what each glyph reads as.

Why HarfBuzz: Arabic needs its contextual forms, its ligatures and its marks placed over
and under their letters (GSUB and GPOS), which mapping letters to presentation forms
(arabic-reshaper, before) cannot do: it dropped the harakat and gave text extraction
presentation forms (U+FExx) instead of letters. Latin and Cyrillic get their kerning and
ligatures, Chinese its own widths; every script goes the same way.

A run is shaped in logical order with one face, one direction and one language (bidi
levels and faces are resolved before, `missive.render.bidi_runs`). The result is in
*visual* order, left to right, as PDF draws it; each glyph knows the character it comes
from (its cluster), its advance and its offset in thousandths of an em.

What a glyph reads as. PDF maps glyph codes back to text through the font's ToUnicode map,
one text per code. A glyph the font's character map gives for exactly the character it
was shaped from (most glyphs) is coded by that character, as before. Any other glyph (a
contextual form, a ligature, a mirrored bracket, a mark combination) is coded by a private
key, U+F0000 plus its glyph id, which ToUnicode maps to the text the font makes that glyph
from (found once per face by shaping each letter in its four joining contexts and the
ligatures a letter uses, see `_canonical_texts`), never to a presentation form. A cluster
whose glyphs do not read back as its characters in logical order (a base letter with its
marks, a mirrored bracket, a glyph two texts share) is marked for `/ActualText`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import uharfbuzz as hb

from missive.storage import reuse, startcache

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
PRIVATE_BASE = 0xF0000  # Supplementary Private Use Area-A: no font here maps it
UNKNOWN = "\ufffd"
NO_BREAK_SPACE = "\u00a0"
_CACHE_SIZE = 8192  # shaped runs; a letter has a few hundred, most shared by its language
_ZWJ = "\u200d"
# Ligatures a face forms from ordinary text, shaped once so their glyphs read as it.
_LIGATURE_PROBES = (
    "لا", "لأ", "لإ", "لآ", "الله", "لله", "ff", "fi", "fl", "ffi", "ffl", "ft", "fb", "fh", "fj",
    "fk", "tt", "st",
)  # fmt: skip
_CLOSURE_END = 0x2070  # alphabets and punctuation; CJK faces substitute none by default
_MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"


@dataclass(frozen=True, slots=True)
class Glyph:
    gid: int
    cluster: int  # index in the run's text of the first character it comes from
    advance: float  # how far the pen moves after it, in thousandths of an em
    dx: float  # where it is drawn from the pen, in thousandths of an em
    dy: float
    key: str  # the one character its code in a font subset is assigned by

    def __reduce__(self) -> tuple[type[Glyph], tuple[int, int, float, float, float, str]]:
        # Pickled as a call with the fields: the start-up cache holds some 25,000 glyphs,
        # and a slotted dataclass's own way back (`fields()` looked up for each) took
        # twice as long to read them (70 of the 140 ms of the kept layouts).
        return Glyph, (self.gid, self.cluster, self.advance, self.dx, self.dy, self.key)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Glyphs (visual order) that together draw `text` (logical order)."""

    glyphs: tuple[Glyph, ...]
    text: str
    actual: bool  # the glyphs' own texts do not read as `text`: needs /ActualText


@dataclass(frozen=True)
class ShapedRun:
    text: str  # logical order
    font: str  # the face's file stem, which is also its ReportLab name
    rtl: bool
    glyphs: tuple[Glyph, ...]  # visual order, left to right

    @cached_property
    def advance(self) -> float:
        """The run's width in thousandths of an em (asked for each line that draws it)."""
        return sum(glyph.advance for glyph in self.glyphs)

    def char_advances(self) -> tuple[float, ...]:
        """Per logical character, in thousandths of an em: a cluster's whole advance on
        its first character, nothing on the others (what line breaking adds up)."""
        advances = [0.0] * len(self.text)
        for glyph in self.glyphs:
            advances[glyph.cluster] += glyph.advance
        return tuple(advances)

    def clusters(self) -> tuple[Cluster, ...]:
        """The run's clusters in visual order."""
        return _clusters(self)

    @cached_property
    def plan(self) -> RunPlan:
        """How the run is written, worked out once (a run is written for every letter)."""
        return _plan(self)

    def cut(self, start: int, end: int) -> ShapedRun:
        """The glyphs of the characters `start` to `end`, as a run of their own (a line's
        part of a paragraph's run; clusters are never split)."""
        glyphs = tuple(
            Glyph(g.gid, g.cluster - start, g.advance, g.dx, g.dy, g.key)
            for g in self.glyphs
            if start <= g.cluster < end
        )
        return ShapedRun(self.text[start:end], self.font, self.rtl, glyphs)


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What writing a run needs beyond its glyphs' codes: the keys to code, where the pen
    moves other than by a glyph's own width (glyph index, thousandths of an em, positive
    to the left as in a TJ array), and whether any glyph is raised or any cluster needs
    /ActualText (then each glyph is written on its own)."""

    keys: str
    shifts: tuple[tuple[int, float], ...]
    raised: bool
    actual: bool


class ShapingFace:
    """One font file as HarfBuzz shapes with it, and the text of each glyph it draws."""

    def __init__(self, stem: str) -> None:
        self.stem = stem
        path = FONT_DIR / f"{stem}.ttf"
        data = path.read_bytes()
        self.fingerprint = startcache.file_fingerprint(path)
        self.face = hb.Face(hb.Blob(data))
        self.font = hb.Font(self.face)
        self.upem = self.face.upem
        self._scale: float = 1000 / self.upem

    def nominal(self, char: str) -> int | None:
        glyph: int | None = self.font.get_nominal_glyph(ord(char))
        return glyph

    def width(self, gid: int) -> float:
        """The glyph's own advance (hmtx), in thousandths of an em: what PDF moves by."""
        return float(self.font.get_glyph_h_advance(gid)) * self._scale

    @cached_property
    def _chars_of(self) -> dict[int, str]:
        """Glyph id -> the lowest character the character map gives it."""
        found: dict[int, str] = {}
        for point in sorted(self.face.unicodes):
            gid = self.font.get_nominal_glyph(point)
            if gid is not None and gid not in found and not _is_presentation_form(point):
                found[gid] = chr(point)
        return found

    @cached_property
    def _canonical(self) -> dict[int, str]:
        """Kept in the start-up cache: finding them takes 0.1 to 0.4 s a face."""
        version = f"glyph texts 1 harfbuzz {hb.version_string()}"
        return startcache.kept("glyph-texts", self.fingerprint, version, self._find_canonical)

    def _find_canonical(self) -> dict[int, str]:
        return _canonical_texts(self)

    def key(self, gid: int, text: str) -> str:
        """The character a glyph drawn for `text` is coded by (see the module's doc).

        A no-break space is coded as the space when the two are as wide: PDF's word
        spacing stretches only the space's code, and justified lines stretch both."""
        if text == NO_BREAK_SPACE and self._blank_as_space(gid):
            return " "
        if len(text) == 1 and self.nominal(text) == gid:
            return text
        own = self._chars_of.get(gid)
        # A presentation form ("ﬃ", U+FEFB) is no text: its glyph is coded privately.
        return own if own is not None else chr(PRIVATE_BASE + gid)

    def _blank_as_space(self, gid: int) -> bool:
        space = self.nominal(" ")
        return space is not None and self.width(space) == self.width(gid)

    def text_of(self, key: str) -> str:
        """What a glyph coded by `key` reads as (its ToUnicode text)."""
        point = ord(key)
        if point < PRIVATE_BASE:
            return key
        return self._canonical.get(point - PRIVATE_BASE, UNKNOWN)

    def gid_of(self, key: str) -> int:
        point = ord(key)
        if point >= PRIVATE_BASE:
            return point - PRIVATE_BASE
        return self.nominal(key) or 0

    def raw_shape(self, text: str, rtl: bool, language: str | None) -> list[tuple[int, int]]:
        """(glyph id, cluster) of `text` shaped alone: for finding canonical texts."""
        buffer = _buffer(text, rtl, language)
        hb.shape(self.font, buffer, {})
        return [(info.codepoint, info.cluster) for info in buffer.glyph_infos]


def _buffer(text: str, rtl: bool, language: str | None) -> hb.Buffer:
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES  # isolates, joiners: not drawn
    buffer.direction = "rtl" if rtl else "ltr"
    if language:
        buffer.language = language
    return buffer


@reuse.once
def face(stem: str) -> ShapingFace:
    return ShapingFace(stem)


def _canonical_texts(shaping: ShapingFace) -> dict[int, str]:
    """Glyph id -> the text the face draws it for, for glyphs no character maps to.

    Found in a fixed order, so the answer is the same in every process: first every glyph
    a character's own glyph becomes through the face's one-to-one substitutions
    (contextual and positional forms, alternates: GSUB lookup types 1 and 3, breadth
    first from the characters in code point order), then the ligatures of
    `_LIGATURE_PROBES` and the mark combinations, shaped. A glyph two texts could give
    keeps the first; drawn for the other, it gets /ActualText (`Cluster.actual`).
    """
    found: dict[int, str] = {}
    queue: list[int] = []
    for point in sorted(shaping.face.unicodes):
        if point < _CLOSURE_END:
            gid = shaping.font.get_nominal_glyph(point)
            if gid is not None and gid not in found and not _is_presentation_form(point):
                found[gid] = chr(point)
                queue.append(gid)
    lookups = _single_lookups(shaping.face)
    index = 0
    while index < len(queue):
        gid = queue[index]
        index += 1
        for lookup in lookups:
            for other in shaping.face.get_lookup_glyph_alternates(lookup, gid):
                if other not in found:
                    found[other] = found[gid]
                    queue.append(other)
    probes = [(word, 0, len(word)) for word in _LIGATURE_PROBES]
    probes += [("ب" + mark, 1, 2) for mark in _MARKS]
    probes += [("ب" + _MARKS[6] + mark, 1, 3) for mark in _MARKS if mark != _MARKS[6]]
    for text, start, end in probes:
        rtl = any("\u0600" <= char <= "\u06ff" for char in text)
        glyphs = shaping.raw_shape(text, rtl, None)
        inside = [gid for gid, cluster in glyphs if start <= cluster < end]
        if len(inside) == 1 and all(c == start for g, c in glyphs if g in inside):
            found.setdefault(inside[0], text[start:end])
    return found


def _is_presentation_form(point: int) -> bool:
    return 0xFB00 <= point <= 0xFDFF or 0xFE70 <= point <= 0xFEFF


def _single_lookups(faced: hb.Face) -> list[int]:
    """The indices of the GSUB lookups that replace one glyph by one (types 1 and 3,
    directly or through an extension, type 7), read from the table's header."""
    data = faced.reference_table("GSUB").data
    if len(data) < 10:
        return []
    lookup_list = int.from_bytes(data[8:10], "big")
    count = int.from_bytes(data[lookup_list : lookup_list + 2], "big")
    found = []
    for index in range(count):
        at = lookup_list + 2 + 2 * index
        lookup = lookup_list + int.from_bytes(data[at : at + 2], "big")
        kind = int.from_bytes(data[lookup : lookup + 2], "big")
        if kind == 7:  # extension: the real type is in its first subtable
            subtable = lookup + int.from_bytes(data[lookup + 6 : lookup + 8], "big")
            kind = int.from_bytes(data[subtable + 2 : subtable + 4], "big")
        if kind in (1, 3):
            found.append(index)
    return found


@reuse.memo(maxsize=_CACHE_SIZE)
def shape(text: str, stem: str, rtl: bool, language: str | None = None) -> ShapedRun:
    """`text` (logical order, one face, one direction) shaped by HarfBuzz."""
    shaping = face(stem)
    buffer = _buffer(text, rtl, language)
    hb.shape(shaping.font, buffer, {})
    infos, positions = buffer.glyph_infos, buffer.glyph_positions
    ends = _cluster_ends([info.cluster for info in infos], len(text))
    scale = 1000 / shaping.upem
    glyphs = []
    for info, position in zip(infos, positions, strict=True):
        cluster = info.cluster
        glyphs.append(
            Glyph(
                gid=info.codepoint,
                cluster=cluster,
                advance=position.x_advance * scale,
                dx=position.x_offset * scale,
                dy=position.y_offset * scale,
                key=shaping.key(info.codepoint, _visible(text[cluster : ends[cluster]])),
            )
        )
    return ShapedRun(text, stem, rtl, tuple(glyphs))


@reuse.memo(maxsize=_CACHE_SIZE)
def _clusters(run: ShapedRun) -> tuple[Cluster, ...]:
    """Kept: a run is written again for every letter that draws its line."""
    shaping = face(run.font)
    ends = _cluster_ends([glyph.cluster for glyph in run.glyphs], len(run.text))
    clusters: list[Cluster] = []
    for glyphs in _groups(run.glyphs):
        start = glyphs[0].cluster
        text = run.text[start : ends[start]]
        if len(text) > 1 or unicodedata.category(text) == "Cf":
            text = _visible(text)
        if len(glyphs) == 1:
            read = shaping.text_of(glyphs[0].key)
        else:
            logical = reversed(glyphs) if run.rtl else glyphs
            read = "".join(shaping.text_of(glyph.key) for glyph in logical)
        actual = read != text and read != text.replace(NO_BREAK_SPACE, " ")
        clusters.append(Cluster(glyphs, text, actual))
    return tuple(clusters)


_EPSILON = 0.005  # thousandths of an em: below this a position difference is not written


def _plan(run: ShapedRun) -> RunPlan:
    shaping = face(run.font)
    shifts: dict[int, float] = {}
    for index, glyph in enumerate(run.glyphs):
        before = glyph.dx
        after = glyph.advance - shaping.width(glyph.gid) - before
        if abs(before) > _EPSILON:
            shifts[index] = shifts.get(index, 0.0) - before
        if abs(after) > _EPSILON:
            shifts[index + 1] = shifts.get(index + 1, 0.0) - after
    return RunPlan(
        keys="".join(glyph.key for glyph in run.glyphs),
        shifts=tuple(sorted(shifts.items())),
        raised=any(glyph.dy for glyph in run.glyphs),
        actual=any(cluster.actual for cluster in run.clusters()),
    )


def _cluster_ends(clusters: list[int], length: int) -> dict[int, int]:
    """Cluster start -> the end of its characters (the next cluster's start)."""
    starts = sorted(set(clusters))
    return dict(zip(starts, [*starts[1:], length], strict=False))


def _visible(text: str) -> str:
    """`text` without the controls HarfBuzz draws nothing for (bidi isolates, joiners)."""
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def _has_marks(text: str) -> bool:
    return any(unicodedata.category(char) == "Mn" for char in text)


def _groups(glyphs: tuple[Glyph, ...]) -> Iterator[tuple[Glyph, ...]]:
    start = 0
    for index in range(1, len(glyphs) + 1):
        if index == len(glyphs) or glyphs[index].cluster != glyphs[start].cluster:
            yield glyphs[start:index]
            start = index
