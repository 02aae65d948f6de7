"""The structure tree (missive.render.structure), marked content (marked) and hand-built
PDF objects (pdf_values), in a PDF written by hand around them and read back by pikepdf
and pdfua: no ReportLab, so what is checked is the tree's own objects."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest
from pdf_structure import content_problems, structure_problems, tree

from missive.render import marked
from missive.render.pdf_values import (
    Indirect,
    Name,
    Outside,
    Raw,
    Text,
    name,
    number,
    object_body,
    syntax,
)
from missive.render.structure import Role, StructureError, StructureTree, Tag, TreeObjects

SUBJECT, BODY, LINK, ARABIC, LIST, ITEM, LABEL, ITEM_BODY, LOGO = (
    "subject", "body", "link", "arabic", "list", "item", "label", "item body", "logo",
)  # fmt: skip


@dataclass
class Page:
    code: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # the writer's names of its annotations


def text(words: str, x: float, y: float) -> str:
    return f"BT /F1 11 Tf {number(x).decode()} {number(y).decode()} Td ({words}) Tj ET"


def draw_first_page(structure: StructureTree, page: Page) -> None:
    """A subject, a paragraph with a link and an Arabic name inside, a list: what a
    letter's first page asks of the tree, in drawing order."""
    structure.begin_page()
    page.code.append(marked.artifact(marked.Artifact.LAYOUT, "0 0 m 500 0 l S"))
    structure.element(SUBJECT, Tag(Role.H1))
    structure.mark(SUBJECT)
    page.code.append(marked.wrapped("H1", text("Invitation", 50, 780)))
    draw_paragraph(structure, page)
    structure.element(LIST, Tag(Role.L))
    structure.element(ITEM, Tag(Role.LI), LIST)
    structure.element(LABEL, Tag(Role.LBL), ITEM)
    structure.mark(LABEL)
    structure.element(ITEM_BODY, Tag(Role.LBODY), ITEM)
    structure.mark(ITEM_BODY)
    page.code.append(marked.wrapped("Lbl", text("-", 50, 700)))
    page.code.append(marked.wrapped("LBody", text("Governments", 60, 700)))


def draw_paragraph(structure: StructureTree, page: Page) -> None:
    structure.element(BODY, Tag(Role.P))
    structure.element(LINK, Tag(Role.LINK), BODY)
    structure.element(ARABIC, Tag(Role.SPAN, lang="ar"), BODY)
    for key in (BODY, LINK, BODY, ARABIC, BODY):
        structure.mark(key)
    structure.annotation(LINK, "Annot.1")
    page.links.append("Annot.1")
    role = {BODY: "P", LINK: "Link", ARABIC: "Span"}
    code = ["BT /F1 11 Tf 50 750 Td"]
    for key, words in ((BODY, "See "), (LINK, "the site"), (BODY, " of "), (ARABIC, "x")):
        code += [marked.begin(role[key]), f"({words}) Tj", marked.END]
    code += [marked.begin("P"), "0 -14 Td (and more.) Tj", marked.END, "ET"]
    page.code.append("\n".join(code))


def draw_second_page(structure: StructureTree, page: Page) -> None:
    """The paragraph goes on (an MCR: its /Pg is page 1), a figure, a page label."""
    structure.begin_page()
    structure.mark(BODY)
    page.code.append(marked.wrapped("P", text("The paragraph goes on.", 50, 780)))
    structure.element(LOGO, Tag(Role.FIGURE, alt="The emblem of the organisation"))
    structure.mark(LOGO)
    page.code.append(marked.wrapped("Figure", "q 0 0 1 rg 50 600 40 40 re f Q"))
    label = text("Page 2", 280, 30)
    page.code.append(marked.artifact(marked.Artifact.PAGINATION, label, "Footer"))


def build() -> tuple[StructureTree, list[Page]]:
    structure = StructureTree(lang="en")
    pages = [Page(), Page()]
    draw_first_page(structure, pages[0])
    draw_second_page(structure, pages[1])
    return structure, pages


def write_pdf(objects: TreeObjects, pages: Sequence[Page], *, lang: str = "en") -> bytes:
    """A PDF with the tree's objects, as the writer of the letters will make it."""
    numbers: dict[int, int] = {}
    bodies: list[bytes] = []

    def add(body: bytes = b"") -> int:
        bodies.append(body)
        return len(bodies)

    catalog, page_tree, font = add(), add(), add()
    page_numbers = [add() for _ in pages]
    contents = [add() for _ in pages]
    annotations = {n: add() for page in pages for n in page.links}
    for obj in objects.objects:
        numbers[id(obj)] = add()

    def resolve(target: Indirect | Outside) -> bytes:
        if isinstance(target, Indirect):
            return f"{numbers[id(target)]} 0 R".encode()
        if target.kind == "page":
            assert isinstance(target.key, int)
            return f"{page_numbers[target.key]} 0 R".encode()
        return f"{annotations[str(target.key)]} 0 R".encode()

    ref = {id(o): o for o in objects.objects}
    for obj in objects.objects:
        bodies[numbers[id(obj)] - 1] = object_body(ref[id(obj)], resolve)
    bodies[catalog - 1] = syntax(
        {
            "Type": Name("Catalog"),
            "Pages": Raw(f"{page_tree} 0 R".encode()),
            "StructTreeRoot": objects.root,
            "MarkInfo": {"Marked": True},
            "Lang": Text(lang),
            "ViewerPreferences": {"DisplayDocTitle": True},
        },
        resolve,
    )
    kids = " ".join(f"{n} 0 R" for n in page_numbers)
    bodies[page_tree - 1] = f"<</Type /Pages /Count {len(pages)} /Kids [{kids}]>>".encode()
    bodies[font - 1] = b"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>"
    keys = dict(objects.annotation_keys)
    for index, page in enumerate(pages):
        stream = "\n".join(page.code).encode("latin-1")
        bodies[contents[index] - 1] = (
            f"<</Length {len(stream)}>>\nstream\n".encode() + stream + b"\nendstream"
        )
        annots = " ".join(f"{annotations[n]} 0 R" for n in page.links)
        bodies[page_numbers[index] - 1] = (
            f"<</Type /Page /Parent {page_tree} 0 R /MediaBox [0 0 595 842] "
            f"/Resources <</Font <</F1 {font} 0 R>>>> /Contents {contents[index]} 0 R "
            f"/StructParents {objects.page_keys[index]} /Tabs /S /Annots [{annots}]>>"
        ).encode()
        for n in page.links:
            bodies[annotations[n] - 1] = (
                f"<</Type /Annot /Subtype /Link /Rect [50 740 120 760] /F 4 /Contents (the site) "
                f"/StructParent {keys[n]} /A <</S /URI /URI (https://example.org)>>>>"
            ).encode()
    return _file(bodies, catalog)


def _file(bodies: list[bytes], root: int) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for index, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(f"{index} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(bodies) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    trailer = f"trailer\n<</Size {len(bodies) + 1} /Root {root} 0 R>>\nstartxref\n{xref}\n%%EOF\n"
    out.write(trailer.encode())
    return out.getvalue()


def written(structure: StructureTree, pages: list[Page]) -> bytes:
    """The PDF with every placeholder numbered, as the writer does when a page ends."""
    for page in pages:
        page.code = [marked.number("\n".join(page.code))]
    return write_pdf(structure.objects(), pages)


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return written(*build())


def test_the_tree_names_every_mark_once_and_the_parent_tree_agrees(letter_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(letter_pdf)) as pdf:
        assert structure_problems(pdf) == []
        owned = tree(pdf)
        assert owned.roles == [
            "/Document", "/H1", "/P", "/Link", "/Span", "/L", "/LI", "/Lbl", "/LBody", "/Figure",
        ]  # fmt: skip
        assert len(owned.marks) == 10 and len(owned.annotations) == 1


def test_elements_carry_their_entries(letter_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(letter_pdf)) as pdf:
        document = pdf.Root.StructTreeRoot.K
        subject, paragraph = document.K[0], document.K[1]
        assert subject.S == "/H1" and int(subject.K) == 0
        span = paragraph.K[3]
        assert span.S == "/Span" and str(span.Lang) == "ar"
        link = paragraph.K[1]
        assert int(link.K[0]) == 2 and link.K[1].Type == "/OBJR"
        on_page_two = paragraph.K[-1]
        assert on_page_two.Type == "/MCR" and int(on_page_two.MCID) == 0
        assert on_page_two.Pg.objgen == pdf.pages[1].obj.objgen
        figure = document.K[3]
        assert str(figure.Alt) == "The emblem of the organisation"


def test_pdfua_finds_nothing(letter_pdf: bytes, tmp_path: Path) -> None:
    import pdfua

    path = tmp_path / "tagged.pdf"
    path.write_bytes(letter_pdf)
    report = pdfua.validate(str(path))
    assert [(f.rule_id, f.message) for f in report.findings if f.severity.name == "ERROR"] == []


def test_a_replayed_log_tags_as_the_drawing_did() -> None:
    """An ending replayed from another letter asks the tree what the drawing asked."""
    drawn, _ = build()
    replayed = StructureTree(lang="en")
    first, second = Page(), Page()
    draw_first_page(replayed, first)
    scratch = StructureTree(lang="en")  # the letter the ending was recorded in
    scratch.begin_page()
    draw_first_page_elements_only(scratch)
    scratch.start_log()
    draw_second_page(scratch, second)
    log = scratch.take_log()
    replayed.begin_page()
    replayed.apply(log[0:0])  # nothing: a log may be empty
    replayed.apply(log)
    assert _syntax(replayed.objects()) == _syntax(drawn.objects())


def draw_first_page_elements_only(structure: StructureTree) -> None:
    """The elements an ending's log may refer to as parents, made before it starts."""
    structure.element(BODY, Tag(Role.P))


def _syntax(objects: TreeObjects) -> list[bytes]:
    numbers = {id(obj): index for index, obj in enumerate(objects.objects)}

    def resolve(target: Indirect | Outside) -> bytes:
        if isinstance(target, Indirect):
            return f"{numbers[id(target)]} 0 R".encode()
        return f"{target.kind}:{target.key}".encode()

    return [object_body(obj, resolve) for obj in objects.objects]


def test_the_log_replays_annotations_with_their_new_names() -> None:
    structure = StructureTree()
    structure.begin_page()
    structure.start_log()
    draw_paragraph(structure, Page())
    log = structure.take_log()
    again = StructureTree()
    again.begin_page()
    with pytest.raises(StructureError, match="fewer annotations"):
        again.apply(log)
    again = StructureTree()
    again.begin_page()
    again.apply(log, ["Annot.9"])
    assert again.objects().annotation_keys == (("Annot.9", 1),)


def test_mistakes_of_the_drawing_code_are_refused() -> None:
    structure = StructureTree()
    structure.begin_page()
    with pytest.raises(StructureError, match="never made"):
        structure.mark("nothing")
    with pytest.raises(StructureError, match="parent"):
        structure.element("orphan", Tag(Role.P), "no such parent")
    structure.element("p", Tag(Role.P))
    with pytest.raises(StructureError, match="asked as"):
        structure.element("p", Tag(Role.H1))


def test_elements_without_content_are_left_out() -> None:
    structure = StructureTree()
    page = Page()
    structure.begin_page()
    structure.element("empty", Tag(Role.P))
    structure.element("full", Tag(Role.P))
    structure.mark("full")
    page.code.append(marked.wrapped("P", text("full", 50, 700)))
    with pikepdf.open(io.BytesIO(written(structure, [page]))) as pdf:
        assert tree(pdf).roles == ["/Document", "/P"]


def test_the_checks_see_what_is_wrong() -> None:
    """Each check of pdf_structure fails on a PDF broken its way."""
    structure, pages = build()
    pages[1].code.append(text("untagged", 50, 50))  # content neither real nor artifact
    with pikepdf.open(io.BytesIO(written(structure, pages))) as pdf:
        assert content_problems(pdf) == ["page 2, Tj: painted outside real content and artifacts"]
    structure, pages = build()
    structure.mark(LOGO)  # a mark the page's code does not hold
    with pikepdf.open(io.BytesIO(written(structure, pages))) as pdf:
        problems = structure_problems(pdf)
        assert "page 2: 3 parents for 2" in problems
        assert "page 2: the tree names MCID 2, absent" in problems
    structure, pages = build()
    pages[0].code.insert(1, marked.wrapped("P", text("unowned", 50, 50)))  # numbers shift
    with pikepdf.open(io.BytesIO(written(structure, pages))) as pdf:
        assert "page 1: MCID 8 named by no element" in structure_problems(pdf)
    with pikepdf.open(io.BytesIO(written(*build()))) as pdf:
        parents = pdf.Root.StructTreeRoot.ParentTree.Nums[1]
        parents[0], parents[1] = parents[1], parents[0]  # the parent tree disagrees
        assert "page 1: parent tree's MCID 0 is not its owner" in structure_problems(pdf)


def test_placeholders_are_numbered_in_order() -> None:
    code = f"{marked.begin('P')} x {marked.END} {marked.begin('Span')} y {marked.END}"
    assert marked.slots(code) == 2
    assert marked.number(code, 3) == "/P <</MCID 3>> BDC x EMC /Span <</MCID 4>> BDC y EMC"
    assert marked.number("q Q") == "q Q"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Text("Geneva"), b"(Geneva)"),
        (Text("a(b)"), b"<FEFF0061002800620029>"),
        (Text("جنيف"), b"<FEFF062C0646064A0641>"),
        (0.5, b"0.5"),
        (-0.0000001, b"0"),
        (12.0, b"12"),
        ({"A": [True, None]}, b"<</A [true null]>>"),
    ],
)
def test_syntax(value: object, expected: bytes) -> None:
    assert syntax(value, lambda target: b"") == expected  # type: ignore[arg-type]


def test_names_are_escaped() -> None:
    assert name("Pagination") == b"/Pagination"
    assert name("a b#") == b"/a#20b#23"
