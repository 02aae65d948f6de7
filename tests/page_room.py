"""How much room a page left under the lines the next page could have given back to it.

A letter's page that the body continues after is full as the keeps allow when the fewest
lines that could move back to it (`fewest_lines_back`) would not fit: measured on the real
PDF's baselines (`typeset_lines`), against the frame `missive.render.pdf` lays out in.
"""

from __future__ import annotations

import io
import itertools
import statistics
from pathlib import Path

import pdfplumber
from typeset_lines import Block, Kind, PdfLine

from missive.render.pdf import BOTTOM_MARGIN, FRAME_PADDING, TOP_MARGIN


def page_heights(pdf: Path | bytes) -> list[float]:
    source = pdf if isinstance(pdf, Path) else io.BytesIO(pdf)
    with pdfplumber.open(source) as document:
        return [float(page.height) for page in document.pages]


def room_left(blocks: list[Block], heights: list[float]) -> dict[int, float]:
    """Per page the body continues after: the room (pt) left under the fewest lines the
    next page could give back; negative when they do not fit."""
    body = [block for block in blocks if block.kind is Kind.BODY and block.lines]
    lines = [line for block in blocks for line in block.lines]
    body_lines = [line for block in body for line in block.lines]
    steps = [b.baseline - a.baseline for blk in body for a, b in itertools.pairwise(blk.lines)]
    leading = statistics.median(step for step in steps if step > 0)
    gaps = [
        b.lines[0].baseline - a.lines[-1].baseline - leading
        for a, b in itertools.pairwise(body)
        if a.lines[-1].page == b.lines[0].page
    ]
    gap = max(gaps, default=0.0)  # the widest between two paragraphs: never too little
    pinned = {id(line) for line in body_lines[-2:]}  # kept with the closing
    room: dict[int, float] = {}
    for opening in (
        after for before, after in itertools.pairwise(lines) if after.page > before.page
    ):
        block = next((blk for blk in body if opening in blk.lines), None)
        if block is None:
            continue
        start = block.lines.index(opening)
        moving = fewest_lines_back(block.lines[start:], continued=start > 0, pinned=pinned)
        if moving is None:
            continue
        page = opening.page - 1
        last = max(line.baseline for line in lines if line.page == page)
        depth = opening.baseline - (TOP_MARGIN + FRAME_PADDING)  # a line's baseline in its box
        lowest = heights[page - 1] - BOTTOM_MARGIN - FRAME_PADDING - leading + depth
        room[page] = lowest - (last + (0.0 if start else gap) + moving * leading)
    return room


def fewest_lines_back(lines: list[PdfLine], *, continued: bool, pinned: set[int]) -> int | None:
    """The fewest of a paragraph's `lines` (those on the next page) that could move back
    without an orphan or a widow and without one of the `pinned` lines; None: none can."""
    kept = sum(id(line) in pinned for line in lines)
    for moving in range(1, len(lines) + 1):
        left = len(lines) - moving
        orphan = not continued and moving < min(2, len(lines))
        widow = 0 < left < 2
        if not orphan and not widow and left >= kept and (left or not kept):
            return moving
    return None
