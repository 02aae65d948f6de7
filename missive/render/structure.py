"""The logical structure of a letter (tagged PDF, PDF/UA-1): elements in reading order,
which marked content of which page each owns, and the objects that say so.

A screen reader reads a tagged PDF through its structure tree, not its pages: a
`Document` of `P`aragraphs, an `H1` subject, `L`ists of `LI` items (`Lbl` the dash,
`LBody` the group), a `Table` of labelled header fields, `Div`s of signatures, `Link`s
that own both their text and their annotation, `Figure`s with an alternate description,
`Span`s where the language changes. Each piece of page content that belongs to an element
is a marked-content sequence with an MCID (its number on its page); the tree's leaves
name them, and the parent tree maps each page's MCIDs and each annotation back to its
element (ISO 32000-1, 14.7). Everything else on a page is an artifact
(`missive.render.marked`).

Drawing code asks for an element by a *key*: any hashable the flowable holds (a paragraph
and the parts it is split into share one), with the key of its parent; the tree makes the
element the first time a document asks. `mark(key)` then numbers the next marked-content
sequence of the current page for it; the sequences are numbered in the order they are
asked for, which is the order drawing writes them (the page's code carries placeholders
that `missive.render.marked.number` fills in that same order when the page ends).

What drawing asks can be recorded (`start_log`, `take_log`) and asked again (`apply`), so
that a letter's ending replayed from an earlier letter (`missive.render.tails`) tags itself
as it did then: the log holds keys, and a replayed ending is the very same flowables.

`objects()` gives the tree as `missive.render.pdf_values`: the structure tree root, its
elements, the parent tree (pages keyed 0 to n-1 in page order, then annotations in the
order they were added), and which key each page and annotation carries.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from missive.errors import RenderError
from missive.render.pdf_values import Indirect, Name, Outside, Template, name, text


class Role(StrEnum):
    """The standard structure types a letter uses (ISO 32000-1, 14.8.4): no role map."""

    DOCUMENT = "Document"
    PART = "Part"  # one letter of several in one file (a proof)
    DIV = "Div"
    P = "P"
    H1 = "H1"
    L = "L"
    LI = "LI"
    LBL = "Lbl"
    LBODY = "LBody"
    TABLE = "Table"
    TR = "TR"
    TH = "TH"
    TD = "TD"
    LINK = "Link"
    FIGURE = "Figure"
    SPAN = "Span"


@dataclass(frozen=True, slots=True)
class Tag:
    """What an element is: its role and the entries a role may need."""

    role: Role
    lang: str | None = None  # BCP 47, where it differs from its parent's
    alt: str | None = None  # a Figure's alternate description
    scope: str | None = None  # a TH's: "Row" or "Column"


@dataclass(frozen=True, slots=True)
class Marked:
    page: int
    mcid: int


@dataclass(frozen=True, slots=True)
class Annotated:
    page: int
    annotation: str  # the writer's own name for it


@dataclass(eq=False)
class Element:
    """An element; it takes its place among its parent's kids with its first content, so
    that kids stand in reading order and an element without content is never written."""

    tag: Tag
    parent: Element | None
    kids: list[Element | Marked | Annotated] = field(default_factory=list)
    placed: bool = False

    def add(self, kid: Marked | Annotated) -> None:
        self._place()
        self.kids.append(kid)

    def _place(self) -> None:
        if self.placed or self.parent is None:
            return
        self.parent._place()
        self.parent.kids.append(self)
        self.placed = True


class Asked(StrEnum):
    ELEMENT = "element"
    MARK = "mark"
    ANNOTATION = "annotation"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing drawing asked of the tree, as a log keeps it."""

    asked: Asked
    key: Hashable
    tag: Tag | None = None  # ELEMENT's
    parent: Hashable | None = None  # ELEMENT's


class StructureError(RenderError):
    """Drawing asked for something the tree cannot hold (a bug of the drawing code)."""


@dataclass(frozen=True, eq=False)
class Node:
    """What a flowable is in the structure tree: its tag, under its parent's node (None:
    the letter's top). A node is its own key (compared by identity): the parts a
    paragraph is split into share their node, and a letter gives its flowables new ones."""

    tag: Tag
    parent: Node | None = None


class StructureTree:
    """The structure of one PDF, built as it is drawn."""

    def __init__(self, lang: str | None = None) -> None:
        self.root = Element(Tag(Role.DOCUMENT, lang=lang), None)
        self._top = self.root  # where elements asked for without a parent go
        self._elements: dict[Hashable, Element] = {}
        self._pages: list[list[Element]] = []  # per page, the element of each MCID
        self._annotations: list[tuple[str, Element]] = []
        self._log: list[Event] | None = None

    @property
    def page(self) -> int:
        """The index of the page being drawn (from 0)."""
        if not self._pages:
            raise StructureError("no page begun")
        return len(self._pages) - 1

    def begin_page(self) -> int:
        self._pages.append([])
        return len(self._pages) - 1

    def marks_on(self, page: int) -> int:
        return len(self._pages[page])

    def begin_part(self, key: Hashable, tag: Tag) -> None:
        """A letter of several in one file: its elements go under an element of its own
        (a `Part` with its `/Lang`), made under the document."""
        top, self._top = self._top, self.root
        try:
            self._top = self.element(key, tag)
        except StructureError:
            self._top = top
            raise

    def ensure(self, node: Node) -> Element:
        """The element of `node`, its ancestors' made first."""
        if node.parent is not None and node.parent not in self._elements:
            self.ensure(node.parent)
        return self.element(node, node.tag, node.parent)

    def element(self, key: Hashable, tag: Tag, parent: Hashable | None = None) -> Element:
        """The element of `key`, made under the element of `parent` (None: the letter's
        top, the document or a letter's part) the first time it is asked for; `tag` must
        be the same every time."""
        found = self._elements.get(key)
        if found is not None:
            if found.tag != tag:
                raise StructureError(f"{key!r} asked as {tag} and as {found.tag}")
            return found
        above = self._top if parent is None else self._elements.get(parent)
        if above is None:
            raise StructureError(f"{key!r}: its parent {parent!r} was never made")
        made = Element(tag, above)
        self._elements[key] = made
        if self._log is not None:
            self._log.append(Event(Asked.ELEMENT, key, tag, parent))
        return made

    def mark(self, key: Hashable) -> int:
        """The MCID of the next marked-content sequence of the current page, for `key`."""
        owner = self._elements.get(key)
        if owner is None:
            raise StructureError(f"{key!r} was never made")
        if not self._pages:
            raise StructureError("no page begun")
        page = len(self._pages) - 1
        marks = self._pages[page]
        mcid = len(marks)
        marks.append(owner)
        owner.add(Marked(page, mcid))
        if self._log is not None:
            self._log.append(Event(Asked.MARK, key))
        return mcid

    def annotation(self, key: Hashable, annotation: str) -> None:
        """Record that the annotation the writer calls `annotation`, on the current page,
        belongs to `key` (a Link)."""
        owner = self._owner(key)
        self._annotations.append((annotation, owner))
        owner.add(Annotated(self.page, annotation))
        if self._log is not None:
            self._log.append(Event(Asked.ANNOTATION, key))

    def _owner(self, key: Hashable) -> Element:
        found = self._elements.get(key)
        if found is None:
            raise StructureError(f"{key!r} was never made")
        return found

    def start_log(self) -> None:
        self._log = []

    def take_log(self) -> tuple[Event, ...]:
        """What was asked since `start_log` (the log goes on, empty)."""
        if self._log is None:
            raise StructureError("no log started")
        taken, self._log = tuple(self._log), []
        return taken

    def stop_log(self) -> None:
        self._log = None

    def apply(self, events: Sequence[Event], annotations: Sequence[str] = ()) -> None:
        """Ask again what a log holds, on the current page; `annotations`: the writer's
        names of the annotations added again, one per ANNOTATION event, in order."""
        names = iter(annotations)
        for event in events:
            if event.asked is Asked.ELEMENT:
                assert event.tag is not None
                self.element(event.key, event.tag, event.parent)
            elif event.asked is Asked.MARK:
                self.mark(event.key)
            else:
                annotation = next(names, None)
                if annotation is None:
                    raise StructureError("fewer annotations than the log added")
                self.annotation(event.key, annotation)
        if next(names, None) is not None:
            raise StructureError("more annotations than the log added")

    def objects(self) -> TreeObjects:
        return _Writer(self).objects()

    def release(self) -> None:
        """Let go of the elements once the tree is written: each names its parent, which
        holds it among its kids (a cycle only the collector would free)."""
        for element in self._elements.values():
            element.parent = None
        self._elements.clear()
        self.root.kids.clear()


@dataclass(frozen=True)
class TreeObjects:
    root: Indirect  # the StructTreeRoot, for the catalog
    objects: tuple[Indirect, ...]  # every object to write, the root first
    page_keys: tuple[int, ...]  # each page's StructParents
    annotation_keys: tuple[tuple[str, int], ...]  # (the writer's name, StructParent)


class _Writer:
    """The tree as PDF objects: elements with content only, in reading order."""

    def __init__(self, tree: StructureTree) -> None:
        self.tree = tree
        self.made: dict[int, Indirect] = {}  # id(element) -> its object
        self.pages: dict[int, Outside] = {}  # each page's reference, made once

    def objects(self) -> TreeObjects:
        tree = self.tree
        pages = len(tree._pages)
        root = Indirect({"Type": Name("StructTreeRoot")})
        document = self._element(tree.root, root)
        parent_tree = Indirect(self._parent_tree())
        assert isinstance(root.value, dict)
        root.value["K"] = document
        root.value["ParentTree"] = parent_tree
        root.value["ParentTreeNextKey"] = pages + len(tree._annotations)
        objects = (root, *self.made.values(), parent_tree)
        annotation_keys = tuple(
            (name, pages + index) for index, (name, _) in enumerate(tree._annotations)
        )
        return TreeObjects(root, objects, tuple(range(pages)), annotation_keys)

    def _parent_tree(self) -> Template:
        """`<</Nums [0 [e e ...] 1 [...] n e]>>`: each page's elements by MCID, then
        each annotation's, as `syntax` writes that dictionary; made in parts."""
        tree = self.tree
        parts: list[bytes | Indirect | Outside] = [b"<</Nums ["]
        for page, marks in enumerate(tree._pages):
            parts.append(b"%d [" % page if page == 0 else b" %d [" % page)
            for index, owner in enumerate(marks):
                parts += (b" ", self.made[id(owner)]) if index else (self.made[id(owner)],)
            parts.append(b"]")
        pages = len(tree._pages)
        for index, (_, owner) in enumerate(tree._annotations):
            parts += (
                (b" " if pages + index else b"") + b"%d " % (pages + index),
                self.made[id(owner)],
            )
        parts.append(b"]>>")
        return Template(tuple(parts))

    def _element(self, element: Element, parent: Indirect) -> Indirect:
        """A structure element (no /Type: it is optional), its syntax made in parts; the
        bytes between two references joined as they come (a letter has some fifty)."""
        tag = element.tag
        made = self.made[id(element)] = Indirect(None)
        kids = element.kids
        page = next((kid.page for kid in kids if type(kid) is Marked), None)
        parts: list[bytes | Indirect | Outside] = [_OPENINGS[tag.role], parent]
        if page is not None:
            parts += (b" /Pg ", self._page(page))
        text_: list[bytes] = [b" /K [" if len(kids) != 1 else b" /K "]
        for index, kid in enumerate(kids):
            if index:
                text_.append(b" ")
            if type(kid) is Marked and kid.page == page:
                text_.append(b"%d" % kid.mcid)
                continue
            for part in self._kid(kid, made):
                if type(part) is bytes:
                    text_.append(part)
                else:
                    parts += (b"".join(text_), part)
                    text_ = []
        if len(kids) != 1:
            text_.append(b"]")
        if tag.lang:
            text_ += (b" /Lang ", text(tag.lang))
        if tag.alt is not None:
            text_ += (b" /Alt ", text(tag.alt))
        if tag.scope:
            text_ += (b" /A <</O /Table /Scope ", name(tag.scope), b">>")
        text_.append(b">>")
        parts.append(b"".join(text_))
        made.value = Template(tuple(parts))
        return made

    def _page(self, page: int) -> Outside:
        found = self.pages.get(page)
        if found is None:
            found = self.pages[page] = Outside("page", page)
        return found

    def _kid(
        self, kid: Element | Marked | Annotated, made: Indirect
    ) -> list[bytes | Indirect | Outside]:
        """A kid other than a marked sequence of the element's own page."""
        if isinstance(kid, Element):
            return [self._element(kid, made)]
        if isinstance(kid, Marked):
            return [b"<</Type /MCR /Pg ", self._page(kid.page), b" /MCID %d>>" % kid.mcid]
        return [
            b"<</Type /OBJR /Obj ",
            Outside("annotation", kid.annotation),
            b" /Pg ",
            self._page(kid.page),
            b">>",
        ]


# How each element's dictionary opens: its type, then its parent's reference.
_OPENINGS = {role: b"<</S " + name(role.value) + b" /P " for role in Role}


def walk(element: Element) -> Iterator[Element]:
    """The element and its descendants, in reading order."""
    yield element
    for kid in element.kids:
        if isinstance(kid, Element):
            yield from walk(kid)
