"""The sample letters as tagged PDF (PDF/UA-1), read back with pikepdf, pdfplumber and
pdfua, clause by clause: every language of both samples.

- 7.1: every piece of content is real content (an MCID a structure element names) or an
  artifact; the structure tree is complete and the parent tree agrees with it
  (`pdf_structure.structure_problems`);
- 7.1, 7.18.5: the catalog says the file is tagged and shows its title, pages take
  annotations in structure order, every link annotation has a `Link` element and an
  alternate description;
- 7.2: the document's language, and a `Span` with its `/Lang` where the text changes
  language; the structure tree read in order gives the letter's own text;
- 7.3: an image is a `Figure` with `/Alt`, or an artifact when the letter says so;
- 7.4, 7.6, 7.5: the subject is the `H1`, the distribution list an `L` of `LI`s with a
  `Lbl` and an `LBody`, the header a `Table` of rows, each a `TH` and a `TD`;
- 7.8: page labels and rules are artifacts;
- 7.21.7: every glyph code drawn has its text in the ToUnicode map;
- pdfua (PyPI), the machine-checkable subset of PDF/UA-1, finds nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pdfua
import pikepdf
import pytest
from golden_samples import render_samples
from pdf_structure import (
    Marked,
    marked_texts,
    page_marks,
    structure_problems,
    tounicode_map,
    tree,
)
from render_samples import composed as composed_letter
from text_layer import (
    SAMPLES,
    RenderedSample,
    blocks,
    languages,
    render_first_of_each_language,
    words,
)

from missive.compose.direction import RLM
from missive.model import Language, Paragraph, Run
from missive.render.pdf import Renderer

LETTERS = [(sample, language) for sample in SAMPLES for language in languages(sample)]
Rendered = dict[tuple[str, Language], RenderedSample]


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    return render_first_of_each_language()


def _open(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


@pytest.mark.parametrize(("sample", "language"), LETTERS)
def test_every_content_is_tagged_and_the_parent_tree_agrees(
    rendered: Rendered, sample: str, language: Language
) -> None:
    with _open(rendered[sample, language].data) as pdf:
        assert structure_problems(pdf) == []
        for number, page in enumerate(pdf.pages, start=1):
            marks = page_marks(page, number)
            assert marks.painted > 0 and marks.mcids, number


@pytest.mark.parametrize(("sample", "language"), LETTERS)
def test_pdfua_finds_nothing(
    rendered: Rendered, sample: str, language: Language, tmp_path: Path
) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(rendered[sample, language].data)
    report = pdfua.validate(str(path))
    assert [(f.rule_id, f.message) for f in report.findings] == []


def test_every_sample_pdf_passes_pdfua_and_is_complete(tmp_path: Path) -> None:
    """Every PDF of both sample letters (all recipients, every language), rendered as a
    user renders them: pdfua finds nothing, the structure tree is complete, PDF/A-2u."""
    pdfs = render_samples(tmp_path)
    assert len(pdfs) > len(LETTERS)
    for key, path in pdfs.items():
        report = pdfua.validate(str(path))
        assert [(f.rule_id, f.message) for f in report.findings] == [], key
        with pikepdf.open(path) as pdf:
            assert structure_problems(pdf) == [], key
            assert pdf.open_metadata().pdfa_status == "2U", key


@pytest.mark.parametrize(("sample", "language"), LETTERS)
def test_the_catalog_pages_and_links_say_what_ua_asks(
    rendered: Rendered, sample: str, language: Language
) -> None:
    composed, data, _ = rendered[sample, language]
    with _open(data) as pdf:
        root = pdf.Root
        assert bool(root.MarkInfo.Marked) and bool(root.ViewerPreferences.DisplayDocTitle)
        assert str(root.Lang) == composed.lang_tag
        assert str(pdf.docinfo.Title) == composed.title
        meta = pdf.open_metadata()
        assert meta["pdfuaid:part"] == "1" and meta["dc:title"] == str(pdf.docinfo.Title)
        owned = tree(pdf)
        for page in pdf.pages:
            assert page.obj.Tabs == pikepdf.Name.S and "/StructParents" in page.obj
            for annotation in page.obj.get("/Annots", []):
                assert int(annotation.F) & 4 and str(annotation.Contents)
                assert str(owned.annotations[annotation.objgen].S) == "/Link"


@pytest.mark.parametrize(("sample", "language"), LETTERS)
def test_the_title_joins_the_subject_lines_as_the_cover_note_does(
    rendered: Rendered, sample: str, language: Language
) -> None:
    """The title of a subject of several lines: its lines joined by the language's
    separator ("Event, 27–31 May 2024"), the cover note's subject, never a bare space."""
    composed = rendered[sample, language].composed
    assert composed.title == composed.cover.subject.removeprefix(RLM)
    lines = [line.strip() for line in composed.subject.splitlines() if line.strip()]
    if len(lines) > 1:
        assert composed.title != " ".join(lines)


@pytest.mark.parametrize(("sample", "language"), LETTERS)
def test_pdfa_2u_in_the_same_file(rendered: Rendered, sample: str, language: Language) -> None:
    """ISO 19005-2 (level U) as far as it is read back here: the XMP says PDF/A-2u and
    PDF/UA-1 and repeats the document information (6.6.2, 6.6.3), the output intent is
    sRGB (6.2.3), every font is embedded with a ToUnicode map (6.2.11.4, 6.2.11.7), no
    encryption, an ID (6.1.3), annotations printable (6.3.2)."""
    composed, data, _ = rendered[sample, language]
    with _open(data) as pdf:
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "2U" and meta["pdfuaid:part"] == "1"
        assert meta["dc:language"] == {composed.lang_tag}
        info = pdf.docinfo
        assert meta["dc:title"] == str(info.Title) == composed.title
        assert meta["dc:creator"] == [str(info.Author)]
        assert meta["dc:description"] == str(info.Subject)
        assert meta["pdf:Keywords"] == str(info.Keywords)
        assert meta["pdf:Producer"] == str(info.Producer)
        assert meta["xmp:CreatorTool"] == str(info.Creator)
        for key, date in (("xmp:CreateDate", info.CreationDate), ("xmp:ModifyDate", info.ModDate)):
            assert _pdf_date(meta[key]) == str(date)
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1 and int(intent.DestOutputProfile.N) == 3
        assert intent.DestOutputProfile.read_bytes()[12:20] == b"mntrRGB "
        assert "/Encrypt" not in pdf.trailer and len(pdf.trailer.ID) == 2
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.FontDescriptor
                assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font.BaseFont
                assert "/ToUnicode" in font
            for annotation in page.obj.get("/Annots", []):
                assert int(annotation.F) & 0b100111 == 4  # Print, not hidden nor invisible


def _pdf_date(xmp: str) -> str:
    """An XMP date (2024-01-31T12:00:00+00:00) as the document information writes it."""
    moment = dt.datetime.fromisoformat(xmp).astimezone(dt.UTC)
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _elements(element: Any) -> Iterator[Any]:
    yield element
    for kid in _kids(element):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield from _elements(kid)


def _roles(element: Any) -> list[str]:
    return [
        str(kid.S) for kid in _kids(element) if isinstance(kid, pikepdf.Dictionary) and "/S" in kid
    ]


@pytest.mark.parametrize(("sample", "language"), LETTERS)
def test_subject_list_and_header_have_their_roles(
    rendered: Rendered, sample: str, language: Language
) -> None:
    composed, data, _ = rendered[sample, language]
    with _open(data) as pdf:
        document = pdf.Root.StructTreeRoot.K
        elements = list(_elements(document))
        headings = [e for e in elements if e.S == "/H1"]
        assert len(headings) == 1
        lists = [e for e in elements if e.S == "/L"]
        assert len(lists) >= 1 and len(_kids(lists[0])) == len(composed.distribution)
        assert all(_roles(item) == ["/Lbl", "/LBody"] for item in _kids(lists[0]))
        (table,) = [e for e in elements if e.S == "/Table"]
        rows = _kids(table)
        assert len(rows) == len(composed.header_fields)
        for row in rows:
            assert _roles(row) == ["/TH", "/TD"]
            assert _kids(row)[0].A.Scope == pikepdf.Name.Row


INLINE = frozenset({"/Link", "/Span"})  # parts of a paragraph's text: no space around


def _tree_text(pdf: pikepdf.Pdf, texts: dict[tuple[int, int], Marked]) -> str:
    """The letter's text as the structure tree reads it: each element's marked content
    in the order its kids stand, a space between block elements, a word broken at a
    soft hyphen across pages joined."""
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    out: list[str] = []
    last: list[Any] = [None]  # the line the text read last ends on

    def add(text: str, first: Any = None, end: Any = None) -> None:
        if out and out[-1].endswith("\u00ad"):
            out[-1] = out[-1][:-1]
        elif first is not None and last[0] is not None and first != last[0]:
            out.append(" ")  # another line of the same element: an address's
        out.append(text)
        last[0] = end

    def walk(element: Any, page: int | None) -> None:
        if "/Pg" in element:
            page = pages[element.Pg.objgen]
        if str(element.S) not in INLINE:
            add(" ")
            last[0] = None
        for kid in _kids(element):
            if isinstance(kid, int):
                assert page is not None
                add(*texts.get((page, kid), ("", None, None)))
            elif kid.get("/Type") == pikepdf.Name.MCR:
                add(*texts.get((pages[kid.Pg.objgen], int(kid.MCID)), ("", None, None)))
            elif "/S" in kid:
                walk(kid, page)

    walk(pdf.Root.StructTreeRoot.K, None)
    return "".join(out)


@pytest.mark.parametrize(("sample", "language"), [k for k in LETTERS if k[1] is not Language.AR])
def test_the_structure_tree_reads_as_the_letter(
    rendered: Rendered, sample: str, language: Language
) -> None:
    """What PDF/UA defines as the reading order, read back: the composed letter's words
    in order (Chinese: its characters). Arabic is drawn run by run in logical order,
    each run's glyphs in visual order, which a reader reorders with UAX #9; not here."""
    composed, data, _ = rendered[sample, language]
    with _open(data) as pdf:
        read = _tree_text(pdf, marked_texts(pdf))
    got = [w.replace("-", "") for w in words(read)]
    expected = [w.replace("-", "") for block in blocks(composed) for w in words(block)]
    if language is Language.ZH:
        assert "".join(got) == "".join(expected)
    else:
        assert got == expected


def test_a_name_in_another_language_is_a_span_with_its_lang() -> None:
    letter = composed_letter(Language.EN)
    note = Paragraph((Run("Our colleague عبد الله بن أحمد will attend."),))
    data = Renderer().render(replace(letter, body=(*letter.body, note))).data
    with _open(data) as pdf:
        texts = marked_texts(pdf)
        spans = [e for e in _elements(pdf.Root.StructTreeRoot.K) if e.S == "/Span"]
        assert [str(span.Lang) for span in spans] == ["ar"]
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        (span,) = spans
        text = texts[pages[span.Pg.objgen], int(span.K)][0]
        assert sorted(text.replace(" ", "")) == sorted("عبدالله بن أحمد".replace(" ", ""))


def test_a_logo_is_a_figure_with_its_description_or_an_artifact(tmp_path: Path) -> None:
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), (0, 80, 160)).save(logo)
    letter = replace(composed_letter(Language.FR), logo=logo, logo_alt="Emblème de l’UIT")
    data = Renderer().render(letter).data
    with _open(data) as pdf:
        assert structure_problems(pdf) == []
        figures = [e for e in _elements(pdf.Root.StructTreeRoot.K) if e.S == "/Figure"]
        assert [str(f.Alt) for f in figures] == ["Emblème de l’UIT"]
    data = Renderer().render(replace(letter, logo_alt=None)).data  # decorative
    with _open(data) as pdf:
        assert structure_problems(pdf) == []
        assert not [e for e in _elements(pdf.Root.StructTreeRoot.K) if e.S == "/Figure"]
        assert page_marks(pdf.pages[0], 1).artifacts >= 2  # the logo and the rule


def test_page_labels_are_pagination_artifacts(rendered: Rendered) -> None:
    data = rendered[SAMPLES[0], Language.EN].data
    with _open(data) as pdf:
        assert len(pdf.pages) > 1
        operators = [
            (str(i.operator), i.operands)
            for i in pikepdf.parse_content_stream(pdf.pages[1])
            if str(i.operator) == "BDC" and str(i.operands[0]) == "/Artifact"
        ]
        kinds = [str(operands[1].get("/Type")) for _, operands in operators]
        assert "/Pagination" in kinds


@pytest.mark.parametrize(("sample", "language"), LETTERS)
def test_every_glyph_code_drawn_has_its_text(
    rendered: Rendered, sample: str, language: Language
) -> None:
    with _open(rendered[sample, language].data) as pdf:
        cmaps: dict[tuple[int, int], dict[int, str]] = {}  # per font of this PDF
        for font, code in _codes_drawn(pdf):
            table = _cmap(font, cmaps)
            assert code in table, (str(font.BaseFont), code)
            text = table[code]
            assert text and "\ufffd" not in text
            forms = [c for c in text if 0xFB50 <= ord(c) <= 0xFDFF or 0xFE70 <= ord(c) <= 0xFEFF]
            private = [c for c in text if 0xE000 <= ord(c) <= 0xF8FF or ord(c) >= 0xF0000]
            assert forms == [] and private == [], text


def _codes_drawn(pdf: pikepdf.Pdf) -> Iterator[tuple[Any, int]]:
    for page in pdf.pages:
        fonts: Any = page.Resources.Font
        current = None
        for instruction in pikepdf.parse_content_stream(page):
            operator = str(getattr(instruction, "operator", ""))
            operands: Any = getattr(instruction, "operands", ())
            if operator == "Tf":
                current = fonts[operands[0]]
            elif operator in ("TJ", "Tj"):
                items = operands[0] if operator == "TJ" else [operands[0]]
                for item in items:
                    if isinstance(item, pikepdf.String) and current is not None:
                        yield from ((current, byte) for byte in bytes(item))


def _cmap(font: Any, cmaps: dict[tuple[int, int], dict[int, str]]) -> dict[int, str]:
    found = cmaps.get(font.objgen)
    if found is None:
        found = cmaps[font.objgen] = tounicode_map(font.ToUnicode.read_bytes())
    return found


def test_a_logo_needs_a_description_or_to_be_said_decorative(tmp_path: Path) -> None:
    from PIL import Image

    from missive.errors import InputError
    from missive.load import load_letter

    source = Path(__file__).resolve().parent.parent / "letters" / "wsis20-invitation.yaml"
    Image.new("RGB", (40, 20), (0, 80, 160)).save(tmp_path / "logo.png")
    text = source.read_text(encoding="utf-8")
    letter = tmp_path / "letters" / "logo.yaml"
    letter.parent.mkdir()
    for name in ("templates", "recipients", "signatories"):
        (tmp_path / name).symlink_to(source.parent.parent / name)
    letter.write_text(text + f"\nlogo: {tmp_path / 'logo.png'}\n", encoding="utf-8")
    with pytest.raises(InputError, match="logo_alt: describe the logo"):
        load_letter(letter)
    letter.write_text(text + f"\nlogo: {tmp_path / 'logo.png'}\nlogo_alt: decorative\n")
    assert load_letter(letter).logo_alt is None
