"""`Grid`: cells of flowables in fixed columns, drawn as one block that never splits.

Used for the header (label | value) and the signatory grid instead of platypus `Table`:
a letter needs no borders, spans or cell styles, and `Table` costs about a millisecond
per letter in its generality (and names Helvetica in every page's resources). A flowable
without `split` is moved whole to the next page, which is exactly the rule for
signatures.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from reportlab.platypus import Flowable

Cell = Sequence[Flowable]


class Grid(Flowable):  # type: ignore[misc]
    def __init__(
        self,
        rows: Sequence[Sequence[Cell]],
        widths: Sequence[float],
        *,
        padding: float = 0.0,
        row_gap: float = 0.0,
    ) -> None:
        super().__init__()
        self.rows = [list(row) for row in rows]
        self.widths = list(widths)
        self.padding = padding
        self.row_gap = row_gap
        self.row_heights: list[float] = []
        self.width = sum(self.widths)
        self.height = 0.0

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

    def draw(self) -> None:
        canvas: Any = self.canv
        top = self.height
        for row, row_height in zip(self.rows, self.row_heights, strict=True):
            x = 0.0
            for cell, width in zip(row, self.widths, strict=False):
                self._draw_cell(canvas, cell, x + self.padding, top)
                x += width
            top -= row_height + self.row_gap

    def _draw_cell(self, canvas: Any, cell: Cell, x: float, top: float) -> None:
        y = top
        for index, flowable in enumerate(cell):
            if index:
                y -= flowable.getSpaceBefore()
            y -= self._heights[id(flowable)]
            flowable.drawOn(canvas, x, y)
            y -= flowable.getSpaceAfter()
