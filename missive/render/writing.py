"""What writing a PDF computes again for every letter of a language, kept once.

Letters of one language repeat most of what ReportLab writes: the same font programs,
ToUnicode maps and second pages to compress, the same 256 widths of a font subset to
format, the same names and numbers, the same font codes to assign up front. These
tables keep those results by their input, so the bytes do not change; missive's own
document (`reportlab_seam.LetterPDF`) uses them, and no other document of the process.
With `MISSIVE_NO_REUSE=1` none is used.
"""

from __future__ import annotations

from typing import Any

from missive.render import reportlab_seam as seam
from missive.storage import reuse

_COMPRESSED_LIMIT = 256
_WRITTEN_LIMIT = 8192
_CODES_LIMIT = 1024


# stream bytes -> Flate level 1 (a font program's: level 6)
COMPRESSED: reuse.Kept[bytes] = reuse.Kept(f"{__name__}.COMPRESSED", _COMPRESSED_LIMIT)
# names, numbers, short strings, arrays of numbers -> bytes
WRITTEN: reuse.Kept[bytes] = reuse.Kept(f"{__name__}.WRITTEN", _WRITTEN_LIMIT)
# (font, characters) -> the codes a new document gives them
CODES: reuse.Kept[seam.Codes] = reuse.Kept(f"{__name__}.CODES", _CODES_LIMIT)


def flate(*, reuse: bool) -> seam.Flate:
    """The compression filter of a document: kept results when reusing."""
    return seam.Flate(COMPRESSED if reuse else None)


def written(*, reuse: bool) -> seam.Keep | None:
    """What a document's writer keeps of its objects' text, when reusing."""
    return WRITTEN if reuse else None


def prime_codes(font: Any, characters: str, pdf: Any, *, reuse: bool) -> None:
    """`font.splitString(characters, pdf)`, for the codes it assigns to `characters`.

    On a document the font has not written to yet, those codes depend on nothing but the
    characters, which are the same for most letters of a language: when reusing, the
    font's codes after the first such call are kept, and later documents get a copy.
    """
    if not reuse or seam.codes_of(font, pdf) is not None:
        seam.split_string(font, characters, pdf)
        return

    def assign() -> seam.Codes:
        seam.split_string(font, characters, pdf)
        codes = seam.codes_of(font, pdf)
        assert codes is not None
        return codes

    codes = CODES((font.fontName, characters), assign)
    if seam.codes_of(font, pdf) is None:  # found, not made by this very call
        seam.copy_codes(font, pdf, codes)
