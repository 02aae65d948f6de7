"""Marked content in page code: what belongs to the structure tree, what is an artifact.

PDF/UA-1 (7.1) asks that every piece of page content be either real content, inside a
marked-content sequence whose MCID a structure element names, or an artifact (a rule
under the letterhead, a link's underline, a page label), inside an `/Artifact` sequence.

Drawing writes real content as `/P <</MCID ␁>> BDC … EMC`, with a placeholder (U+0001)
for the number: a paragraph's code is kept and replayed from letter to letter
(`missive.render.drawn`, `tails`), while its MCIDs depend on what came before it on the
page. When a page ends, `number` fills the placeholders in with 0, 1, 2… in the order
they stand in the page's code, which is the order drawing asked the structure tree for
them (`missive.render.structure.StructureTree.mark`). ReportLab escapes every control
character of a string it writes (`\\001`), so a raw U+0001 is never anything else.

Nested sequences without an MCID are allowed inside (a `/Span` carrying `/ActualText`
for glyphs that do not read as their characters); a sequence with an MCID never holds
another one.
"""

from __future__ import annotations

from enum import StrEnum

SLOT = "\x01"
END = "EMC"


class Artifact(StrEnum):
    """The kinds of artifact (ISO 32000-1, 14.8.2.2.2) a letter has."""

    LAYOUT = "Layout"  # rules, underlines: typographic, no content
    PAGINATION = "Pagination"  # page labels


def begin(role: str) -> str:
    """Opens a sequence of real content; its MCID is filled in when the page ends."""
    return f"/{role} <</MCID {SLOT}>> BDC"


def begin_artifact(kind: Artifact, subtype: str | None = None) -> str:
    """Opens an artifact; `subtype` "Header" or "Footer" for pagination artifacts."""
    entries = f"/Type /{kind}" + (f" /Subtype /{subtype}" if subtype else "")
    return f"/Artifact <<{entries}>> BDC"


def wrapped(role: str, code: str) -> str:
    return f"{begin(role)}\n{code}\n{END}"


def artifact(kind: Artifact, code: str, subtype: str | None = None) -> str:
    return f"{begin_artifact(kind, subtype)}\n{code}\n{END}"


def slots(code: str) -> int:
    """How many MCIDs `code` leaves to fill in."""
    return code.count(SLOT)


def number(code: str, first: int = 0) -> str:
    """`code` with its placeholders numbered from `first`, in the order they stand."""
    parts = code.split(SLOT)
    if len(parts) == 1:
        return code
    out = [parts[0]]
    for index, part in enumerate(parts[1:]):
        out.append(str(first + index))
        out.append(part)
    return "".join(out)
