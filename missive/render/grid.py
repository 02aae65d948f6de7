"""`Grid`: cells of flowables in fixed columns, drawn as one block that never splits.

Used for the header (label | value) and the signatory grid instead of platypus `Table`:
a letter needs no borders, spans or cell styles, and `Table` costs about a millisecond
per letter in its generality (and names Helvetica in every page's resources). A flowable
without `split` is moved whole to the next page, which is exactly the rule for
signatures.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Sequence
from functools import cached_property
from typing import Any

from reportlab.platypus import Flowable

from missive.render import reportlab_seam as seam
from missive.render import tagging
from missive.render.drawn import Characters, replay_or_draw
from missive.render.reportlab_seam import font_state
from missive.render.richtext import RichText, characters_of
from missive.storage import reuse

Cell = Sequence[Flowable]
_serials = itertools.count()


class Grid(Flowable):
    def __init__(
        self,
        rows: Sequence[Sequence[Cell]],
        widths: Sequence[float],
        *,
        padding: float = 0.0,
        row_gap: float = 0.0,
        rtl: bool = False,
    ) -> None:
        """`rows`: cells left to right as they are placed; `rtl`: read right to left
        (drawn in that order too, which the structure tree follows)."""
        super().__init__()
        self.rows = [list(row) for row in rows]
        self.rtl = rtl
        self.widths = list(widths)
        self.padding = padding
        self.row_gap = row_gap
        self.row_heights: list[float] = []
        self.width = sum(self.widths)
        self.height = 0.0
        # Cells never change once the grid is made, so a serial number names its content.
        self._serial = next(_serials)
        for flowable in self.flowables():
            cell: Any = flowable
            cell.in_grid = True  # its content is asked of the structure tree here

    def cells_in_reading_order(self) -> Iterator[tuple[int, int, Cell]]:
        """(row, column, cell), row by row, each row in reading order."""
        for row_index, row in enumerate(self.rows):
            columns = range(len(row) - 1, -1, -1) if self.rtl else range(len(row))
            for column in columns:
                yield row_index, column, row[column]

    def flowables(self) -> Iterator[Flowable]:
        for row in self.rows:
            for cell in row:
                yield from cell

    def _cell_height(self, cell: Cell, width: float) -> float:
        height = 0.0
        for index, flowable in enumerate(cell):
            _, used = flowable.wrap(width - 2 * self.padding, 1e6)
            self._heights[id(flowable)] = used
            height += used + flowable.getSpaceAfter()
            if index:
                height += flowable.getSpaceBefore()
        return height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._heights: dict[int, float] = {}
        self.row_heights = [
            max(
                (self._cell_height(cell, w) for cell, w in zip(row, self.widths, strict=False)),
                default=0.0,
            )
            for row in self.rows
        ]
        self.height = sum(self.row_heights) + self.row_gap * max(len(self.rows) - 1, 0)
        return self.width, self.height

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        """Platypus' `drawOn`, replayed when this grid was drawn at this point before with
        the same font codes (see `RichText.drawOn`): the signatures of a language are the
        same in every letter. Its cells' marked content is asked of the structure tree
        first, in the order they are drawn, whether drawn or replayed."""
        tree = tagging.tree_of(canvas)
        if tree is not None:
            for _, _, cell in self.cells_in_reading_order():
                for flowable in cell:
                    tagged: Any = flowable  # a RichText or a decor.Figure
                    tagged.register(tree)
        base: Any = super()  # platypus' `drawOn`, whose stub lacks `_sW`
        if not reuse.REUSE:
            base.drawOn(canvas, x, y, _sW)
            return
        key = self._placed_key(seam.document(canvas), x, y, _sW)
        replay_or_draw(canvas, key, lambda: base.drawOn(canvas, x, y, _sW))

    @cached_property
    def _characters(self) -> Characters | None:
        """Per font, every character the cells draw; None when drawing them does more than
        write page code (an image, a link annotation), which a replay would not do."""
        cells = list(self.flowables())
        texts = [cell for cell in cells if isinstance(cell, RichText) and not cell.has_links]
        return characters_of(texts) if len(texts) == len(cells) else None

    def _placed_key(self, doc: Any, x: float, y: float, s_w: float) -> Hashable | None:
        if self._characters is None:
            return None
        state = font_state(doc, self._characters)
        if state is None:
            return None
        return ("grid", self._serial, tuple(self.row_heights), state, x, y, s_w)

    def draw(self) -> None:
        canvas: Any = self.canv
        lefts = list(itertools.accumulate(self.widths, initial=0.0))
        tops = [self.height]
        for row_height in self.row_heights:
            tops.append(tops[-1] - row_height - self.row_gap)
        for row, column, cell in self.cells_in_reading_order():
            self._draw_cell(canvas, cell, lefts[column] + self.padding, tops[row])

    def _draw_cell(self, canvas: Any, cell: Cell, x: float, top: float) -> None:
        y = top
        for index, flowable in enumerate(cell):
            if index:
                y -= flowable.getSpaceBefore()
            y -= self._heights[id(flowable)]
            flowable.drawOn(canvas, x, y)
            y -= flowable.getSpaceAfter()
