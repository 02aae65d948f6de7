"""Every use missive makes of ReportLab's internals, in one place.

missive draws with ReportLab's public API (platypus flowables, the canvas, registered
TrueType fonts) and, for speed and for byte-for-byte determinism, relies on some of its
undocumented parts: the page's code list, a frame's position, a font's per-document
codes, how a document writes its streams. They are all here, so that an upgrade of
ReportLab is checked in one module (and by the golden hashes, `tests/test_golden.py`):

- the tested versions (`TESTED`): importing this module with another ReportLab is an error;
- missive's own document, canvas and doc template (`LetterPDF`, `LetterCanvas`,
  `LetterDocTemplate`): streams Flate-compressed at level 1 without ASCII85, the letter's
  date as creation date, a hook when the story ends; nothing of ReportLab is replaced for
  other documents of the process (`tests/test_reportlab_seam.py`);
- a font made from parsed tables (`font_from_tables`), and the face whose subsets a
  cache may cut (`KeptFace`);
- what the replay of drawn paragraphs and endings reads and writes (`page_code`,
  `font_state`, `ending_position`, `next_page`, `copy_codes`...).
"""

from __future__ import annotations

import copy
import datetime as dt
import struct
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, MutableSequence, Sequence
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import reportlab
from reportlab import rl_config
from reportlab.lib.rl_accel import asciiBase85Decode, fp_str
from reportlab.lib.utils import TimeStamp, isSeq
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTEncoding, TTFont, TTFontFace
from reportlab.pdfbase.ttfonts import makeToUnicodeCMap as makeCMap
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame

from missive.errors import RenderError
from missive.render.pdf_values import Indirect, Outside, Value, object_body, syntax
from missive.storage import reuse

# The ReportLab versions this module was read against and the golden hashes pass with:
# from TESTED[0] included to TESTED[1] excluded (pyproject.toml pins the same range).
TESTED = ((5, 1), (5, 2))


class ReportLabVersionError(RenderError):
    """The installed ReportLab is not one missive was tested with."""


def check_version(version: str) -> None:
    """Raise `ReportLabVersionError` unless `version` is in the tested range."""
    try:
        found = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        found = ()
    if not TESTED[0] <= found < TESTED[1]:
        low, high = (".".join(map(str, v)) for v in TESTED)
        raise ReportLabVersionError(
            f"ReportLab {version} is installed; missive is tested with >={low},<{high} "
            f"(reinstall with `make install`, which installs the locked versions)"
        )


check_version(reportlab.Version)


# --- writing: missive's own document ---------------------------------------------------


class Flate(pdfdoc.PDFStreamFilterZCompress):
    """Flate at level 1: measured a third faster per letter than ReportLab's level 6, for
    about 3 % more bytes. `done`, when given, keeps results by input: font programs,
    their ToUnicode maps and many second pages are the same bytes from letter to letter.
    A font program (known by its sfnt version) is compressed at level 6: 2-3 % smaller,
    some 230 bytes a Latin letter, and kept, so that a batch compresses it once."""

    def __init__(self, done: Callable[[bytes, Callable[[], bytes]], bytes] | None) -> None:
        self.done = done

    def encode(self, text: str | bytes) -> bytes:
        data = text.encode("utf8") if isinstance(text, str) else text
        level = 6 if data[:4] in _FONT_PROGRAMS else 1
        if self.done is None:
            return zlib.compress(data, level)
        return self.done(data, lambda: zlib.compress(data, level))


_FONT_PROGRAMS = (b"\x00\x01\x00\x00", b"true", b"OTTO")  # TrueType and OpenType


_SHORT = 80  # names, numbers, object headers: not text (nor a stream left uncompressed)
_NUMBERS = {int, float}
_CATALOGS = (pdfdoc.PDFCatalog, pdfdoc.PDFPages, pdfdoc.PDFPage)
Keep = Callable[[Hashable, Callable[[], bytes]], bytes]  # a table of results by input
ToUnicode = Callable[[str, list[int]], str]  # (subset's base font name, its characters) -> map


class Writer:
    """ReportLab's formatting of a document's objects, for the kinds a letter is made of
    (dictionaries, arrays, streams, fonts, names, numbers), with what depends on nothing
    but its input taken from `kept`. The same bytes as `pdfdoc.format`: the objects of
    other kinds (pages, catalog, info, strings...) are left to it."""

    def __init__(self, pdf: Any, kept: Keep) -> None:
        self.pdf, self.kept = pdf, kept

    def top(self, obj: Any) -> bytes:
        kind = type(obj)
        if kind is pdfdoc.PDFDictionary:
            return self.dictionary(obj.dict, obj.multiline)
        if kind is pdfdoc.PDFStream:
            return self.stream(obj)
        if kind is pdfdoc.PDFTrueTypeFont:
            names = {
                k: pdfdoc.PDFName(getattr(obj, k)) for k in obj.name_attributes if hasattr(obj, k)
            }
            local = {k: getattr(obj, k) for k in obj.local_attributes if hasattr(obj, k)}
            return self.dictionary({**names, **local}, pdfdoc.PDFDictionary.multiline)
        if kind in _CATALOGS:
            return self.catalog(obj)
        if kind is pdfdoc.PDFInfo and obj._dateFormatter is None:
            return self.info(obj)
        return bytes(pdfdoc.format(obj, self.pdf, toplevel=1))

    def info(self, obj: Any) -> bytes:
        """`PDFInfo.format`, kept by what it writes (the same for letters of a language)."""
        stamp = self.pdf._timeStamp
        key: tuple[Any, ...] = ("info", obj.title, obj.author, obj.subject, obj.keywords)
        key += (obj.producer, obj.creator, obj.trapped, stamp.YMDhms, stamp.dhh, stamp.dmm)
        return self.kept(key, lambda: bytes(pdfdoc.format(obj, self.pdf, toplevel=1)))

    def catalog(self, obj: Any) -> bytes:
        """`PDFCatalog.format`, which pages and the page tree share."""
        obj.check_format(self.pdf)
        table = {k: getattr(obj, k, v) for k, v in obj.__Defaults__.items()}
        table = {k: v for k, v in table.items() if v is not None}
        for k in obj.__NoDefault__:
            if getattr(obj, k, None) is not None:
                table[k] = getattr(obj, k)
        for k in obj.__Refs__:
            if k in table:
                table[k] = self.pdf.Reference(table[k])
        return self.dictionary(table, pdfdoc.PDFDictionary.multiline)

    def resources(self, obj: Any) -> bytes:
        """`PDFResourceDictionary.format`."""
        table: dict[str, Any] = {}
        for name in obj.dict_attributes:
            found = getattr(obj, name)
            if not isinstance(found, dict):
                table[name] = found
            elif found:
                table[name] = pdfdoc.PDFDictionary(found)
        if not isSeq(obj.ProcSet):
            table["ProcSet"] = obj.ProcSet
        elif obj.ProcSet:
            table["ProcSet"] = pdfdoc.PDFArray(obj.ProcSet)
        return self.dictionary(table, pdfdoc.PDFDictionary.multiline)

    def value(self, value: Any) -> bytes:
        kind = type(value)
        if kind is str and len(value) <= _SHORT:
            return _short_text(value)
        if kind is int or kind is float:
            return _number(kind, value)
        if kind is bytes:
            return value  # type: ignore[no-any-return]
        if kind is pdfdoc.PDFObjectReference:
            return b"%d %d R" % self.pdf.idToObjectNumberAndVersion[value.name]
        if kind is pdfdoc.PDFString:
            key = ("string", type(value.s), value.s, value.escape, value.enc)
            return self.kept(key, lambda: bytes(value.format(self.pdf)))
        if kind is pdfdoc.PDFDictionary and not hasattr(value, "__Comment__"):
            return self.dictionary(value.dict, value.multiline)
        if kind is pdfdoc.PDFArray and not hasattr(value, "__Comment__"):
            return self.array(value)
        if kind is pdfdoc.PDFResourceDictionary:
            return self.resources(value)
        return bytes(pdfdoc.format(value, self.pdf))

    def dictionary(self, table: dict[str, Any], multiline: Any) -> bytes:
        keys = list(table) if isinstance(table, OrderedDict) else sorted(table)
        value = self.value
        items = [_name(k) + b" " + value(table[k]) for k in keys]
        if (multiline and rl_config.pdfMultiLine) or multiline == "forced":
            return b"<<\n" + b"\n ".join(items) + b"\n>>"
        for index in reversed(range(6, len(items), 6)):
            items.insert(index, b"\n ")
        return b"<<\n" + b" ".join(items) + b"\n>>"

    def array(self, array: Any) -> bytes:
        sequence = array.sequence
        if set(map(type, sequence)) <= _NUMBERS:
            key = ("array", array.multiline, *sequence)
            return self.kept(key, lambda: self._array(sequence, array.multiline))
        return self._array(sequence, array.multiline)

    def _array(self, sequence: list[Any], multiline: Any) -> bytes:
        items = [self.value(item) for item in sequence]
        if (multiline and rl_config.pdfMultiLine) or multiline == "forced":
            return b"[ " + b"\n ".join(items) + b" ]"
        for index in reversed(range(10, len(items), 10)):
            items.insert(index, b"\n ")
        return b"[ " + b" ".join(items) + b" ]"

    def stream(self, stream: Any) -> bytes:
        """`PDFStream.format`, filters applied by this document's `Flate`."""
        table = stream.dictionary.dict.copy()
        content = stream.content
        if content is None:
            raise ValueError("stream content not set")
        filters = stream.filters if stream.filters is not None else self.pdf.defaultStreamFilters
        if filters is not None and "Filter" not in table:
            for found in reversed(filters):
                content = found.encode(content)
            table["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(f.pdfname) for f in filters])
        content = self.pdf.encrypt.encode(content)
        written = content if type(content) is bytes else self.value(content)
        table["Length"] = len(content)
        return self.dictionary(table, pdfdoc.PDFDictionary.multiline) + (
            b"\nstream\n" + written + b"endstream\n"
        )


# What depends on nothing but its input, kept by it (a C-level cache: asked ~250 times a
# letter). Numbers are keyed with their type: 1 and 1.0 are equal keys, not equal bytes.
@reuse.memo(maxsize=4096)
def _name(key: str) -> bytes:
    return bytes(pdfdoc.pdfdocEnc(pdfdoc.PDFName(key)))


@reuse.memo(maxsize=8192)
def _short_text(value: str) -> bytes:
    return bytes(pdfdoc.pdfdocEnc(value))


@reuse.memo(maxsize=8192)
def _number(kind: type, value: float) -> bytes:
    return bytes(pdfdoc.pdfdocEnc(fp_str(value)))


class LetterPDF(pdfdoc.PDFDocument):
    """The PDF document of a missive canvas: each stream it registers is compressed by
    `flate` alone (no ASCII85 on top); its objects written by a `Writer` when `kept` is
    set."""

    flate: Flate
    kept: Keep | None
    to_unicode: ToUnicode | None = None  # a subset's ToUnicode map, if not ReportLab's

    def format(self) -> bytes:
        """`PDFDocument.format`: the objects one by one (formatting one may register
        more), then the cross-reference table and the trailer. Hand-made objects that are
        not streams (the structure tree's, some seventy a letter) go compressed in one
        object stream, found through a cross-reference stream (PDF 1.5)."""
        plain = not isinstance(self.encrypt, pdfdoc.NoEncryption)
        if plain or (rl_config.pdfComments and not rl_config.invariant):
            return bytes(super().format())
        writer = Writer(self, self.kept) if self.kept is not None else None
        this: Any = self  # ReportLab's own attributes, which its stubs do not declare
        self.Reference(this.Catalog)
        self.Reference(self.info)
        packs = any(isinstance(o, _HandMade) and o.packed for o in self.idToObject.values())
        if packs:
            this._pdfVersion = (1, 7)  # object streams: PDF 1.5; PDF/A-2 is PDF 1.7
        this.__accum__ = written = pdfdoc.PDFFile(this._pdfVersion)
        ids, packed = [], []
        counter = 1
        while counter in self.numberToId:
            oid = self.numberToId[counter]
            number, version = self.idToObjectNumberAndVersion[oid]
            obj = self.idToObject[oid]
            if isinstance(obj, _HandMade) and obj.packed:
                packed.append((number, obj.format(self)))
            else:
                body = writer.top(obj) if writer else bytes(pdfdoc.format(obj, self, toplevel=1))
                end = b"" if body.endswith(b"\n") else b"\n"
                self.idToOffset[oid] = written.add(
                    b"%d %d obj\n" % (number, version) + body + end + b"endobj\n"
                )
            ids.append(oid)
            counter += 1
        del this.__accum__
        if packed:
            return self._streams(written, packed)
        return self._trailer(written, ids)

    def _trailer(self, written: Any, ids: list[Any]) -> bytes:
        xref = pdfdoc.PDFCrossReferenceTable()
        xref.addsection(0, ids)
        this: Any = self
        offset = written.add(xref.format(self))
        trailer = pdfdoc.PDFTrailer(
            startxref=offset,
            Size=len(self.numberToId) + 1,
            Root=self.Reference(this.Catalog),
            Info=self.Reference(self.info),
            Encrypt=None,
            ID=self.ID(),
        )
        written.add(trailer.format(self))
        return bytes(written.format(self))

    def _streams(self, written: Any, packed: list[tuple[int, bytes]]) -> bytes:
        """The packed objects' object stream, then a cross-reference stream for all."""
        this: Any = self
        offsets: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)}  # number -> entry
        for oid, offset in self.idToOffset.items():
            offsets[self.idToObjectNumberAndVersion[oid][0]] = (1, offset, 0)
        stream_number = len(self.numberToId) + 1
        heads, bodies, at = [], [], 0
        for index, (number, body) in enumerate(packed):
            heads.append(b"%d %d" % (number, at))
            bodies.append(body)
            at += len(body) + 1
            offsets[number] = (2, stream_number, index)
        head = b" ".join(heads) + b"\n"
        data = zlib.compress(head + b"\n".join(bodies), 6)
        entries = b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(packed), len(head))
        offsets[stream_number] = (1, written.add(_stream_object(stream_number, entries, data)), 0)
        xref_number = stream_number + 1
        xref_offset = written.offset
        offsets[xref_number] = (1, xref_offset, 0)
        entry = _XREF_ENTRY.pack
        table = b"".join([entry(*offsets[n]) for n in range(xref_number + 1)])
        root = self.Reference(this.Catalog).format(self)
        info = self.Reference(self.info).format(self)
        ids = self.ID().split(b"[", 1)[1].split(b"]", 1)[0]
        entries = b"/Type /XRef /Size %d /W [1 4 2] /Root %s /Info %s /ID [%s] /Filter " % (
            xref_number + 1,
            root,
            info,
            ids,
        )
        written.add(_stream_object(xref_number, entries + b"/FlateDecode", zlib.compress(table, 6)))
        written.add(b"startxref\n%d\n%%%%EOF\n" % xref_offset)
        return bytes(written.format(self))

    def Reference(self, obj: Any, name: str | None = None) -> Any:  # noqa: N802 (ReportLab's)
        if isinstance(obj, pdfdoc.PDFStream) and obj.filters:
            obj.filters = [
                self.flate if f is pdfdoc.PDFZCompress else f
                for f in obj.filters
                if f is not pdfdoc.PDFBase85Encode
            ]
        elif isinstance(obj, pdfdoc.PDFImageXObject):
            image: Any = obj
            if "ASCII85Decode" in image._filters:
                image.streamContent = asciiBase85Decode(image.streamContent)
                image._filters = tuple(f for f in image._filters if f != "ASCII85Decode")
        base: Any = super()
        return base.Reference(obj, name)


class LetterCanvas(Canvas):
    """A canvas whose document is a `LetterPDF`, dated `created` (noon UTC), and which
    tells `on_annotation` of each annotation it adds (see `tails.py`)."""

    def __init__(
        self,
        *args: Any,
        created: dt.date | None,
        flate: Flate,
        kept: Keep | None,
        to_unicode: ToUnicode | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        document: Any = self._doc  # type: ignore[attr-defined]
        document.__class__ = LetterPDF  # made by Canvas.__init__; the subclass adds no state
        document.flate, document.kept, document.to_unicode = flate, kept, to_unicode
        if created is not None:
            document._timeStamp = _timestamp(created)
        self.on_annotation: Callable[[Any, str | None, int], None] | None = None
        # Told of the page's code before the page is written (tagging numbers its marked
        # content there), and of the canvas before the document is (its hand-made objects).
        self.on_page_end: Callable[[MutableSequence[str]], None] | None = None
        self.on_save: Callable[[LetterCanvas], None] | None = None

    def _addAnnotation(self, annotation: Any, name: str | None = None, addtopage: int = 1) -> None:  # noqa: N802
        if self.on_annotation is not None:
            self.on_annotation(annotation, name, addtopage)
        base: Any = super()
        base._addAnnotation(annotation, name, addtopage)

    def add_annotation(self, annotation: Any, name: str | None, addtopage: int) -> str:
        """Add an annotation kept from another document (see `tails.replay`); returns
        the name the document knows it by."""
        base: Any = super()
        base._addAnnotation(annotation, name, addtopage)
        return name or f"NUMBER{self._annotationCount}"  # type: ignore[attr-defined]

    def showPage(self) -> None:  # noqa: N802 (ReportLab's)
        if self.on_page_end is not None:
            self.on_page_end(self._code)  # type: ignore[attr-defined]
        super().showPage()

    def save(self) -> None:
        if self.on_save is not None:
            self.on_save(self)
        super().save()


def link(canvas: Any, href: str, rect: tuple[float, ...], *, contents: str) -> str:
    """A link annotation over `rect` (in the current coordinates), printable, with its
    alternate description (PDF/UA-1 7.18.5, PDF/A's print flag); returns its name."""
    canvas.linkURL(href, rect, relative=1, thickness=0, Contents=pdfdoc.PDFString(contents), F=4)
    return f"NUMBER{canvas._annotationCount}"


# When an invariant ReportLab document says it was made (a letter without a date: tests).
INVARIANT_MOMENT = dt.datetime.fromtimestamp(TimeStamp(invariant=1).t, dt.UTC)


def _timestamp(date: dt.date) -> TimeStamp:
    """ReportLab's invariant timestamp, moved to the letter's date (noon UTC)."""
    stamp = TimeStamp(invariant=1)
    moment = dt.datetime(date.year, date.month, date.day, 12, tzinfo=dt.UTC)
    stamp.t = moment.timestamp()
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    return stamp


class LetterDocTemplate(BaseDocTemplate):
    """A doc template that draws on a `LetterCanvas` and calls `story_ended` once the
    last flowable is laid out, before the last page is finished."""

    def make_canvas(
        self,
        created: dt.date | None,
        flate: Flate,
        kept: Keep | None,
        to_unicode: ToUnicode | None = None,
    ) -> Any:
        def maker(*args: Any, **kwargs: Any) -> LetterCanvas:
            return LetterCanvas(
                *args, created=created, flate=flate, kept=kept, to_unicode=to_unicode, **kwargs
            )

        return maker

    def story_ended(self) -> None:
        """Called when the story is laid out (the last page's label not drawn yet)."""

    def _endBuild(self) -> None:  # noqa: N802 (platypus')
        self.story_ended()
        base: Any = super()
        base._endBuild()


class ShallowFrame(Frame):
    """A frame that platypus copies shallowly.

    To measure a group kept together (a heading with its paragraph), platypus deep-copies
    the current frame so that content generated while measuring goes to the copy. Our
    flowables generate none, and the copy's own attributes are all it writes: a shallow
    copy does the same for a fiftieth of the cost (it was 5 % of a letter).
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> ShallowFrame:
        return copy.copy(self)


def doc_template(canvas: Any) -> Any:
    """The doc template a canvas draws for (platypus sets it during `build`)."""
    return canvas._doctemplate


def doc_template_or_none(canvas: Any) -> Any:
    """The doc template a canvas draws for, None outside a platypus build."""
    return getattr(canvas, "_doctemplate", None)


def fresh_marks(flowable: Flowable) -> None:
    """Forget that platypus moved `flowable` to the next page in an earlier story (a
    second time is an error)."""
    flowable.__dict__.pop("_postponed", None)


# --- page code: what replays read and write ---------------------------------------------


def page_code(canvas: Any) -> MutableSequence[str]:
    """The operators of the canvas's current page, in order (appending draws)."""
    code: MutableSequence[str] = canvas._code
    return code


def text_code(text: Any) -> MutableSequence[str]:
    """The operators of a PDF text object (`canvas.beginText()`), in order."""
    code: MutableSequence[str] = text._code
    return code


def document(canvas: Any) -> Any:
    """The PDF document a canvas writes (font codes and names are per document)."""
    return canvas._doc


def release(doc: Any) -> None:
    """Undo the cycles a built doc template holds: platypus' namespace names the doc, and
    its page templates call the doc's methods."""
    doc._nameSpace.clear()
    doc.pageTemplates = []
    doc.pageTemplate = None


def ending_position(doc: Any) -> Hashable:
    """Where a doc template stands: the frame's place and fill, the page of the letter,
    the canvas's font and graphics state depth, the fonts the document has named."""
    frame, canvas = doc.frame, doc.canv
    return (
        doc.page_in_letter,
        frame._x1,
        frame._y1,
        frame._width,
        frame._height,
        frame._y,
        frame._atTop,
        frame._prevASpace,
        canvas._fontname,
        canvas._fontsize,
        len(canvas.state_stack),
        len(canvas._doc.fontMapping),
    )


def named_fonts(canvas: Any) -> tuple[str, ...]:
    """The fonts the canvas's document has named so far, in order."""
    return tuple(canvas._doc.fontMapping)


def name_fonts(canvas: Any, font_names: Iterable[str]) -> None:
    """Name fonts in `canvas`'s document in this order, as drawing with them would."""
    for font_name in font_names:
        font: Any = pdfmetrics.getFont(font_name)
        _own_state(font, canvas._doc)
        font.getSubsetInternalName(0, canvas._doc)


def next_page(doc: Any) -> Any:
    """End the page as platypus ends a full frame, and return the new page's canvas."""
    doc._curPageFlowableCount = 1  # platypus' guard against empty pages
    doc.handle_frameEnd()
    doc.clean_hanging()
    return doc.canv


# --- fonts ------------------------------------------------------------------------------


def font_state(
    pdf: Any, characters: Iterable[tuple[str, tuple[int, ...]]], *, unnamed: bool = False
) -> Hashable | None:
    """Per font, its internal name and the codes of `characters` in document `pdf`; None
    when a character has no code yet or, unless `unnamed`, a font no name yet (drawing
    would assign them; with `unnamed` a font not named yet counts as named None).

    `characters` are code points as `TTFont.splitString` reads them (a no-break space as
    the space); a code point the font has no glyph for is drawn as code 0.
    """
    state: list[Hashable] = []
    for font_name, points in characters:
        font: Any = pdfmetrics.getFont(font_name)
        states = getattr(font, "state", None)  # only TrueType fonts have per-document codes
        found = states.get(pdf) if states is not None else None
        if found is None or (found.internalName is None and not unnamed):
            return None
        codes = tuple(map(found.assignments.get, points))
        if None in codes:
            glyphs = font.face.charToGlyph
            if any(c is None and p in glyphs for c, p in zip(codes, points, strict=True)):
                return None
            codes = tuple(0 if c is None else c for c in codes)
        state.append((found.internalName, codes))
    return tuple(state)


Codes = tuple[dict[int, int], list[list[int]], int]


def codes_of(font: Any, pdf: Any) -> Codes | None:
    """A copy of the codes `font` assigned in document `pdf`, if it assigned any."""
    state = font.state.get(pdf)
    if state is None:
        return None
    return dict(state.assignments), [list(s) for s in state.subsets], state.nextCode


def _own_state(font: Any, pdf: Any) -> Any:
    """`font`'s codes in document `pdf`, begun if need be. In missive's own documents a
    font gives its codes in order of use, not the printable ASCII characters their own
    codes: ReportLab would otherwise put those 95 glyphs in every first subset, drawn or
    not (an Arabic letter carried 80 unused Latin glyphs per Amiri face). Code 32 stays
    the space, so word spacing still stretches it."""
    state = font.state.get(pdf)
    if state is None:
        readable = font._asciiReadable if not isinstance(pdf, LetterPDF) else False
        state = font.state[pdf] = TTFont.State(readable, font)
    return state


def split_string(font: Any, text: str, pdf: Any) -> list[tuple[int, bytes]]:
    """`font.splitString(text, pdf)`: (subset, codes) of `text` in document `pdf`, the
    codes given in order of use in missive's own documents (see `_own_state`; ReportLab
    reads the font's flag again as it assigns codes past 31, so it is the document's
    while it does)."""
    if not isinstance(pdf, LetterPDF):
        found: list[tuple[int, bytes]] = font.splitString(text, pdf)
        return found
    _own_state(font, pdf)
    readable = font._asciiReadable
    font._asciiReadable = False
    try:
        found = font.splitString(text, pdf)
    finally:
        font._asciiReadable = readable
    return found


def copy_codes(font: Any, pdf: Any, codes: Codes) -> None:
    """Give document `pdf` (where `font` has assigned nothing) the codes `codes_of` kept."""
    assignments, subsets, next_code = codes
    state = _own_state(font, pdf)
    state.assignments = dict(assignments)
    state.subsets = [list(subset) for subset in subsets]
    state.nextCode = next_code


# What `TTFont.__init__` computes from the file besides its tables: made again on loading.
_REBUILT = frozenset({"_ttf_data", "_pdfScale", "filename"})


def parse_face(path: Path) -> dict[str, Any]:
    """What ReportLab reads from a font file, without the file itself and the one
    function it builds (neither pickles; both are made again by `font_from_tables`)."""
    face = TTFontFace(str(path))
    return {k: v for k, v in vars(face).items() if k not in _REBUILT}


class LetterFont(TTFont):
    """A TrueType font whose subsets' ToUnicode maps are, in a `LetterPDF`, the document's
    own (glyphs coded by private keys read as the letters they were shaped from:
    `missive.render.glyph_text`): what the bytes need, on the plain path too. A
    `LetterPDF` with `kept` results takes the subsets' widths and ToUnicode maps from
    them (they depend on nothing but the subset)."""

    def addObjects(self, doc: Any) -> None:  # noqa: N802 (ReportLab's)
        """`TTFont.addObjects`: a font and its descriptor for each subset the document drew."""
        if not isinstance(doc, LetterPDF):
            super().addObjects(doc)  # another document of the process: ReportLab's own
            return
        kept: Any = doc.kept or _made
        to_unicode = doc.to_unicode or makeCMap
        this: Any = self
        state = this.state.get(doc) or TTFont.State(this._asciiReadable)
        state.frozen = 1
        for index, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(index, doc)[1:]
            tag = SUBSETN(index) + b"+" + this.face.name + this.face.subfontNameX
            base_font = tag.decode("pdfdoc")
            font: Any = pdfdoc.PDFTrueTypeFont()
            font.__Comment__ = f"Font {self.fontName} subset {index}"
            font.Name, font.BaseFont = internal, base_font
            font.FirstChar, font.LastChar = 0, len(subset) - 1
            key = (self.fontName, base_font, *subset)
            font.Widths = kept(("widths", *key), lambda s=subset: self._widths(s))
            cmap = pdfdoc.PDFStream()
            cmap.content = kept(("cmap", *key), lambda s=subset, b=base_font: to_unicode(b, s))
            if doc.compression:
                cmap.filters = [pdfdoc.PDFZCompress]
            font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base_font)
            font.FontDescriptor = this.face.addSubsetObjects(doc, base_font, subset)
            doc.Reference(font, internal)
            fonts: Any = doc.idToObject["BasicFonts"]
            fonts.dict[internal] = font
        del this.state[doc]

    def _widths(self, subset: list[int]) -> Any:
        face: Any = self.face
        return pdfdoc.PDFArray(list(map(face.getCharWidth, subset)))


class KeptFace(TTFontFace):
    """A face made from parsed tables. Its glyph-to-characters table, which only
    ReportLab's own shaping reads, stays as `aside` gave it until asked for; its subsets
    are cut through `cut` when one is set (a cache of them, see `fonts.py`)."""

    unpack_aside: Callable[[Any], Any] | None = None
    cut: Callable[[list[int], Callable[[list[int]], bytes]], bytes] | None = None

    def __getattr__(self, name: str) -> Any:
        # Called only for what the instance lacks: the packed table is then set aside.
        packed = self.__dict__.get("_aside_glyphToChar")
        if name != "glyphToChar" or packed is None or self.unpack_aside is None:
            raise AttributeError(name)
        table = self.unpack_aside(packed)
        self.glyphToChar = table
        return table

    def makeSubset(self, subset: Sequence[Any]) -> bytes:  # noqa: N802 (ReportLab's)
        if self.cut is None:
            return bytes(super().makeSubset(subset))
        return self.cut(list(subset), super().makeSubset)


def _made(key: Hashable, make: Callable[[], Any]) -> Any:
    """A `Keep` that keeps nothing (a document written without reuse)."""
    return make()


def font_from_tables(
    stem: str,
    path: Path,
    data: bytes,
    tables: dict[str, Any],
    aside: Callable[[Any], bool],
) -> tuple[TTFont, KeptFace]:
    """`TTFont(stem, path)` from its parsed tables: what `TTFont.__init__` sets, minus
    the parsing (tests/test_fonts.py compares the two attribute by attribute). A table
    for which `aside(table)` is true is set aside as the glyph-to-characters table."""
    face: Any = KeptFace.__new__(KeptFace)
    face.__dict__.update(tables)
    if aside(face.__dict__.get("glyphToChar")):
        face.__dict__["_aside_glyphToChar"] = face.__dict__.pop("glyphToChar")
    face._ttf_data = data
    face.filename = str(path)
    per_em = face.unitsPerEm
    face._pdfScale = (lambda x: x) if per_em == 1000 else (lambda x: x * (1000 / per_em))
    font: Any = LetterFont.__new__(LetterFont)
    font.fontName = stem
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = True
    return font, face


def read_font(stem: str, path: Path) -> TTFont:
    """The font file `path` as ReportLab reads it (`TTFont.__init__`), written into a
    letter as `LetterFont` writes it: the plain path's font."""
    return LetterFont(stem, str(path))


# --- objects made by hand: the structure tree, metadata, output intent -----------------


_XREF_ENTRY = struct.Struct(">BIH")  # a cross-reference stream's entry: /W [1 4 2]


def _stream_object(number: int, entries: bytes, data: bytes) -> bytes:
    return b"%d 0 obj\n<< %s /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (
        number,
        entries,
        len(data),
        data,
    )


class _HandMade(pdfdoc.PDFObject):
    """An object of `missive.render.pdf_values`, written by the document: its indirect
    objects and the pages and annotations it names resolved to the document's numbers.
    An indirect one that is not a stream goes in the document's object stream."""

    def __init__(self, value: Value, refs: _References, indirect: Indirect | None) -> None:
        self.value, self.refs, self.indirect = value, refs, indirect
        self.packed = indirect is not None and indirect.stream is None

    def format(self, document: Any) -> bytes:
        if self.indirect is not None:
            return object_body(self.indirect, self.refs)
        return syntax(self.value, self.refs)


class _References:
    """`n 0 R` of each object a hand-made one names, found once: ReportLab numbers an
    object when it is registered, and pages and annotations are all there on saving."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.indirect: dict[int, bytes] = {}
        self.outside: dict[tuple[str, int | str], bytes] = {}

    def number(self, name: str) -> bytes:
        number, version = self.pdf.idToObjectNumberAndVersion[name]
        return b"%d %d R" % (number, version)

    def __call__(self, target: Indirect | Outside) -> bytes:
        if isinstance(target, Indirect):
            return self.indirect[id(target)]
        key = (target.kind, target.key)
        found = self.outside.get(key)
        if found is None:
            if target.kind == "page":
                name = f"Page{int(target.key) + 1}"
            else:
                name = self.pdf.annotationName(target.key)
            found = self.outside[key] = self.number(name)
        return found


_INLINE_IN_CATALOG = frozenset({"MarkInfo", "ViewerPreferences"})


class HandMade:
    """The hand-made objects of one document, and where the document's own objects (its
    catalog, pages and annotations) take entries that name them."""

    def __init__(self, canvas: Any, objects: Sequence[Indirect]) -> None:
        self.pdf = canvas._doc
        self.refs = _References(self.pdf)
        self.made: dict[int, _HandMade] = {}
        pdf = self.pdf
        numbers, ids, found, refs = (
            pdf.idToObjectNumberAndVersion,
            pdf.numberToId,
            pdf.idToObject,
            self.refs,
        )
        number = pdf.objectcounter
        for obj in objects:  # numbered in this order, after what the document holds
            made = self.made[id(obj)] = _HandMade(obj.value, refs, obj)
            # What `PDFDocument.Reference` does for a new object, without its checks.
            number += 1
            name = f"R{number}"
            setattr(made, "__InternalName__", name)  # noqa: B010 (what Reference marks)
            numbers[name] = (number, 0)
            ids[number] = name
            found[name] = made
            refs.indirect[id(obj)] = b"%d 0 R" % number
        pdf.objectcounter = number

    def release(self) -> None:
        """Once the document is written: its objects no longer resolve through it."""
        self.refs.pdf = None
        self.made.clear()

    def _value(self, value: Value) -> _HandMade:
        if isinstance(value, Indirect):
            return self.made[id(value)]
        return _HandMade(value, self.refs, None)

    def catalog(self, **entries: Value) -> None:
        """Entries of the catalog; a small dictionary (`/MarkInfo`, `/ViewerPreferences`)
        written in it, not as an object of its own as ReportLab would (some 100 bytes)."""
        catalog: Any = self.pdf.Catalog
        extra = [k for k in entries if k not in catalog.__NoDefault__]
        if extra:
            catalog.__NoDefault__ = [*catalog.__NoDefault__, *extra]
        catalog.__Refs__ = [k for k in catalog.__Refs__ if k not in _INLINE_IN_CATALOG]
        for key, value in entries.items():
            setattr(catalog, key, self._value(value))

    def page(self, index: int, **entries: Value) -> None:
        page: Any = self.pdf.Pages.pages[index]
        page.__NoDefault__ = [*pdfdoc.PDFPage.__NoDefault__, *entries]
        for key, value in entries.items():
            setattr(page, key, self._value(value))

    def annotation(self, name: str, **entries: Value) -> None:
        annotation: Any = self.pdf.idToObject[self.pdf.annotationName(name)]
        for key, value in entries.items():
            annotation[key] = self._value(value)

    @property
    def pages(self) -> int:
        return len(self.pdf.Pages.pages)
