"""The text layer of the sample letters, read back by PDFium and by poppler (`pdftotext`),
against the composed letter's own text: every language of both samples.

What each extractor is held to (docs/render.md, "The text layer"):
- left-to-right languages: PDFium gives the composed text word for word, in order;
  poppler gives every word, and each paragraph's words in order (it reads the header's
  labels and the signatures' columns as blocks of their own, by their place on the page);
- Arabic: both give every letter and every haraka of the letter (no presentation form, no
  private character); poppler gives every Arabic word with its letters in order, and the
  e-mail addresses and URLs whole. Where a line mixes directions, where a haraka is drawn
  before its base, or where kerning leaves a gap inside a word, each extractor guesses
  the order and the spaces its own way: PDFium reverses a URL at the start of a line
  ("forum/org.wsis.www."), moves a letter past a haraka ("وسي ُظنَّم"), and both move
  punctuation across a left-to-right run. The structure tree, not the page, settles the
  reading order (PDF/UA-1 7.2).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from pdf_reading import has_pdftotext, pdfium_pages, poppler_text
from text_layer import (
    SAMPLES,
    RenderedSample,
    blocks,
    composed_words,
    extracted_words,
    languages,
    page_labels,
    render_first_of_each_language,
    words,
)

from missive.model import Language

LETTERS = [(sample, language) for sample in SAMPLES for language in languages(sample)]
ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
ARABIC_TEXT = re.compile(r"[\u0621-\u065f\u0670]")  # letters and harakat
HARAKAT = re.compile(r"[\u064b-\u065f\u0670]")
LATIN_ADDRESS = re.compile(r"[a-z]+[.@/][a-z]")
Rendered = dict[tuple[str, Language], RenderedSample]


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    return render_first_of_each_language()


def _extractors(data: bytes) -> dict[str, str]:
    found = {"pdfium": "\n".join(pdfium_pages(data))}
    if has_pdftotext():
        found["poppler"] = poppler_text(data)
    return found


def _read(
    rendered: Rendered, sample: str, language: Language
) -> tuple[list[str], dict[str, list[str]]]:
    composed, data, pages = rendered[sample, language]
    labels = page_labels(composed, pages)
    got = {name: extracted_words(text, labels) for name, text in _extractors(data).items()}
    # Both extractors drop a word's own hyphen when a line breaks after it ("multi-" /
    # "parties" reads "multiparties"): they take every line-end hyphen for a soft one.
    got = {name: [w.replace("-", "") for w in found] for name, found in got.items()}
    return [w.replace("-", "") for w in composed_words(composed)], got


@pytest.mark.parametrize(("sample", "language"), [k for k in LETTERS if k[1] is not Language.AR])
def test_pdfium_reads_the_letter_word_for_word(
    rendered: Rendered, sample: str, language: Language
) -> None:
    expected, got = _read(rendered, sample, language)
    if language is Language.ZH:  # no spaces between words: the characters in order
        assert "".join(got["pdfium"]) == "".join(expected)
    else:
        assert got["pdfium"] == expected


@pytest.mark.skipif(not has_pdftotext(), reason="poppler-utils not installed")
@pytest.mark.parametrize(("sample", "language"), [k for k in LETTERS if k[1] is not Language.AR])
def test_poppler_reads_every_word_and_each_paragraph_in_order(
    rendered: Rendered, sample: str, language: Language
) -> None:
    expected, got = _read(rendered, sample, language)
    composed = rendered[sample, language].composed
    if language is Language.ZH:
        joined = "".join(got["poppler"])
        assert Counter(joined) == Counter("".join(expected))
        for block in blocks(composed):
            assert "".join(words(block)).replace("-", "") in joined
        return
    assert Counter(got["poppler"]) == Counter(expected)
    text = " ".join(got["poppler"])
    for block in blocks(composed):
        assert " ".join(words(block)).replace("-", "") in text


@pytest.mark.parametrize("sample", SAMPLES)
def test_arabic_reads_back_with_every_letter_and_haraka(rendered: Rendered, sample: str) -> None:
    composed, data, pages = rendered[sample, Language.AR]
    expected = Counter(ARABIC_TEXT.findall(" ".join(blocks(composed))))
    expected += Counter(ARABIC_TEXT.findall(" ".join(page_labels(composed, pages))))
    for name, text in _extractors(data).items():
        assert Counter(ARABIC_TEXT.findall(text)) == expected, name
        assert HARAKAT.search(text), name  # HarfBuzz places them; they were dropped before


@pytest.mark.parametrize("sample", SAMPLES)
def test_arabic_words_read_back_with_their_letters_in_order(
    rendered: Rendered, sample: str
) -> None:
    """Each Arabic word's letters in order, by both extractors (letters only: an extractor
    may add a space inside a word where kerning leaves a gap). Words with a haraka are
    left out: a haraka drawn before its base moves a letter in either extractor (3 of 26
    such words in the samples; docs/render.md)."""
    composed, data, _ = rendered[sample, Language.AR]
    expected = [w for w in words(" ".join(blocks(composed))) if not HARAKAT.search(w)]
    for name, text in _extractors(data).items():
        letters = "".join(ARABIC_LETTER.findall(text))
        for word in expected:
            assert "".join(ARABIC_LETTER.findall(word)) in letters, (name, word)


@pytest.mark.skipif(not has_pdftotext(), reason="poppler-utils not installed")
@pytest.mark.parametrize("sample", SAMPLES)
def test_poppler_reads_latin_runs_of_arabic_letters_whole(rendered: Rendered, sample: str) -> None:
    """E-mail addresses and URLs, drawn left to right in the Latin face and read through
    /ActualText (PDFium reverses one at the start of a line: docs/render.md)."""
    composed, data, _ = rendered[sample, Language.AR]
    expected = words(" ".join(blocks(composed)))
    latin = [w.strip(".،:()") for w in expected if LATIN_ADDRESS.search(w)]
    assert latin
    text = poppler_text(data)
    for word in latin:
        assert word in text, word


@pytest.mark.parametrize(("sample", "language"), LETTERS)
def test_no_presentation_form_nor_private_character(
    rendered: Rendered, sample: str, language: Language
) -> None:
    for name, text in _extractors(rendered[sample, language].data).items():
        forms = [c for c in text if 0xFB00 <= ord(c) <= 0xFDFF or 0xFE70 <= ord(c) <= 0xFEFF]
        private = [c for c in text if 0xE000 <= ord(c) <= 0xF8FF or ord(c) >= 0xF0000]
        assert forms == [] and private == [], name
