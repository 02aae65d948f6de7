"""A parsed font's large tables, packed into arrays for the start-up cache.

ReportLab keeps a font's character map, widths, glyph positions and metrics as Python
dicts and lists of small numbers and pairs. The Chinese face has 48,626 glyphs, and
making those objects one by one, by pickle or otherwise, took about 35 ms of every
process that renders. They are stored as arrays of machine numbers, and read back as:

- dicts, for the character map and the widths, which are looked up for every character;
- views that give the same numbers and pairs by index (`Wholes`, `Pairs`), for the glyph
  positions and metrics, which only cutting a subset reads, a few hundred glyphs at a time;
- nothing, for the glyph-to-characters table, which only ReportLab's own shaping reads (we
  shape Arabic before ReportLab sees it): `reportlab_seam.KeptFace` unpacks it if asked.

`tests/test_startcache.py` compares a face read back with one ReportLab parsed, table by
table. A table of any other shape is stored as it is.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, overload

_WHOLE = "i"  # signed 32-bit: glyph ids, code points, font units, offsets...
_LONG = "q"  # ...unless one does not fit
_REAL = "d"  # a double holds any Python float exactly


@dataclass(frozen=True)
class Packed:
    kind: str
    arrays: tuple[array[Any], ...]


def pack(tables: dict[str, Any]) -> dict[str, Any]:
    return {name: _packed(value) for name, value in tables.items()}


def unpack(tables: dict[str, Any]) -> dict[str, Any]:
    """The tables as a face reads them (`reportlab_seam.KeptFace`): views where they are
    enough, and the glyph-to-characters table left packed."""
    return {name: _read(name, value) for name, value in tables.items()}


def _read(name: str, value: Any) -> Any:
    if not isinstance(value, Packed) or name == _UNREAD:
        return value
    if value.kind == "wholes" and name in _VIEWED:
        return Wholes(value.arrays[0])
    if value.kind == "pairs" and name in _VIEWED:
        return Pairs(*value.arrays)
    return _UNPACK[value.kind](*value.arrays)


_VIEWED = frozenset({"glyphPos", "hmetrics"})
_UNREAD = "glyphToChar"


def is_packed(table: Any) -> bool:
    """Whether `table` is packed (the glyph-to-characters table is read only if asked)."""
    return isinstance(table, Packed)


def unpack_one(packed: Packed) -> Any:
    return _UNPACK[packed.kind](*packed.arrays)


class Wholes(Sequence[int]):
    """A list of whole numbers, read by index from an array."""

    def __init__(self, items: array[int]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return self._items[index].tolist()
        return self._items[index]


class Pairs(Sequence[tuple[int, int]]):
    """A list of pairs of whole numbers, read by index from two arrays."""

    def __init__(self, firsts: array[int], seconds: array[int]) -> None:
        self._firsts = firsts
        self._seconds = seconds

    def __len__(self) -> int:
        return len(self._firsts)

    @overload
    def __getitem__(self, index: int) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, int]]: ...
    def __getitem__(self, index: int | slice) -> tuple[int, int] | list[tuple[int, int]]:
        if isinstance(index, slice):
            return list(zip(self._firsts[index], self._seconds[index], strict=True))
        return self._firsts[index], self._seconds[index]


def _packed(value: Any) -> Any:
    try:
        if isinstance(value, dict) and value and all(type(k) is int for k in value):
            return _packed_map(value)
        if isinstance(value, list) and value:
            return _packed_list(value)
    except OverflowError:  # a number no machine word holds: kept as it is
        pass
    return value


def _packed_map(table: dict[int, Any]) -> Any:
    keys = _whole_array(table)
    values = list(table.values())
    if all(type(v) is int for v in values):
        return Packed("whole-map", (keys, _whole_array(values)))
    if all(type(v) is float for v in values):
        return Packed("real-map", (keys, array(_REAL, values)))
    if all(type(v) is list and all(type(i) is int for i in v) for v in values):
        lengths = _whole_array([len(v) for v in values])
        items = _whole_array([i for v in values for i in v])
        return Packed("list-map", (keys, lengths, items))
    return table


def _packed_list(items: list[Any]) -> Any:
    if all(type(i) is int for i in items):
        return Packed("wholes", (_whole_array(items),))
    if all(type(i) is tuple and len(i) == 2 and all(type(n) is int for n in i) for i in items):
        firsts = _whole_array([pair[0] for pair in items])
        seconds = _whole_array([pair[1] for pair in items])
        return Packed("pairs", (firsts, seconds))
    return items


def _whole_array(numbers: Iterable[int]) -> array[int]:
    listed = list(numbers)
    try:
        return array(_WHOLE, listed)
    except OverflowError:
        return array(_LONG, listed)


def _map(keys: array[int], values: array[Any]) -> dict[int, Any]:
    return dict(zip(keys.tolist(), values.tolist(), strict=True))


def _list_map(keys: array[int], lengths: array[int], items: array[int]) -> dict[int, list[int]]:
    flat = items.tolist()
    table: dict[int, list[int]] = {}
    start = 0
    for key, length in zip(keys.tolist(), lengths.tolist(), strict=True):
        table[key] = flat[start : start + length]
        start += length
    return table


def _pairs(firsts: array[int], seconds: array[int]) -> list[tuple[int, int]]:
    return list(zip(firsts.tolist(), seconds.tolist(), strict=True))


def _wholes(items: array[int]) -> list[int]:
    return items.tolist()


_UNPACK: dict[str, Callable[..., Any]] = {
    "whole-map": _map,
    "real-map": _map,
    "list-map": _list_map,
    "pairs": _pairs,
    "wholes": _wholes,
}
