"""The composed text of a letter, in reading order, and the words text extraction gives
back, for comparing the two (tests/test_text_layer.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from missive.compose.composer import Composer, CoverMode
from missive.load import iter_recipients, load_letter
from missive.model import BulletList, ComposedLetter, Language, Paragraph
from missive.render.pdf import Renderer

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ("wsis20-invitation", "egov-survey-reminder")
SOFT_HYPHEN = "\u00ad"
PDFIUM_HYPHEN = "\ufffe"  # what PDFium puts where a line ends in a hyphen it joins
DASH = "\u2013"  # the distribution list's label
BULLET = "\u2022"  # a body list's label


def languages(sample: str) -> list[Language]:
    """The languages of a sample letter's recipients, in the list's order."""
    letter = load_letter(ROOT / "letters" / f"{sample}.yaml")
    found = dict.fromkeys(r.language for r in iter_recipients(letter.recipients_path, letter))
    return list(found)


def first_of_each_language(sample: str) -> dict[Language, ComposedLetter]:
    """The first recipient of each language of a sample letter, composed."""
    letter = load_letter(ROOT / "letters" / f"{sample}.yaml")
    composer = Composer(letter, covers=CoverMode.NONE)
    found: dict[Language, ComposedLetter] = {}
    for recipient in iter_recipients(letter.recipients_path, letter):
        if recipient.language not in found:
            found[recipient.language] = composer.compose(recipient)
    return found


class RenderedSample(NamedTuple):
    composed: ComposedLetter
    data: bytes
    pages: int


def render_first_of_each_language() -> dict[tuple[str, Language], RenderedSample]:
    """The first letter of each language of both samples, composed and drawn by one
    renderer (the letters the tagging and text-layer tests read back)."""
    renderer = Renderer()
    found: dict[tuple[str, Language], RenderedSample] = {}
    for sample in SAMPLES:
        for language, composed in first_of_each_language(sample).items():
            pdf = renderer.render(composed)
            found[sample, language] = RenderedSample(composed, pdf.data, pdf.pages)
    return found


def blocks(composed: ComposedLetter) -> Iterator[str]:
    """Every text the letter draws as content (not its page labels), in reading order."""
    yield composed.organization
    yield composed.date_text
    for field in composed.header_fields:
        yield field.label
        yield field.value
    yield from (line for line in composed.addressee if line.strip())
    if composed.distribution_heading:
        yield composed.distribution_heading
        for group in composed.distribution:
            yield f"{DASH} {group}"  # the list's label, then its body
    yield from composed.subject.split("\n")
    yield composed.salutation
    for block in composed.body:
        if isinstance(block, Paragraph):
            yield "".join(run.text for run in block.runs)
        elif isinstance(block, BulletList):
            yield from (BULLET + " " + "".join(run.text for run in item) for item in block.items)
    yield composed.closing
    for signatory in composed.signatories:
        yield signatory.signed_marker
        yield signatory.name
        yield from signatory.title_lines
        if signatory.organization:
            yield signatory.organization


def words(text: str) -> list[str]:
    """NFC, no invisible controls (bidi isolates), every kind of space one."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf" or c == SOFT_HYPHEN)
    return text.split()


def extracted_words(text: str, page_labels: set[str]) -> list[str]:
    """An extractor's words: a word split at a line-end hyphen joined again (poppler
    keeps the soft hyphen the hyphen stands for, PDFium marks it U+FFFE), page labels
    (artifacts, which extractors read too) left out."""
    text = re.sub(f"[{SOFT_HYPHEN}{PDFIUM_HYPHEN}]\\s*", "", text)  # across a page break too
    for label in page_labels:
        text = text.replace(label, " ")
    return words(text)


def composed_words(composed: ComposedLetter) -> list[str]:
    return [word for block in blocks(composed) for word in words(block)]


def page_labels(composed: ComposedLetter, pages: int) -> set[str]:
    return {composed.page_label.replace("{page}", str(n)) for n in range(2, pages + 1)}
