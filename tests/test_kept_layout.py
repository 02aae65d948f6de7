"""Shared paragraphs laid out in one run and read back by the next (`keptlayout`)."""

from __future__ import annotations

import csv
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pdf_reading import pdfium_pages

from missive.model import Language, Run
from missive.render import fonts, keptlayout
from missive.render.keptlayout import KeptParagraph, Table
from missive.render.shaping import shape
from missive.render.textflow import Line, Piece, Segment, TextStyle
from missive.storage import startcache

ROOT = Path(__file__).resolve().parent.parent
LETTER = "letters/wsis20-invitation.yaml"
LIST = ROOT / "recipients/wsis20-stakeholders.csv"


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv(startcache.CACHE_ENV, str(folder))
    keptlayout.reread()
    yield folder
    keptlayout.reread()


def render(out: Path, cache: Path, jobs: int = 1) -> dict[str, bytes]:
    subprocess.run(
        [sys.executable, "send.py", "render", LETTER, "--out", str(out), "--jobs", str(jobs)],
        cwd=ROOT,
        env={**os.environ, startcache.CACHE_ENV: str(cache)},
        check=True,
        capture_output=True,
    )
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.pdf"))}


def kept_table(cache: Path) -> Table:
    (entry,) = cache.glob(f"{keptlayout.KIND}-*.pickle")
    with entry.open("rb") as stream:
        table: Table = pickle.load(stream)
    return table


def test_a_warm_run_reads_what_a_cold_run_kept_and_draws_the_same_bytes(
    tmp_path: Path, cache_in_tmp: Path
) -> None:
    cold = render(tmp_path / "cold", cache_in_tmp)
    (entry,) = cache_in_tmp.glob(f"{keptlayout.KIND}-*.pickle")
    written = entry.stat().st_mtime_ns, entry.read_bytes()
    warm = render(tmp_path / "warm", cache_in_tmp)
    assert len(cold) == 62 and warm == cold
    # Nothing new to keep: the entry is not written again.
    assert (entry.stat().st_mtime_ns, entry.read_bytes()) == written


def test_two_processes_keep_every_language_and_draw_the_same_bytes(
    tmp_path: Path, cache_in_tmp: Path
) -> None:
    one = render(tmp_path / "one", tmp_path / "other-cache")
    two = render(tmp_path / "two", cache_in_tmp, jobs=2)
    assert two == one
    pieces, lines, keys = kept_table(cache_in_tmp)
    languages = {style.language for _, style in pieces}
    assert languages == set(Language)
    assert len(lines) >= len(pieces) > 60
    assert keys.keys() == {(pieces, style) for pieces, style, _ in lines}


def test_nothing_of_a_recipient_is_kept(tmp_path: Path, cache_in_tmp: Path) -> None:
    render(tmp_path / "out", cache_in_tmp)
    pieces, _, _ = kept_table(cache_in_tmp)
    kept_text = " ".join("".join(run.text for run in runs) for runs, _ in pieces)
    with LIST.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    for row in rows:
        for column in ("name", "email"):
            assert row[column] not in kept_text, (column, row[column])
    assert "WSIS" in kept_text  # the shared text is there


def test_the_render_draws_what_was_kept(tmp_path: Path, cache_in_tmp: Path) -> None:
    """A kept paragraph is used as it is: one altered on purpose shows in the letter."""
    cold = tmp_path / "cold"
    render(cold, cache_in_tmp)
    pieces, lines, keys = kept_table(cache_in_tmp)
    altered = {}
    for key, value in lines.items():
        found = [s for line in value for s in line.segments if "WSIS" in s.text]
        if found:
            altered[key] = tuple(
                replace(line, segments=tuple(_mark(s) for s in line.segments)) for line in value
            )
    assert altered
    entry = next(cache_in_tmp.glob(f"{keptlayout.KIND}-*.pickle"))
    entry.write_bytes(pickle.dumps((pieces, {**lines, **altered}, keys)))
    warm = render(tmp_path / "warm", cache_in_tmp)
    marked = {name for name, data in warm.items() if "MARKED" in "".join(pdfium_pages(data))}
    english = {
        p.name for p in cold.glob("*.pdf") if "WSIS" in "".join(pdfium_pages(p.read_bytes()))
    }
    assert english and marked == english


def _mark(segment: Segment) -> Segment:
    run = segment.run
    return replace(segment, run=shape(run.text.replace("WSIS", "MARKED"), run.font, run.rtl))


def test_a_table_is_read_only_for_the_same_code_fonts_and_libraries(
    cache_in_tmp: Path,
) -> None:
    style = TextStyle(Language.EN)
    runs = (Run("Sincerely yours,"),)
    planted = (Piece("planted", "NotoSans-Regular", 10.5),)
    line = Line((Segment(shape("planted", "NotoSans-Regular", False), 0, 30.0),), 30.0, 0, 7, False)
    keys = (("NotoSans-Regular", frozenset("kept")),)  # not what shaping would give
    keptlayout.keep([KeptParagraph(runs, style, planted, 400.0, (line,), keys)])
    keptlayout.reread()
    assert keptlayout.pieces(runs, style) == planted
    assert keptlayout.lines(planted, style, 400.0) == (line,)
    assert keptlayout.keys(planted, style) == keys
    assert keptlayout.lines(planted, style, 401.0) != (line,)  # another width: laid out
    # Another font file (or code, or library version) is another entry: not read.
    keptlayout._fingerprint.cache_clear()
    try:
        original = dict(fonts.FINGERPRINTS)
        fonts.FINGERPRINTS["NotoSans-Regular"] = "0" * 64
        keptlayout.reread()
        assert keptlayout.pieces(runs, style) != planted
    finally:
        fonts.FINGERPRINTS.update(original)
        keptlayout._fingerprint.cache_clear()


@pytest.mark.parametrize("content", [b"not a pickle", pickle.dumps(42), pickle.dumps(({}, {}))])
def test_a_damaged_table_is_only_work_done_again(
    tmp_path: Path, cache_in_tmp: Path, content: bytes
) -> None:
    cold = render(tmp_path / "cold", cache_in_tmp)
    entry = next(cache_in_tmp.glob(f"{keptlayout.KIND}-*.pickle"))
    entry.write_bytes(content)
    assert render(tmp_path / "warm", cache_in_tmp) == cold
    pieces, _, _ = kept_table(cache_in_tmp)  # and written whole again
    assert pieces
