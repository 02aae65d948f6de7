"""What the letters' flowables are in the structure tree, and how a paragraph's text object
is cut into marked-content sequences (tagged PDF, PDF/UA-1).

A paragraph's content belongs to its own element (its `Node`: a `P`, an `H1`, a table
cell, a list item's body), except where it belongs to an element inside it: a link's text
to a `Link`, text in another language than the letter's to a `Span` with its `/Lang`, a
list item's dash to its `Lbl`. Each stretch of one owner is one marked-content sequence;
`owner_of` says whose a piece of text is, `Owner` names it the same way in every letter
(so that a paragraph's text object, kept and replayed, says which sequence is whose), and
`register` asks the document's structure tree for the sequences in the order drawing
writes them (`missive.render.structure`, `missive.render.marked`).

Drawing order is reading order: the lines of a paragraph top to bottom, each line's runs
in logical order (right to left in Arabic, each drawn at its place), a grid's cells in
reading order. The parent tree numbers a page's sequences in the order they are drawn,
and an element takes its place among its parent's kids with its first content, so the
structure tree comes out in reading order with no sorting.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from enum import StrEnum
from typing import Any

from missive.render import reportlab_seam as seam
from missive.render.structure import Node, Role, StructureTree, Tag
from missive.render.textflow import Piece
from missive.storage import reuse


class Part(StrEnum):
    OWN = "own"  # the paragraph's own element
    LINK = "link"  # a link's text (and its annotation)
    SPAN = "span"  # text in another language
    LABEL = "label"  # a list item's dash or bullet


Owner = tuple[Part, int]  # (what, the piece it is about; 0 for OWN and LABEL)
OWN: Owner = (Part.OWN, 0)
LABEL: Owner = (Part.LABEL, 0)
_ROLES = {Part.LINK: Role.LINK.value, Part.SPAN: Role.SPAN.value, Part.LABEL: Role.LBL.value}
_OWN, _LABEL, _LINK = Part.OWN, Part.LABEL, Part.LINK


def paragraph(role: Role = Role.P, parent: Node | None = None, scope: str | None = None) -> Node:
    """A new node (a letter gives every flowable its own) of a tag made once."""
    return Node(_tag(role, scope), parent)


@reuse.memo(maxsize=None)
def _tag(role: Role, scope: str | None) -> Tag:
    return Tag(role, scope=scope)


def owner_of(piece: Piece, index: int) -> Owner:
    if piece.href:
        return (_LINK, index)
    if piece.lang:
        return (Part.SPAN, index)
    return OWN


def key_of(node: Node, owner: Owner) -> Hashable:
    """The structure key of what `owner` names in the paragraph of `node`."""
    if owner[0] is Part.OWN:
        return node
    if owner[0] is Part.LABEL:
        return (node.parent or node, owner[0])
    return (node, *owner)


def role_of(node: Node, owner: Owner) -> str:
    """The tag of a marked-content sequence: its element's structure type."""
    kind = owner[0]
    return node.tag.role.value if kind is _OWN else _ROLES[kind]


def register(
    tree: StructureTree, node: Node, owners: Sequence[Owner], pieces: Sequence[Piece]
) -> None:
    """Ask `tree` for one marked-content sequence per owner, in drawing order, each
    element (and its ancestors) made the first time."""
    tree.ensure(node)
    for owner in owners:
        kind, index = owner
        if kind is _OWN:
            tree.mark(node)
            continue
        key = key_of(node, owner)
        if kind is Part.LABEL:
            parent = node.parent or node
            tree.element(key, Tag(Role.LBL), parent)
        elif kind is Part.LINK:
            tree.element(key, Tag(Role.LINK), node)
        else:
            tree.element(key, Tag(Role.SPAN, lang=pieces[index].lang), node)
        tree.mark(key)


def tree_of(canvas: Any) -> StructureTree | None:
    """The structure tree of the document a canvas draws for, if it is tagged."""
    found = getattr(seam.doc_template_or_none(canvas), "structure", None)
    return found if isinstance(found, StructureTree) else None


def owners_in_order(parts: Iterable[Owner]) -> tuple[Owner, ...]:
    """Owners of consecutive stretches, each once per stretch (one sequence each)."""
    found: list[Owner] = []
    for owner in parts:
        if not found or found[-1] != owner:
            found.append(owner)
    return tuple(found)
