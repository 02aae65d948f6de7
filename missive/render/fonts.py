"""The fonts missive draws with, and what each of them can draw.

The font files live in `missive/fonts/` (built by `tools/build_fonts.py` from PyPI wheels).
They are registered with ReportLab once per process, on first use, so importing this module
is cheap and a worker process pays the loading cost once.

Each language has a chain of families: its own face first, then the others as fallbacks, so
an Arabic name in an English letter is drawn in Amiri and a Chinese name in a French letter
in WenQuanYi. A character no family in the chain can draw is a `CoverageError`, which
`check` reports before anything is rendered.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from missive.errors import CoverageError
from missive.model import Block, BulletList, ComposedLetter, Language, Paragraph, Run
from missive.render import kept_subsets
from missive.render import reportlab_seam as seam
from missive.render.font_tables import is_packed, pack, unpack, unpack_one
from missive.storage import reuse, startcache

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"


class Family(StrEnum):
    NOTO_SANS = "NotoSans"
    AMIRI = "Amiri"
    WQY = "WenQuanYiMicroHei"


@dataclass(frozen=True)
class Face:
    """A ReportLab font name and whether bold must be simulated (no bold file exists)."""

    name: str
    fake_bold: bool = False


# (bold, italic) -> file stem. Amiri has no italic in official use and WenQuanYi has neither
# bold nor italic: those styles fall back to the faces listed here.
_FILES: dict[Family, dict[tuple[bool, bool], str]] = {
    Family.NOTO_SANS: {
        (False, False): "NotoSans-Regular",
        (True, False): "NotoSans-Bold",
        (False, True): "NotoSans-Italic",
        (True, True): "NotoSans-BoldItalic",
    },
    Family.AMIRI: {
        (False, False): "Amiri-Regular",
        (True, False): "Amiri-Bold",
        (False, True): "Amiri-Regular",
        (True, True): "Amiri-Bold",
    },
    Family.WQY: {
        (False, False): "WenQuanYiMicroHei",
        (True, False): "WenQuanYiMicroHei",
        (False, True): "WenQuanYiMicroHei",
        (True, True): "WenQuanYiMicroHei",
    },
}

_CHAINS: dict[Language, tuple[Family, ...]] = {
    Language.AR: (Family.AMIRI, Family.NOTO_SANS, Family.WQY),
    Language.ZH: (Family.WQY, Family.NOTO_SANS, Family.AMIRI),
}
_DEFAULT_CHAIN = (Family.NOTO_SANS, Family.AMIRI, Family.WQY)

# Characters that are never drawn: bidi isolates and marks, joiners, line breaks.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp"})


def chain_for(language: Language) -> tuple[Family, ...]:
    """The families tried, in order, for a character of a letter in `language`."""
    return _CHAINS.get(language, _DEFAULT_CHAIN)


SUBSET_CACHE_SIZE = 64  # per face; a subset is a few tens of KB


# stem -> sha256 of the font file: what results computed from the font's metrics depend on
# (written as each font is loaded, once)
FINGERPRINTS: dict[str, str] = {}
reuse.register(f"{__name__}.FINGERPRINTS", FINGERPRINTS.clear, FINGERPRINTS.__len__, loaded=True)


@reuse.once
def _loaded(stem: str) -> TTFont:
    path = FONT_DIR / f"{stem}.ttf"
    data = path.read_bytes()
    printed = FINGERPRINTS[stem] = startcache.file_fingerprint(path)
    if reuse.REUSE:
        font = _font(stem, path, data, _kept_tables(printed, path))
    else:
        font = seam.read_font(stem, path)  # ReportLab's own reading, its own subsets
    pdfmetrics.registerFont(font)
    return font


def _font(stem: str, path: Path, data: bytes, tables: dict[str, Any]) -> TTFont:
    """The face `stem` made from its tables (`_kept_tables`), its subsets kept."""
    font, face = seam.font_from_tables(stem, path, data, tables, is_packed)
    face.unpack_aside = unpack_one
    if stem not in FINGERPRINTS:  # made without `_loaded` (tests compare it with ReportLab's)
        FINGERPRINTS[stem] = startcache.fingerprint(data)
    face.cut = _subsets(stem)
    return font


def _kept_tables(printed: str, path: Path) -> dict[str, Any]:
    """What ReportLab reads from the font file `path` (fingerprint `printed`), from the
    start-up cache if it is there (its large tables as `font_tables` reads them)."""
    packed = startcache.kept("font", printed, _PARSED_VERSION, lambda: pack(seam.parse_face(path)))
    return unpack(packed)


# What a cache entry holds: ReportLab's reading, its large tables packed (font_tables.py).
_PARSED_VERSION = f"{reportlab.Version} packed 2"


# Once per face: its subset cache is registered under the face's name, and a face made again
# (a test reading a font twice) shares the one cutter.
@reuse.once
def _subsets(stem: str) -> Callable[[list[int], Callable[[list[int]], bytes]], bytes]:
    """The font programs ReportLab cuts for each subset of face `stem`, kept.

    Cutting a subset is the costliest step of a letter (a few ms per face). Its result
    depends only on the list of characters, which `missive.render` makes the same for every
    letter drawing the same characters (it assigns them in sorted order), so letters of one
    language mostly share their subsets. Bounded, so memory stays flat. The subsets shared
    by two letters or more are kept for the next run (`kept_subsets`).
    """
    digest = FINGERPRINTS[stem]

    @reuse.memo(maxsize=SUBSET_CACHE_SIZE, name=f"{__name__}.subsets[{stem}]")
    def cut(subset: tuple[int, ...], make: Callable[[list[int]], bytes]) -> bytes:
        return kept_subsets.cut(stem, digest, subset, partial(make, list(subset)))

    def drawn(subset: list[int], make: Callable[[list[int]], bytes]) -> bytes:
        key = tuple(subset)
        kept_subsets.drawn(stem, key)
        return cut(key, make)

    return drawn


@reuse.once
def _cmap(family: Family) -> frozenset[int]:
    return frozenset(_loaded(_FILES[family][False, False]).face.charToGlyph)


def face(family: Family, *, bold: bool = False, italic: bool = False) -> Face:
    """The registered face for a style; registers the font file on first use."""
    stem = _FILES[family][bold, italic]
    _loaded(stem)
    has_real_bold = _FILES[family][True, False] != _FILES[family][False, False]
    return Face(stem, fake_bold=bold and not has_real_bold)


def fingerprint() -> str:
    """The fingerprints of every font file, every font loaded."""
    register_all()
    return " ".join(f"{stem}={FINGERPRINTS[stem]}" for stem in sorted(FINGERPRINTS))


def register_all() -> None:
    """Load every font now (a worker's initializer calls this once)."""
    for family in Family:
        for stem in set(_FILES[family].values()):
            _loaded(stem)
        _cmap(family)


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES


def covers(family: Family, char: str) -> bool:
    return ord(char) in _cmap(family)


@reuse.memo(maxsize=None)
def family_for(char: str, chain: tuple[Family, ...]) -> Family | None:
    """The first family of `chain` that draws `char`; None if none does."""
    if char in " \u00a0" or is_invisible(char):
        return chain[0]
    for family in chain:
        if covers(family, char):
            return family
    return None


def _run_texts(runs: tuple[Run, ...]) -> str:
    return "".join(run.text for run in runs)


def _block_texts(blocks: tuple[Block, ...]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield _run_texts(block.runs)
        elif isinstance(block, BulletList):
            yield from (_run_texts(item) for item in block.items)


def _fields(composed: ComposedLetter, *, fixed: bool = True) -> Iterator[tuple[str, str, bool]]:
    """(field, text, whether it may differ from recipient to recipient), in letter order;
    without `fixed`, only the fields that may differ."""
    recipient = composed.recipient
    yield "recipient.name", recipient.name, True
    yield "recipient.organization", recipient.organization, True
    yield "recipient.position", recipient.position, True
    if fixed:
        yield "organization", composed.organization, False
        yield "date", composed.date_text, False
    yield "reference", composed.reference, True
    for index, header in enumerate(composed.header_fields):
        yield f"header_fields[{index}]", header.label + header.value, True
    yield from (("addressee", line, True) for line in composed.addressee)
    if fixed:
        yield "distribution_heading", composed.distribution_heading, False
        yield from (("distribution", line, False) for line in composed.distribution)
    yield "subject", composed.subject, True
    yield "salutation", composed.salutation, True
    if fixed:
        yield from (("body", text, False) for text in _block_texts(composed.body))
        yield "closing", composed.closing, False
        for index, signatory in enumerate(composed.signatories):
            text = signatory.signed_marker + signatory.name + "".join(signatory.title_lines)
            yield f"signatories[{index}]", text + signatory.organization, False
        yield "page_label", composed.page_label, False


# The characters known to be drawn by each chain: a text made of them only (most texts,
# even the reference that differs for every recipient) needs no look at the fonts.
_drawn: dict[tuple[Family, ...], set[str]] = {}
reuse.register(f"{__name__}._drawn", _drawn.clear, lambda: sum(map(len, _drawn.values())))


def _uncovered_in(text: str, chain: tuple[Family, ...]) -> str:
    """The characters of `text` no family of `chain` draws, each once, in order."""
    drawn = _drawn.setdefault(chain, set()) if reuse.REUSE else set()
    unknown = set(text).difference(drawn)
    if not unknown:
        return ""
    found: list[str] = []
    for char in unknown:
        if char in "\n\t" or family_for(char, chain) is not None:
            drawn.add(char)
        else:
            found.append(char)
    return "".join(sorted(found, key=text.index))


_FIXED_LIMIT = 256
# (language, ids of body and signatories, fixed texts) -> (body, signatories, all covered);
# the objects are held so that their ids cannot be reused while the entry lives.
_fixed_covered: reuse.Kept[tuple[object, object, bool]] = reuse.Kept(
    f"{__name__}._fixed_covered", _FIXED_LIMIT
)


def fixed_parts_key(composed: ComposedLetter) -> tuple[object, ...]:
    """What the parts not marked personal in `_fields` are made of: one check each."""
    return (
        composed.language,
        id(composed.body),
        id(composed.signatories),
        composed.organization,
        composed.date_text,
        composed.distribution_heading,
        composed.distribution,
        composed.closing,  # a few variants per language (courtesy by gender)
        composed.page_label,
    )


def _fixed_parts_covered(composed: ComposedLetter, chain: tuple[Family, ...]) -> bool:
    """Whether every character of the parts shared by a language's letters (body,
    signatories, letterhead...) can be drawn; found once per composed language."""
    body, signatories = composed.body, composed.signatories
    key = fixed_parts_key(composed)
    found = _fixed_covered.get(key)
    if found is not None and found[0] is body and found[1] is signatories:
        return found[2]
    covered = not any(
        _uncovered_in(text, chain) for _, text, personal in _fields(composed) if not personal
    )
    _fixed_covered.put(key, (body, signatories, covered))
    return covered


def find_uncovered(composed: ComposedLetter) -> list[CoverageError]:
    """Every character of the letter that no font available to its language can draw.

    A character is reported once, under the first field it appears in (the recipient's own
    fields come first, so a bad name is blamed on the CSV, not on the template).
    """
    chain = chain_for(composed.language)
    primary = face(chain[0]).name
    errors: list[CoverageError] = []
    seen: set[str] = set()
    # Once the parts shared by the language are known to be covered, only the others are
    # read, and most often all their characters are known to be drawn.
    covered = _fixed_parts_covered(composed, chain)
    fields = list(_fields(composed, fixed=not covered))
    every = set("".join(text for _, text, _ in fields))
    if covered and reuse.REUSE and every.issubset(_drawn.setdefault(chain, set())):
        return []
    for field_name, text, _ in fields:
        for char in _uncovered_in(text, chain):
            if char not in seen:
                seen.add(char)
                errors.append(CoverageError(composed.recipient.id, field_name, char, primary))
    return errors
