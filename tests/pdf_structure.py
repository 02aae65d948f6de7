"""Reading a tagged PDF's structure back with pikepdf, clause by clause of PDF/UA-1.

Each function returns what it found wrong (an empty list when nothing), so that a test
can say which page, which MCID, which element; the tests of the structure tree
(`test_structure.py`) and of the letters (`test_tagged_letters.py`) share them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf

# Operators that put something on the page (ISO 32000-1, tables 51, 59, 77, 92, 107).
TEXT_SHOWING = frozenset({"Tj", "TJ", "'", '"'})
PAINTING = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "INLINE IMAGE"})


@dataclass
class PageMarks:
    """What one page's content stream holds, read in order."""

    mcids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    painted: int = 0  # operators that paint, inside real content or an artifact
    artifacts: int = 0


def _operands(instruction: Any) -> tuple[Any, ...]:
    return tuple(getattr(instruction, "operands", ()))


def _mcid(operands: tuple[Any, ...]) -> int | None:
    if len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary):
        value = operands[1].get("/MCID")
        return int(value) if value is not None else None
    return None


class _Reader:
    """One content stream read in order: the marked sequences open at each operator."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.found = PageMarks()
        self.stack: list[tuple[str, int | None, int]] = []  # tag, MCID, text depth at begin
        self.in_text = 0

    def inside(self) -> bool:
        return any(mcid is not None or tag == "/Artifact" for tag, mcid, _ in self.stack)

    def read(self, operator: str, operands: tuple[Any, ...]) -> None:
        where = f"page {self.number}, {operator}"
        problems = self.found.problems
        if operator == "BT":
            self.in_text += 1
        elif operator == "ET":
            if self.stack and self.stack[-1][2] == self.in_text:
                problems.append(f"{where}: a marked sequence begun in the text ends after it")
            self.in_text -= 1
        elif operator in ("BDC", "BMC"):
            self.begin(operator, operands, where)
        elif operator == "EMC":
            if not self.stack:
                problems.append(f"{where}: EMC without a sequence")
            else:
                self.stack.pop()
        elif operator in TEXT_SHOWING or operator in PAINTING:
            if self.inside():
                self.found.painted += 1
            else:
                problems.append(f"{where}: painted outside real content and artifacts")

    def begin(self, operator: str, operands: tuple[Any, ...], where: str) -> None:
        tag = str(operands[0])
        mcid = _mcid(operands) if operator == "BDC" else None
        if mcid is not None:
            if self.inside():
                self.found.problems.append(f"{where}: MCID {mcid} inside another sequence")
            self.found.mcids.append(mcid)
        if tag == "/Artifact":
            self.found.artifacts += 1
        self.stack.append((tag, mcid, self.in_text))


def page_marks(page: pikepdf.Page, number: int) -> PageMarks:
    """Every painting operator inside real content (an MCID) or an artifact; sequences
    balanced, never an MCID inside another or inside an artifact, never across BT/ET."""
    reader = _Reader(number)
    for instruction in pikepdf.parse_content_stream(page):
        operator = str(getattr(instruction, "operator", "INLINE IMAGE"))
        reader.read(operator, _operands(instruction))
    found = reader.found
    if reader.stack:
        found.problems.append(f"page {number}: {len(reader.stack)} sequence(s) never ended")
    duplicates = [m for m, count in Counter(found.mcids).items() if count > 1]
    if duplicates:
        found.problems.append(f"page {number}: MCIDs used twice: {duplicates}")
    return found


def content_problems(pdf: pikepdf.Pdf) -> list[str]:
    problems: list[str] = []
    for number, page in enumerate(pdf.pages, start=1):
        problems += page_marks(page, number).problems
    return problems


@dataclass
class Owned:
    """What the structure tree says it owns."""

    marks: dict[tuple[int, int], Any] = field(default_factory=dict)  # (page, MCID) -> element
    annotations: dict[tuple[int, int], Any] = field(default_factory=dict)  # objgen -> element
    problems: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # in reading order


def _page_numbers(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: index for index, page in enumerate(pdf.pages)}


def tree(pdf: pikepdf.Pdf) -> Owned:
    """Walk the structure tree: every element's /P is its parent, every MCID it names is
    named once, every OBJR names an annotation of its page."""
    owned = Owned()
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        owned.problems.append("no StructTreeRoot")
        return owned
    pages = _page_numbers(pdf)
    for kid in _kids(root):
        _walk(kid, root, None, pages, owned)
    return owned


def _kids(node: Any) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _walk(
    element: Any, parent: Any, page: int | None, pages: dict[tuple[int, int], int], owned: Owned
) -> None:
    role = str(element.get("/S"))
    owned.roles.append(role)
    if element.get("/P") is None or element.P.objgen != parent.objgen:
        owned.problems.append(f"{role} {element.objgen}: /P is not its parent")
    if "/Pg" in element:
        page = pages.get(element.Pg.objgen)
    for kid in _kids(element):
        if isinstance(kid, int):
            _own_mark(owned, element, page, int(kid), role)
        elif kid.get("/Type") == pikepdf.Name.MCR:
            kid_page = pages.get(kid.Pg.objgen) if "/Pg" in kid else page
            _own_mark(owned, element, kid_page, int(kid.MCID), role)
        elif kid.get("/Type") == pikepdf.Name.OBJR:
            objgen = kid.Obj.objgen
            if objgen in owned.annotations:
                owned.problems.append(f"{role}: annotation {objgen} named twice")
            owned.annotations[objgen] = element
            annots = pdf_page_annotations(kid, pages, element)
            if objgen not in annots:
                owned.problems.append(f"{role}: OBJR {objgen} is not an annotation of its page")
        else:
            _walk(kid, element, page, pages, owned)


def pdf_page_annotations(
    objr: Any, pages: dict[tuple[int, int], int], element: Any
) -> set[tuple[int, int]]:
    page = objr.get("/Pg") or element.get("/Pg")
    if page is None:
        return set()
    return {annotation.objgen for annotation in page.get("/Annots", [])}


def _own_mark(owned: Owned, element: Any, page: int | None, mcid: int, role: str) -> None:
    if page is None:
        owned.problems.append(f"{role}: MCID {mcid} with no page")
        return
    if (page, mcid) in owned.marks:
        owned.problems.append(f"{role}: page {page + 1} MCID {mcid} named twice")
    owned.marks[(page, mcid)] = element


def number_tree(node: Any) -> Iterator[tuple[int, Any]]:
    nums = node.get("/Nums")
    if nums is not None:
        for index in range(0, len(nums), 2):
            yield int(nums[index]), nums[index + 1]
    for kid in node.get("/Kids", []):
        yield from number_tree(kid)


def parent_tree_problems(pdf: pikepdf.Pdf, owned: Owned) -> list[str]:
    """The parent tree maps each page's MCIDs and each annotation back to the element
    that names it, and every MCID of the content is named by the tree."""
    problems: list[str] = []
    root = pdf.Root.StructTreeRoot
    parents = dict(number_tree(root.ParentTree))
    keys: set[int] = set()
    for number, page in enumerate(pdf.pages):
        content = page_marks(page, number + 1)
        if "/StructParents" not in page.obj:
            if content.mcids:
                problems.append(f"page {number + 1}: MCIDs but no StructParents")
            continue
        key = int(page.obj.StructParents)
        keys.add(key)
        array = parents.get(key)
        if array is None:
            problems.append(f"page {number + 1}: StructParents {key} not in the parent tree")
            continue
        for mcid in content.mcids:
            element = owned.marks.get((number, mcid))
            if element is None:
                problems.append(f"page {number + 1}: MCID {mcid} named by no element")
            elif mcid >= len(array) or array[mcid].objgen != element.objgen:
                problems.append(f"page {number + 1}: parent tree's MCID {mcid} is not its owner")
        if len(array) != len(content.mcids):
            problems.append(f"page {number + 1}: {len(array)} parents for {len(content.mcids)}")
        for annotation in page.obj.get("/Annots", []):
            problems += _annotation_problems(annotation, parents, owned, keys, number + 1)
    named = {mark for mark in owned.marks if mark[1] not in page_marks_set(pdf, mark[0])}
    problems += [f"page {p + 1}: the tree names MCID {m}, absent" for p, m in sorted(named)]
    next_key = int(root.get("/ParentTreeNextKey", 0))
    if keys and next_key <= max(keys):
        problems.append(f"ParentTreeNextKey {next_key} not above every key")
    return problems


def page_marks_set(pdf: pikepdf.Pdf, page: int) -> set[int]:
    return set(page_marks(pdf.pages[page], page + 1).mcids)


def _annotation_problems(
    annotation: Any, parents: dict[int, Any], owned: Owned, keys: set[int], page: int
) -> list[str]:
    if "/StructParent" not in annotation:
        return [f"page {page}: annotation {annotation.objgen} has no StructParent"]
    key = int(annotation.StructParent)
    if key in keys:
        return [f"page {page}: StructParent {key} used twice"]
    keys.add(key)
    element = owned.annotations.get(annotation.objgen)
    found = parents.get(key)
    if element is None:
        return [f"page {page}: annotation {annotation.objgen} named by no OBJR"]
    if found is None or found.objgen != element.objgen:
        return [f"page {page}: the parent tree's annotation {key} is not its Link"]
    return []


def structure_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Everything above at once."""
    owned = tree(pdf)
    if "/StructTreeRoot" not in pdf.Root:
        return owned.problems
    return content_problems(pdf) + owned.problems + parent_tree_problems(pdf, owned)


def _cmap_of(font: Any, kept: dict[tuple[int, int], dict[int, str]]) -> dict[int, str]:
    found = kept.get(font.objgen)
    if found is None:
        found = kept[font.objgen] = {}
        inside = ""
        for raw in font.ToUnicode.read_bytes().decode("latin-1").splitlines():
            line = raw.strip()
            if line.endswith(("beginbfchar", "beginbfrange")):
                inside = line.split()[-1]
            elif line in ("endbfchar", "endbfrange"):
                inside = ""
            elif inside == "beginbfchar":
                code, text = line.split()
                found[int(code[1:-1], 16)] = bytes.fromhex(text[1:-1]).decode("utf-16-be")
            elif inside == "beginbfrange" and line.count("<") == 3:  # <lo> <hi> <start>
                low, high, start = (int(part.strip("<>"), 16) for part in line.split())
                for offset in range(high - low + 1):
                    found[low + offset] = chr(start + offset)
    return found


@dataclass
class _TextReader:
    """One page's text per marked-content sequence, as a structure-aware reader reads
    it: glyph codes through the ToUnicode maps, `/ActualText` in place of what it spans,
    a line break where a line ends (a space, none after a soft hyphen, which goes)."""

    fonts: Any
    cmaps: dict[tuple[int, int], dict[int, str]]
    texts: dict[int, list[str]] = field(default_factory=dict)
    lines: dict[int, tuple[Any, Any]] = field(default_factory=dict)
    stack: list[tuple[int | None, bool]] = field(default_factory=list)  # MCID, ActualText
    font: Any = None
    y: float | None = None
    block: int = 0  # text objects begun: another flowable's text
    new_line: bool = False

    def mcid(self) -> int | None:
        return next((m for m, _ in reversed(self.stack) if m is not None), None)

    def emit(self, text: str) -> None:
        """Glyphs' text of the sequence open; a line break first if a line began."""
        mcid = self.mcid()
        if mcid is None:
            return
        parts = self.texts.setdefault(mcid, [])
        if self.new_line and parts:
            parts.append("\n")
        self.new_line = False
        here = (self.block, self.y)
        self.lines[mcid] = (self.lines.get(mcid, (here, None))[0], here)  # first, last
        parts.append(text)

    def read(self, operator: str, operands: tuple[Any, ...]) -> None:
        inside_actual = any(actual for _, actual in self.stack)
        if operator == "BDC":
            props: Any = operands[1] if isinstance(operands[1], pikepdf.Dictionary) else {}
            mcid, actual = props.get("/MCID"), props.get("/ActualText")
            self.stack.append((int(mcid) if mcid is not None else None, actual is not None))
            if actual is not None and not inside_actual:
                self.emit(str(actual))
        elif operator == "BMC":
            self.stack.append((None, False))
        elif operator == "EMC" and self.stack:
            self.stack.pop()
        elif operator == "Tf":
            self.font = self.fonts[operands[0]]
        elif operator == "BT":
            self.block += 1
        elif operator == "Tm":
            y = float(operands[5])
            if self.y is not None and abs(y - self.y) > 1:
                self.new_line = True
            self.y = y
        elif operator in ("TJ", "Tj") and not inside_actual:
            items = operands[0] if operator == "TJ" else [operands[0]]
            cmap = _cmap_of(self.font, self.cmaps)
            two = self.font.get("/Subtype") == pikepdf.Name.Type0  # two-byte codes (Typst's)
            for item in items:
                if isinstance(item, pikepdf.String):
                    data = bytes(item)
                    codes = (
                        [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
                        if two
                        else list(data)
                    )
                    self.emit("".join(cmap.get(code, "\ufffd") for code in codes))


Marked = tuple[str, Any, Any]  # text, where its first line stands, where its last does


def marked_texts(pdf: pikepdf.Pdf) -> dict[tuple[int, int], Marked]:
    """(page, MCID) -> the text of that marked-content sequence (see `_TextReader`) and
    where its first and last lines stand."""
    cmaps: dict[tuple[int, int], dict[int, str]] = {}
    found: dict[tuple[int, int], Marked] = {}
    for index, page in enumerate(pdf.pages):
        reader = _TextReader(page.Resources.get("/Font", {}), cmaps)
        for instruction in pikepdf.parse_content_stream(page):
            operator = str(getattr(instruction, "operator", ""))
            reader.read(operator, _operands(instruction))
        for mcid, parts in reader.texts.items():
            text = "".join(parts).replace("\u00ad\n", "").replace("-\n", "-")  # a word broken
            first, last = reader.lines.get(mcid, (None, None))
            found[index, mcid] = (text.replace("\n", " "), first, last)
    return found


def tounicode_map(data: bytes) -> dict[int, str]:
    """A font's ToUnicode CMap (`data`, as missive writes it: bfchar entries) as code -> text."""
    table: dict[int, str] = {}
    inside = False
    for line in data.decode("ascii").splitlines():
        if line.endswith("beginbfchar"):
            inside = True
        elif line == "endbfchar":
            inside = False
        elif inside:
            code, text = line.split()
            table[int(code[1:-1], 16)] = bytes.fromhex(text[1:-1]).decode("utf-16-be")
    return table
