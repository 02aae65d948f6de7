"""`reuse.Kept`, the tables of results the render stage keeps: bounded, and when full the
result used least recently goes, not the whole table (a mixed batch's languages share
results that its letters' own results must not push out all at once)."""

from __future__ import annotations

import functools
import itertools

import pytest

from missive.storage import reuse

_names = itertools.count()


def _table(limit: int) -> reuse.Kept[str]:
    return reuse.Kept(f"tests.test_kept_table.{next(_names)}", limit)


@pytest.mark.skipif(not reuse.REUSE, reason="the plain path keeps nothing")
def test_a_full_table_lets_go_of_the_result_used_least_recently() -> None:
    table = _table(3)
    for key in "abc":
        table.put(key, key.upper())
    assert table.get("a") == "A"  # used again: now the most recent
    table.put("d", "D")
    assert len(table) == 3
    assert table.get("b") is None
    assert [table.get(key) for key in "acd"] == ["A", "C", "D"]


@pytest.mark.skipif(not reuse.REUSE, reason="the plain path keeps nothing")
def test_a_shared_result_survives_a_stream_of_results_used_once() -> None:
    table = _table(4)
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    for letter in range(50):  # each letter: the language's shared result, and its own
        table("shared", functools.partial(make, "shared"))
        table(f"own {letter}", functools.partial(make, f"own {letter}"))
    assert made.count("shared") == 1
    assert len(table) == 4


def test_without_reuse_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reuse, "REUSE", False)
    table = _table(2)
    assert table.put("a", "A") == "A"
    assert table.get("a") is None and len(table) == 0
