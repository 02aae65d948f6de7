"""render: PDFs read back from their bytes (fonts, text order, links, metadata, layout)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
import pypdfium2
import pytest
from pdf_reading import (
    SUBSET_TAG,
    fonts,
    has_pdftotext,
    links,
    logical,
    pdfium_pages,
    poppler_text,
    render_page,
    texts,
)
from PIL import Image
from render_samples import FORUM, TEXTS, composed, with_name

from missive.model import Language, PageSize, Paragraph, Run
from missive.render.bidi import isolate_ltr
from missive.render.pdf import FRAME_PADDING, SIDE_MARGIN, RenderedPdf, Renderer
from missive.render.textflow import NO_START, TextStyle, layout, make_pieces

LETTER_DATE = dt.date(2024, 1, 31)
ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
HARAKAT = re.compile(r"[\u064b-\u065f\u0670]")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="module")
def rendered(renderer: Renderer) -> dict[Language, RenderedPdf]:
    return {lang: renderer.render(composed(lang), created=LETTER_DATE) for lang in Language}


def squeeze(text: str) -> str:
    return "".join(logical(text).split())


def has_arabic_words_in_order(text: str, expected: str) -> bool:
    """The Arabic letters of `expected` appear consecutively, in logical order, in `text`,
    and so do its harakat (extractors guess spaces, and poppler moves a mark drawn
    before its base to the letter before: see docs/render.md, the text layer)."""
    letters = "".join(ARABIC_LETTER.findall(logical(expected)))
    found = "".join(ARABIC_LETTER.findall(logical(text)))
    marks = HARAKAT.findall(logical(expected))
    return letters in found and Counter(HARAKAT.findall(logical(text))) >= Counter(marks)


@pytest.mark.parametrize("language", list(Language))
def test_every_font_is_an_embedded_subset(
    rendered: dict[Language, RenderedPdf], language: Language
) -> None:
    found = fonts(rendered[language].data)
    assert found
    for font in found:
        assert SUBSET_TAG.match(str(font["/BaseFont"])), font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert not any("Helvetica" in str(font["/BaseFont"]) for font in found)


@pytest.mark.parametrize("language", list(Language))
def test_text_holds_date_name_and_reference(
    rendered: dict[Language, RenderedPdf], language: Language
) -> None:
    letter = composed(language)
    for text in texts(rendered[language].data):
        # Spaces are compared loosely: extractors guess them from glyph gaps.
        flat = squeeze(text)
        assert squeeze(TEXTS[language]["date"]) in flat
        assert squeeze(letter.recipient.name) in flat
        if language is Language.AR:
            assert has_arabic_words_in_order(text, letter.reference)
            assert "2024/0007" in flat
        else:
            assert squeeze(letter.reference) in flat


@pytest.mark.parametrize("language", [Language.EN, Language.FR, Language.RU, Language.ES])
def test_latin_and_cyrillic_body_reads_back_verbatim(
    rendered: dict[Language, RenderedPdf], language: Language
) -> None:
    for text in texts(rendered[language].data):
        # Words are hyphenated only at soft hyphens, never at a hyphen of the text: the
        # hyphen drawn reads as the soft hyphen (poppler keeps it, pdfium marks the line end
        # with U+FFFE and joins the word itself).
        joined = re.sub("[\u00ad\ufffe]\\s*", "", text)
        assert logical(TEXTS[language]["p1"]) in logical(joined)


def test_arabic_reads_back_in_logical_order(rendered: dict[Language, RenderedPdf]) -> None:
    data = rendered[Language.AR].data
    extracted = texts(data)
    for text in extracted:
        # A sentence of Arabic words only comes back exactly, after NFKC folds the
        # presentation forms back to letters.
        assert logical(TEXTS[Language.AR]["p3"]) in logical(text)
        # Mixed sentences, wrapped over lines: the Arabic words in logical order
        # (extractors place digits and neutrals by their own heuristics).
        assert has_arabic_words_in_order(text, TEXTS[Language.AR]["p1"]), text
    if has_pdftotext():
        assert "+41 22 730 6240" in logical(poppler_text(data))


def test_arabic_mirrored_brackets_extract_as_written(renderer: Renderer) -> None:
    letter = composed(Language.AR)
    note = "تعقد الدورة (الثانية) في جنيف"
    body = (*letter.body, Paragraph((Run(note),)))
    data = renderer.render(replace(letter, body=body)).data
    if has_pdftotext():
        assert logical(note) in logical(poppler_text(data))


def test_chinese_body_reads_back(rendered: dict[Language, RenderedPdf]) -> None:
    for text in texts(rendered[Language.ZH].data):
        assert squeeze(TEXTS[Language.ZH]["p1"]) in squeeze(text)


@pytest.mark.parametrize("language", list(Language))
def test_links_are_uri_annotations(
    rendered: dict[Language, RenderedPdf], language: Language
) -> None:
    uris = links(rendered[language].data)
    assert FORUM in uris
    assert "mailto:wsis-info@itu.int" in uris


@pytest.mark.parametrize("language", [Language.AR, Language.ZH, Language.EN])
def test_metadata_and_document_language(
    rendered: dict[Language, RenderedPdf], language: Language
) -> None:
    letter = composed(language)
    reader = pypdf.PdfReader(io.BytesIO(rendered[language].data))
    info = reader.metadata
    assert info is not None
    assert info.title == letter.subject.replace("\n", " ")
    assert info.author == letter.organization
    assert info.subject == letter.subject.replace("\n", " ")
    assert str(info["/Keywords"]) == letter.reference
    assert str(info["/CreationDate"]).startswith("D:20240131")
    catalog: Any = reader.trailer["/Root"]
    assert str(catalog["/Lang"]) == letter.lang_tag


def test_same_input_gives_identical_bytes(renderer: Renderer) -> None:
    first = renderer.render(composed(Language.AR), created=LETTER_DATE)
    second = Renderer().render(composed(Language.AR), created=LETTER_DATE)
    assert first.data == second.data
    assert first.sha256 == second.sha256
    other = renderer.render(composed(Language.AR, name="سلطان المهيري"), created=LETTER_DATE)
    assert other.sha256 != first.sha256


def test_page_size_letter_is_selectable() -> None:
    data = Renderer(PageSize.LETTER).render(composed(Language.EN)).data
    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_page_label_from_second_page_only(renderer: Renderer) -> None:
    pdf = renderer.render(composed(Language.ES, paragraphs=6))
    assert pdf.pages >= 2
    pages = [logical(text) for text in pdfium_pages(pdf.data)]
    assert "Página 1" not in pages[0]
    assert pages[1].rstrip().endswith("Página 2") or "Página 2" in pages[1]


@pytest.mark.parametrize("paragraphs", [2, 3, 4, 5, 6, 7])
def test_signatory_grid_is_never_split(renderer: Renderer, paragraphs: int) -> None:
    letter = composed(Language.EN, signatory_count=6, paragraphs=paragraphs)
    pages = [logical(text) for text in pdfium_pages(renderer.render(letter).data)]
    names = [signatory.name for signatory in letter.signatories]
    holding = [index for index, text in enumerate(pages) if any(name in text for name in names)]
    assert len(holding) == 1, holding
    assert all(name in pages[holding[0]] for name in names)
    assert pages[holding[0]].count("[Original signed]") == 6
    assert letter.closing in pages[holding[0]]  # the closing stays with the signatures


def _aligned_rows(data: bytes) -> tuple[int, int]:
    """Rows of ink touching only the right margin, and only the left one."""
    image = render_page(data)
    width, height = image.size
    pixels = image.load()
    left_edge, right_edge = round(SIDE_MARGIN), width - round(SIDE_MARGIN)
    right_only = left_only = 0
    for y in range(height):
        dark = [x for x in range(width) if pixels[x, y] < 128]
        if not dark:
            continue
        at_left, at_right = dark[0] <= left_edge + 8, dark[-1] >= right_edge - 8
        right_only += at_right and not at_left
        left_only += at_left and not at_right
    return right_only, left_only


def test_arabic_is_right_aligned_and_english_left_aligned(
    rendered: dict[Language, RenderedPdf],
) -> None:
    right, left = _aligned_rows(rendered[Language.AR].data)
    assert right > 3 * max(left, 1)
    right, left = _aligned_rows(rendered[Language.EN].data)
    assert left > 3 * max(right, 1)


def test_chinese_lines_never_start_with_closing_punctuation() -> None:
    style = TextStyle(Language.ZH)
    text = "，".join(
        [
            "我们很高兴邀请您参加（WSIS）活动。",
            "请访问：www.wsis.org/forum；",
            "Doreen Bogdan-Martin女士、秘书长",
        ]
        * 4
    )
    pieces = make_pieces((Run(text),), style)
    for width in range(60, 420, 7):
        lines = layout(pieces, style, float(width))
        starts = [line.segments[0].text[0] for line in lines if line.segments]
        assert not any(char in NO_START for char in starts), (width, starts)
        # A Latin name is never cut (it fits the line at these widths).
        joined = [("".join(s.text for s in line.segments)) for line in lines]
        if width >= 120:
            assert not any(line.startswith(("-Martin", "Martin", "oreen")) for line in joined)


def test_isolates_keep_numbers_and_latin_left_to_right() -> None:
    text = isolate_ltr("الهاتف +41 22 730 6240.")
    assert "\u2066+41\u00a022\u00a0730\u00a06240\u2069." in text
    style = TextStyle(Language.AR)
    (line,) = layout(make_pieces((Run(text),), style), style, 400.0)
    # Visual order, left to right: the full stop, the number (read whole), the word.
    shown = ["".join(c for c in s.text if c not in "\u2066\u2069") for s in line.segments]
    assert shown[:2] == [".", "+41\u00a022\u00a0730\u00a06240"]
    assert line.segments[1].actual == "+41\u00a022\u00a0730\u00a06240"


def test_brackets_are_mirrored_with_their_logical_character() -> None:
    style = TextStyle(Language.AR)
    (line,) = layout(make_pieces((Run("أ (ب)"),), style), style, 400.0)
    clusters = [c for segment in line.segments for c in segment.run.clusters()]
    brackets = [c for c in clusters if c.text in "()"]
    # Drawn mirrored (rule L4, HarfBuzz's rtlm), each read as its logical character.
    assert [(c.text, c.actual) for c in brackets] == [(")", True), ("(", True)]


def _x_of(data: bytes, needle: str) -> float:
    document = pypdfium2.PdfDocument(data)
    try:
        for page in document:
            textpage = page.get_textpage()
            searcher = textpage.search(needle)
            found = searcher.get_next()
            if found:
                left, _, _, _ = textpage.get_charbox(found[0])
                return float(left)
    finally:
        document.close()
    raise AssertionError(f"{needle!r} not found")


@pytest.mark.parametrize("language", [Language.AR, Language.EN])
def test_signatory_grid_runs_from_the_reading_start(renderer: Renderer, language: Language) -> None:
    letter = composed(language, signatory_count=3)
    signatories = tuple(
        replace(s, name=f"Signatory{index}") for index, s in enumerate(letter.signatories)
    )
    data = renderer.render(replace(letter, signatories=signatories)).data
    xs = [_x_of(data, f"Signatory{index}") for index in range(3)]
    assert xs == sorted(xs, reverse=language.is_rtl)


def test_logo_is_drawn_in_the_letterhead(renderer: Renderer, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 60), (0, 90, 160)).save(logo)
    data = renderer.render(replace(composed(Language.FR), logo=logo)).data
    page: Any = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    objects = page["/Resources"]["/XObject"]
    assert any(obj.get_object()["/Subtype"] == "/Image" for obj in objects.values())


def test_letters_drawing_the_same_characters_share_font_subsets(renderer: Renderer) -> None:
    def font_programs(name: str) -> list[bytes]:
        data = renderer.render(with_name(composed(Language.EN), name)).data
        return sorted(
            font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
            for font in fonts(data)
        )

    # Same letters, different order of first use: the subsets must not depend on it.
    assert font_programs("Zoë Ångström") == font_programs("Ångström Zoë")


def test_no_line_of_a_chinese_letter_starts_with_closing_punctuation(
    renderer: Renderer,
) -> None:
    data = renderer.render(composed(Language.ZH, paragraphs=3)).data
    for text in texts(data):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert len(lines) > 30
        assert not [line for line in lines if line[0] in NO_START]


def test_chinese_paragraphs_open_with_a_two_ideograph_indent(
    rendered: dict[Language, RenderedPdf],
) -> None:
    data = rendered[Language.ZH].data
    indent = _x_of(data, TEXTS[Language.ZH]["p1"][:4]) - _x_of(data, "尊敬的先生")
    assert indent == pytest.approx(21.0, abs=1.0)


def test_reportlab_uses_its_c_accelerator() -> None:
    """Without `rl-accel`, ReportLab silently formats every PDF number in Python."""
    from reportlab.lib import rl_accel

    assert rl_accel.fp_str.__module__ == "_rl_accel"
    assert rl_accel.escapePDF.__module__ == "_rl_accel"


@pytest.mark.parametrize("language", list(Language))
def test_nothing_is_drawn_past_the_text_column(
    rendered: dict[Language, RenderedPdf], language: Language
) -> None:
    """Every glyph and rule inside the text column: the frame's inside, which grids
    (header labels, signatures) once overhung by its padding, 12 pt past the right edge
    of the text in Arabic letters (issue 26)."""
    with pdfplumber.open(io.BytesIO(rendered[language].data)) as pdf:
        for page in pdf.pages:
            left, right = SIDE_MARGIN + FRAME_PADDING, page.width - SIDE_MARGIN - FRAME_PADDING
            drawn = [(c["x0"], c["x1"], c["text"]) for c in page.chars]
            drawn += [(line["x0"], line["x1"], "rule") for line in page.lines + page.rects]
            outside = [d for d in drawn if d[0] < left - 0.5 or d[1] > right + 0.5]
            assert outside == [], (page.page_number, outside[:5])
