"""Cover notes written once per shape of the reference, their digits filled in.

A cover template that prints the reference as it is and reads nothing else of the recipient
but the salutation and the closing (`LanguageKit.cover_by_reference`) gives notes that
differ from one recipient to the next only where the reference is printed, and references
mostly differ only by their digits (a serial). Such a note is written (template rendered,
parsed, turned into text and HTML) once per shape of the reference, each digit replaced by
`markup.DIGIT_STAND_IN`, which the markup and the bidi isolates treat as a digit; each
recipient then gets the shape with the reference's digits filled in, in order. The first
note of a shape is also written whole and compared with the filled shape: a shape whose
filled note differs (the reference inside a link's address, which is percent-encoded; a
stand-in the template prints itself) is never used, and those notes are written whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from missive.compose.markup import DIGIT_STAND_IN, digit_shape, fill_digits
from missive.errors import InputError
from missive.model import CoverNote

WriteCover = Callable[[Mapping[str, Any]], CoverNote]


class ReferenceShapes:
    """The notes written per (language, salutation, closing, subject, reference shape)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._notes: dict[tuple[object, ...], CoverNote | None] = {}

    def note(
        self, key: tuple[object, ...], context: Mapping[str, Any], write: WriteCover
    ) -> CoverNote:
        """The note `write(context)` gives, from its shape when one is known to hold."""
        shaped = digit_shape(str(context["reference"]))
        if shaped is None:
            return write(context)
        shape, digits = shaped
        key = (*key, shape)
        if key not in self._notes:
            whole = write(context)
            if len(self._notes) >= self._limit:
                self._notes.clear()
            self._notes[key] = _proven(shape, digits, context, write, whole)
            return whole
        found = self._notes[key]
        filled = None if found is None else _filled(found, digits)
        return write(context) if filled is None else filled


def _proven(
    shape: str, digits: str, context: Mapping[str, Any], write: WriteCover, whole: CoverNote
) -> CoverNote | None:
    """The note written for `shape`, if filling it with `digits` gives `whole`."""
    try:
        shaped = write({**context, "reference": shape})
    except InputError:
        return None
    return shaped if _filled(shaped, digits) == whole else None


def _filled(note: CoverNote, digits: str) -> CoverNote | None:
    """`note` with each printed reference's digits in place of its stand-ins."""
    texts = []
    for text in (note.text, note.html, note.attachment_name):
        count = text.count(DIGIT_STAND_IN)
        if count % max(len(digits), 1) or (count and not digits):
            return None
        texts.append(fill_digits(text, digits * (count // len(digits))) if count else text)
    return replace(note, text=texts[0], html=texts[1], attachment_name=texts[2])
