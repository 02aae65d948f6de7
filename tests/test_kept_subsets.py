"""Font subsets cut in one run and read back by the next (`kept_subsets`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from missive.render import kept_subsets
from missive.storage import startcache

ROOT = Path(__file__).resolve().parent.parent

# Renders the sample in a process of its own and prints how many subsets ReportLab cut.
RENDER_COUNTING = """
import sys
from reportlab.pdfbase.ttfonts import TTFontFace
cut = TTFontFace.makeSubset
count = [0]
def counted(self, subset):
    count[0] += 1
    return cut(self, subset)
TTFontFace.makeSubset = counted
from missive.cli import main
code = main(["render", "letters/wsis20-invitation.yaml", "--out", sys.argv[1], "--jobs", "1"])
print("cut", count[0])
sys.exit(code)
"""


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv(startcache.CACHE_ENV, str(folder))
    kept_subsets._state.faces.clear()
    yield folder
    kept_subsets._state.faces.clear()
    kept_subsets._state.unread = False


def render(out: Path, cache: Path) -> tuple[int, dict[str, bytes]]:
    done = subprocess.run(
        [sys.executable, "-c", RENDER_COUNTING, str(out)],
        cwd=ROOT,
        env={**os.environ, startcache.CACHE_ENV: str(cache)},
        check=True,
        capture_output=True,
        text=True,
    )
    cut = int(done.stdout.split("cut ")[-1])
    return cut, {p.name: p.read_bytes() for p in sorted(out.glob("*.pdf"))}


def test_a_warm_run_cuts_only_what_was_not_kept_and_draws_the_same_bytes(
    tmp_path: Path, cache_in_tmp: Path
) -> None:
    cold_cuts, cold = render(tmp_path / "cold", cache_in_tmp)
    tables = list(cache_in_tmp.glob(f"{kept_subsets.KIND}-*.pickle"))
    assert tables
    warm_cuts, warm = render(tmp_path / "warm", cache_in_tmp)
    assert warm == cold
    assert len(cold) == 62
    assert 0 < warm_cuts < cold_cuts  # subsets one letter drew are not kept


def test_only_shared_subsets_are_kept_and_a_table_is_capped(cache_in_tmp: Path) -> None:
    made: list[tuple[int, ...]] = []

    def cut(subset: tuple[int, ...]) -> bytes:
        def make() -> bytes:
            made.append(subset)
            return b"x"

        return kept_subsets.cut("Face", "digest", subset, make)

    for number in range(kept_subsets.MAX_KEPT + 5):
        subset = (number,)
        cut(subset)
        kept_subsets.drawn("Face", subset)
        kept_subsets.drawn("Face", subset)  # a second letter
    cut((1000,))
    kept_subsets.drawn("Face", (1000,))  # one letter only
    kept_subsets.keep()
    kept_subsets._state.faces.clear()
    made.clear()
    for number in range(kept_subsets.MAX_KEPT + 5):
        cut((number,))
    cut((1000,))
    # The last MAX_KEPT shared ones were kept; the five before and the lone one are cut.
    assert made == [(number,) for number in range(5)] + [(1000,)]


def test_a_render_from_scratch_uses_nothing_kept(cache_in_tmp: Path) -> None:
    kept_subsets.cut("Face", "digest", (1,), lambda: b"x")
    kept_subsets.drawn("Face", (1,))
    kept_subsets.drawn("Face", (1,))
    kept_subsets.keep()
    kept_subsets.forget()
    assert kept_subsets.cut("Face", "digest", (1,), lambda: b"made again") == b"made again"
