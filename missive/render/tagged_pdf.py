"""A letter's PDF as a tagged PDF (PDF/UA-1): its structure tree from the first page to
the catalog.

Drawing asks the document's `StructureTree` for each marked-content sequence as it writes
it, with a placeholder for its MCID (`missive.render.marked`). When a page ends, its
placeholders are numbered in the order they stand, which is the order the tree was asked
for them: a page whose code holds another number of placeholders than the tree holds
sequences is a bug of the drawing code, refused (`StructureError`) rather than written.
When the document is saved, the tree's objects are added to it, and the catalog, pages
and annotations name them: `/StructTreeRoot`, `/MarkInfo << /Marked true >>`,
`/ViewerPreferences << /DisplayDocTitle true >>`, the XMP metadata (`dc:title`,
`pdfuaid:part` 1 and `pdfaid:part` 2 / `conformance` U, `missive.render.archival`), the
sRGB output intent PDF/A asks for with the device colours the letters use, each page's
`/StructParents` and `/Tabs /S` (annotations in structure order), each link annotation's
`/StructParent`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableSequence
from typing import Any

from missive.render import marked
from missive.render import reportlab_seam as seam
from missive.render.archival import (
    DocumentFacts,
    compressed_srgb_profile,
    output_intent_entries,
    xmp_packet,
)
from missive.render.pdf_values import Indirect, Name, Text, Value
from missive.render.structure import StructureError, StructureTree


class Tagging:
    """The structure of one document being drawn."""

    def __init__(self, facts: DocumentFacts) -> None:
        self.tree = StructureTree()
        self.facts = facts
        self.written: tuple[seam.HandMade, tuple[Indirect, ...]] | None = None

    def attach(self, canvas: Any) -> None:
        """Be told by `canvas` when each page ends and when the document is saved."""
        canvas.on_page_end = self.page_ended
        canvas.on_save = self.saving

    def page_begun(self) -> None:
        self.tree.begin_page()

    def page_ended(self, code: MutableSequence[str]) -> None:
        """Number the page's marked content in the order it was drawn."""
        joined = "\n".join(code)
        found = marked.slots(joined)
        expected = self.tree.marks_on(self.tree.page)
        if found != expected:
            raise StructureError(
                f"page {self.tree.page + 1}: {found} marked sequences drawn, "
                f"{expected} asked of the structure tree"
            )
        if found:
            code[:] = [marked.number(joined)]

    def saving(self, canvas: Any) -> None:
        """Add the tree's objects and the metadata, and name them where they belong."""
        objects = self.tree.objects()
        facts = self.facts
        metadata = Indirect(
            {"Type": Name("Metadata"), "Subtype": Name("XML")},
            stream=xmp_packet(facts),
        )
        profile = Indirect(
            {"N": 3, "Filter": Name("FlateDecode")}, stream=compressed_srgb_profile()
        )
        intent: dict[str, Value] = {
            key: Name(value) if key in ("Type", "S") else Text(value)
            for key, value in output_intent_entries().items()
        }
        intent["DestOutputProfile"] = profile
        hand = seam.HandMade(canvas, [*objects.objects, metadata, profile])
        self.written = (hand, objects.objects)
        hand.catalog(
            StructTreeRoot=objects.root,
            MarkInfo={"Marked": True},
            ViewerPreferences={"DisplayDocTitle": True},
            Metadata=metadata,
            OutputIntents=[intent],
        )
        for index, key in enumerate(objects.page_keys):
            hand.page(index, StructParents=key, Tabs=Name("S"))
        for name, key in objects.annotation_keys:
            hand.annotation(name, StructParent=key)

    def release(self) -> None:
        """Let go of what the document was written with (see `_LetterDoc.release`): an
        element's object names its parent's, whose value names it among its kids."""
        self.tree.release()
        if self.written is not None:
            hand, objects = self.written
            hand.release()
            for obj in objects:
                obj.value = None
            self.written = None


def document_facts(info: dict[str, str], created: dt.date | None) -> DocumentFacts:
    """What the metadata say, from the document information ReportLab writes (the same
    title, author, subject, keywords, producer, and dates: the letter's, noon UTC)."""
    moment = (
        dt.datetime(created.year, created.month, created.day, 12, tzinfo=dt.UTC)
        if created is not None
        else seam.INVARIANT_MOMENT
    )
    return DocumentFacts(
        title=info["title"],
        language=info["lang"],
        author=info["author"],
        subject=info["subject"],
        keywords=info["keywords"],
        producer=info["producer"],
        created=moment,
    )
