"""Every CSV missive writes goes through here, so a spreadsheet reads text, not formulas.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is one a
spreadsheet may run as a formula (a bounce's diagnostic is written by whoever sends the
bounce): it gets a leading apostrophe, OWASP's rule against CSV injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_rows(stream: TextIO, rows: Iterable[Sequence[str]]) -> int:
    """Write `rows` (the header first) as CSV; returns how many rows were written."""
    writer = csv.writer(stream)
    count = 0
    for row in rows:
        writer.writerow([neutral(cell) for cell in row])
        count += 1
    return count


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    write_rows(out, rows)
    return out.getvalue()
