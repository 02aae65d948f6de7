"""The paragraphs a language's letters share, laid out once and kept between runs.

The first letter of each language costs ten to twenty later ones in a process, and most of
that is laying out the paragraphs every letter of the language shares (letterhead, date,
subject, body, closing, signatures): fonts per character, hyphens, shaping
(`textflow.make_pieces`), line breaking and bidi (`textflow.layout`). Their results depend
only on the text, the style, the width, the font files and the code and libraries that
compute them, so a render keeps them in the start-up cache (`storage/startcache.py`) under
a key made of all of those, and the next run's first letters read them back instead.

Only paragraphs that at least two letters of the run drew are kept (`layout.py` marks a
shared flowable when a second letter takes it up): never an addressee, a salutation or a
reference, nor the body of a letter whose body differs from one recipient to the next.
A result read back is the very one `textflow` would compute (`tests/test_startcache.py`
renders cold and warm and compares the bytes); a missing, stale or damaged entry only
means the work is done again.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import bidi
import reportlab
import uharfbuzz

from missive.model import Run
from missive.render import fonts
from missive.render.hyphens import pyphen_version
from missive.render.textflow import Line, Piece, TextStyle, layout, make_pieces, shaped_paragraph
from missive.storage import reuse, startcache

KIND = "layouts"
MAX_ENTRIES = 4096  # paragraphs per table: a few letters' worth of languages and variants

Pieces = tuple[Piece, ...]
Lines = tuple[Line, ...]
Keys = tuple[tuple[str, frozenset[str]], ...]  # per font, the glyph keys a paragraph draws
PiecesKey = tuple[tuple[Run, ...], TextStyle]
LinesKey = tuple[Pieces, TextStyle, float]
KeysKey = tuple[Pieces, TextStyle]
Table = tuple[dict[PiecesKey, Pieces], dict[LinesKey, Lines], dict[KeysKey, Keys]]


@dataclass(frozen=True)
class KeptParagraph:
    """One paragraph's results, as `RichText` has them after laying itself out."""

    runs: tuple[Run, ...]
    style: TextStyle
    pieces: tuple[Piece, ...]
    width: float  # of the text, as `layout` was called
    lines: tuple[Line, ...]
    keys: Keys  # what `RichText.characters` gives codes to: otherwise shaped again


@dataclass
class _Tables:
    pieces: dict[PiecesKey, tuple[Piece, ...]] = field(default_factory=dict)
    lines: dict[LinesKey, tuple[Line, ...]] = field(default_factory=dict)
    keys: dict[KeysKey, Keys] = field(default_factory=dict)
    read: bool = False  # from the cache, once per process


_tables = _Tables()


def pieces(runs: tuple[Run, ...], style: TextStyle) -> tuple[Piece, ...]:
    found = _read().pieces.get((runs, style)) if reuse.REUSE else None
    return found if found is not None else make_pieces(runs, style)


def lines(pieces: tuple[Piece, ...], style: TextStyle, width: float) -> tuple[Line, ...]:
    found = _read().lines.get((pieces, style, width)) if reuse.REUSE else None
    return found if found is not None else layout(pieces, style, width)


def keys(pieces: tuple[Piece, ...], style: TextStyle) -> Keys:
    found = _read().keys.get((pieces, style)) if reuse.REUSE else None
    return found if found is not None else shaped_paragraph(pieces, style).keys


def keep(paragraphs: Iterable[KeptParagraph]) -> None:
    """Add `paragraphs` to the cache's table (written only if any is new)."""
    found = _Tables()
    for paragraph in paragraphs:
        found.pieces[paragraph.runs, paragraph.style] = paragraph.pieces
        found.lines[paragraph.pieces, paragraph.style, paragraph.width] = paragraph.lines
        found.keys[paragraph.pieces, paragraph.style] = paragraph.keys
    new = (found.pieces.keys() - _tables.pieces.keys(), found.lines.keys() - _tables.lines.keys())
    if not any(new) and not found.keys.keys() - _tables.keys.keys():
        return

    def merged(stored: Any) -> Table:
        # Another process may have added to the table since this one read it.
        before = _tables_of(stored)
        if len(before.pieces) + len(found.pieces) > MAX_ENTRIES:
            return _each(found)
        pieces = {**before.pieces, **found.pieces}
        return pieces, {**before.lines, **found.lines}, {**before.keys, **found.keys}

    with contextlib.suppress(OSError):  # the cache is optional
        startcache.update(KIND, _fingerprint(), _versions(), merged)


def forget() -> None:
    """Use nothing kept from earlier runs in this process (renders from scratch)."""
    for table in _each(_tables):
        table.clear()
    _tables.read = True


def reread() -> None:
    """Read the cache again at the next paragraph (after `forget`; tests)."""
    for table in _each(_tables):
        table.clear()
    _tables.read = False


reuse.register(
    f"{__name__}._tables", reread, lambda: sum(len(table) for table in _each(_tables)), on_disk=True
)


def _read() -> _Tables:
    if not _tables.read:
        stored = _stored()
        _tables.pieces, _tables.lines, _tables.keys = _each(stored)
        _tables.read = True
    return _tables


def _each(tables: _Tables) -> Table:
    return tables.pieces, tables.lines, tables.keys


def _stored() -> _Tables:
    try:
        return _tables_of(startcache.load(KIND, _fingerprint(), _versions()))
    except OSError:  # the code's own files unreadable: nothing kept is trusted
        return _Tables()


def _tables_of(value: Any) -> _Tables:
    """The tables in a cache entry (pickled by this code under this very key)."""
    try:
        stored_pieces, stored_lines, stored_keys = value
        return _Tables(dict(stored_pieces), dict(stored_lines), dict(stored_keys))
    except (TypeError, ValueError):  # none, or not what this code writes
        return _Tables()


@reuse.once
def _fingerprint() -> str:
    # The code that computes what is kept: this module and all it imports of missive
    # (textflow, bidi, hyphens, fonts, model...).
    code = startcache.code_fingerprint(__name__)
    return startcache.fingerprint(f"{code} {fonts.fingerprint()}".encode())


@reuse.once
def _versions() -> str:
    return " ".join(
        (
            f"python {sys.version_info.major}.{sys.version_info.minor}",
            f"reportlab {reportlab.Version}",
            f"harfbuzz {uharfbuzz.__version__} {uharfbuzz.version_string()}",
            f"python-bidi {getattr(bidi, 'VERSION', getattr(bidi, '__version__', '?'))}",
            f"pyphen {pyphen_version()}",
        )
    )
