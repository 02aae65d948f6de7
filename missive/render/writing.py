"""What ReportLab writes into a PDF, done once: results that depend on nothing but their input.

ReportLab formats every object of every document from scratch. Letters of one language
repeat most of those results (font programs, their ToUnicode maps, width arrays, the
same names and numbers), so the pure steps of that writing are replaced here, once, by
memoised versions. Each keeps ReportLab's own result for the same input, so the bytes of
a PDF do not change; `clear_written` forgets them all (for a render from scratch).
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc, ttfonts

# Streams are Flate-compressed; ASCII85 on top only makes them 25 % larger.
rl_config.useA85 = 0

_COMPRESSED_LIMIT = 256
_ARRAYS_LIMIT = 1024
_NAMES_LIMIT = 4096
_ENCODED_LIMIT = 8192
_ENCODED_LONGEST = 80  # object headers, references, numbers, names: not text strings
_CMAPS_LIMIT = 256
_STRINGS_LIMIT = 4096


class _FastFlate(pdfdoc.PDFStreamFilterZCompress):  # type: ignore[misc]
    """Flate at level 1: measured a third faster per letter than ReportLab's level 6, for
    about 3 % more bytes (font programs and text streams compress little better).

    Font programs, their ToUnicode maps and many second pages are the same bytes from
    letter to letter of a language: the last few hundred results are kept.
    """

    def __init__(self) -> None:
        self._done: OrderedDict[bytes, bytes] = OrderedDict()

    def clear(self) -> None:
        self._done.clear()

    def encode(self, text: str | bytes) -> bytes:
        data = text.encode("utf8") if isinstance(text, str) else text
        found = self._done.get(data)
        if found is not None:
            self._done.move_to_end(data)
            return found
        compressed = zlib.compress(data, 1)
        self._done[data] = compressed
        if len(self._done) > _COMPRESSED_LIMIT:
            self._done.popitem(last=False)
        return compressed


_format_array = pdfdoc.PDFArray.format
_formatted_arrays: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()


def _format_numbers_once(array: Any, document: Any, IND: bytes = b"\n ") -> bytes:  # noqa: N803
    """`PDFArray.format`, kept for arrays of plain numbers (a font subset's 256 widths),
    whose text depends on nothing but the numbers."""
    sequence = array.sequence
    if not all(type(item) in (int, float) for item in sequence):
        return bytes(_format_array(array, document, IND))
    key = (type(array), array.multiline, IND, *sequence)
    found = _formatted_arrays.get(key)
    if found is None:
        found = _formatted_arrays[key] = bytes(_format_array(array, document, IND))
        if len(_formatted_arrays) > _ARRAYS_LIMIT:
            _formatted_arrays.popitem(last=False)
    return found


_encode = pdfdoc.pdfdocEnc
_encoded: dict[str, bytes] = {}


def _encode_once(text: str | bytes) -> bytes:
    """`pdfdocEnc` (a Python codec) for the short strings every object repeats."""
    if type(text) is not str or len(text) > _ENCODED_LONGEST:
        return bytes(_encode(text))
    found = _encoded.get(text)
    if found is None:
        if len(_encoded) >= _ENCODED_LIMIT:
            _encoded.clear()
        found = _encoded[text] = bytes(_encode(text))
    return found


_format = pdfdoc.format


def _format_leaves_first(element: Any, document: Any, toplevel: int = 0) -> bytes:
    """`pdfdoc.format`, taking the strings and numbers that make most of every object
    first (it asks `isinstance(element, PDFObject)` of each of them before)."""
    kind = type(element)
    if kind is str:
        return _encode_once(element)
    if kind is float or kind is int:
        return _encode_once(fp_str(element))
    if kind is bytes:
        return element  # type: ignore[no-any-return]
    return bytes(_format(element, document, toplevel))


_format_string = pdfdoc.PDFString.format
_formatted_strings: dict[tuple[object, ...], bytes] = {}


def _format_string_once(string: Any, document: Any) -> bytes:
    """`PDFString.format`: a text string's bytes depend on nothing but the text and how it
    is to be written (titles, dates, link addresses repeat from letter to letter), unless
    the document encrypts."""
    if not isinstance(document.encrypt, pdfdoc.NoEncryption):
        return bytes(_format_string(string, document))
    text = string.s
    key = (type(text), text, getattr(string, "escape", 1), getattr(string, "enc", "auto"))
    found = _formatted_strings.get(key)
    if found is None:
        if len(_formatted_strings) >= _STRINGS_LIMIT:
            _formatted_strings.clear()
        found = _formatted_strings[key] = bytes(_format_string(string, document))
    return found


_PRIMED_LIMIT = 1024
_primed: dict[tuple[str, str], tuple[dict[int, int], list[list[int]], int]] = {}


def prime_codes(font: Any, characters: str, document: Any) -> None:
    """`font.splitString(characters, document)`, for the codes it assigns to `characters`.

    On a document the font has not written to yet, those codes depend on nothing but the
    characters, which are the same for most letters of a language: the font's state after
    the first such call is kept, and later documents get a copy of it.
    """
    if document in font.state:
        font.splitString(characters, document)
        return
    key = (font.fontName, characters)
    found = _primed.get(key)
    if found is None:
        font.splitString(characters, document)
        state = font.state[document]
        if len(_primed) >= _PRIMED_LIMIT:
            _primed.clear()
        _primed[key] = (dict(state.assignments), [list(s) for s in state.subsets], state.nextCode)
        return
    assignments, subsets, next_code = found
    state = font.state[document] = ttfonts.TTFont.State(font._asciiReadable, font)
    state.assignments = dict(assignments)
    state.subsets = [list(subset) for subset in subsets]
    state.nextCode = next_code


_cmap = ttfonts.makeToUnicodeCMap


@lru_cache(maxsize=_CMAPS_LIMIT)
def _cmap_once(font_name: str, subset: tuple[int, ...]) -> str:
    return str(_cmap(font_name, list(subset)))


def _make_cmap(font_name: str, subset: list[int]) -> str:
    """`makeToUnicodeCMap`: a subset's ToUnicode map, the same text for the same subset."""
    return _cmap_once(font_name, tuple(subset))


_names: Callable[..., str] = lru_cache(maxsize=_NAMES_LIMIT)(pdfdoc.PDFName)

# ReportLab looks these up as module attributes each time it writes.
pdfdoc.PDFZCompress = _FastFlate()
pdfdoc.PDFArray.format = _format_numbers_once
pdfdoc.pdfdocEnc = _encode_once
pdfdoc.PDFName = _names
pdfdoc.format = _format_leaves_first
pdfdoc.PDFString.format = _format_string_once
ttfonts.makeToUnicodeCMap = _make_cmap


def clear_written() -> None:
    """Forget every kept result: the next PDF is written from scratch."""
    pdfdoc.PDFZCompress.clear()
    _formatted_arrays.clear()
    _encoded.clear()
    _formatted_strings.clear()
    _primed.clear()
    _cmap_once.cache_clear()
    _names.cache_clear()  # type: ignore[attr-defined]
