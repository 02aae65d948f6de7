"""Parsed fonts and hyphenation patterns kept on disk: same results, never in the way."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pyphen  # type: ignore[import-untyped]
import pytest
from reportlab.pdfbase.ttfonts import TTFont

from missive.render import fonts
from missive.storage import startcache

ROOT = Path(__file__).resolve().parent.parent
RENDER = (sys.executable, "send.py", "render", "letters/wsis20-invitation.yaml", "--jobs", "1")


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(startcache.CACHE_ENV, str(folder))
    return folder


def same_table(kept: object, parsed: object) -> bool:
    """Equal, with the same types throughout (1 == 1.0 would hide a changed width), a view
    giving what the list gives by index and by slice."""
    if isinstance(parsed, list) and isinstance(kept, Sequence) and not isinstance(kept, list):
        if kept[:] != parsed:
            return False
        kept = [kept[index] for index in range(len(kept))]
    if isinstance(parsed, dict) and isinstance(kept, dict):
        return list(kept.items()) == list(parsed.items()) and all(
            type(kept[key]) is type(value) for key, value in parsed.items()
        )
    if isinstance(parsed, list) and isinstance(kept, list):
        return kept == parsed and [type(i) for i in kept] == [type(i) for i in parsed]
    return type(kept) is type(parsed) and kept == parsed


@pytest.mark.parametrize("stem", ["NotoSans-Regular", "Amiri-Bold", "WenQuanYiMicroHei"])
def test_a_font_read_back_from_the_cache_is_the_font_reportlab_parses(stem: str) -> None:
    path = fonts.FONT_DIR / f"{stem}.ttf"
    data = path.read_bytes()
    printed = startcache.fingerprint(data)
    fonts._kept_tables(printed, path)  # written
    assert startcache.entry_path("font", printed, fonts._PARSED_VERSION).exists()
    cached = fonts._font(stem, path, data, fonts._kept_tables(printed, path))
    fresh = TTFont(stem, str(path))
    assert vars(cached).keys() == vars(fresh).keys()
    for name in vars(fresh).keys() - {"face", "state", "encoding"}:
        assert getattr(cached, name) == getattr(fresh, name), name
    assert "glyphToChar" not in vars(cached.face)  # unpacked only when asked for
    for name, value in vars(fresh.face).items():
        if name != "_pdfScale":
            assert same_table(getattr(cached.face, name), value), name
    assert "glyphToChar" in vars(cached.face)
    scales = [getattr(face, "_pdfScale") for face in (cached.face, fresh.face)]  # noqa: B009
    for units in (0, 733, 2048):
        assert scales[0](units) == scales[1](units)
    assert cached.face.makeSubset([65, 66, 0x4E00]) == fresh.face.makeSubset([65, 66, 0x4E00])


def test_hyphenation_patterns_read_back_hyphenate_alike() -> None:
    path = pyphen.LANGUAGES["fr"]
    startcache.kept("hyphens", path.read_bytes(), "test", lambda: pyphen.HyphDict(path))
    kept: pyphen.HyphDict = startcache.kept(
        "hyphens", path.read_bytes(), "test", lambda: pytest.fail("not read")
    )
    fresh = pyphen.HyphDict(path)
    assert kept.patterns == fresh.patterns and kept.maxlen == fresh.maxlen
    for word in ("constitutionnellement", "télécommunications", "anticonstitutionnel"):
        assert kept.positions(word) == fresh.positions(word)


def test_a_damaged_entry_is_built_again_and_replaced(cache_in_tmp: Path) -> None:
    path = startcache.entry_path("thing", b"source", "1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x80\x05 not a whole pickle")
    assert startcache.kept("thing", b"source", "1", lambda: {"built": 1}) == {"built": 1}
    assert pickle.loads(path.read_bytes()) == {"built": 1}


def test_another_version_or_source_is_another_entry() -> None:
    startcache.kept("thing", b"source", "1", lambda: "one")
    assert startcache.kept("thing", b"source", "2", lambda: "two") == "two"
    assert startcache.kept("thing", b"other", "1", lambda: "three") == "three"
    assert startcache.kept("thing", b"source", "1", lambda: "again") == "one"


def test_an_unusable_cache_folder_only_costs_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(startcache.CACHE_ENV, str(blocker / "cache"))
    assert startcache.kept("thing", b"source", "1", lambda: "built") == "built"
    assert not (blocker / "cache").exists()


def test_letters_rendered_with_a_cold_and_a_warm_cache_are_byte_identical(
    tmp_path: Path, cache_in_tmp: Path
) -> None:
    # Two recipients of each language: every font and every hyphenation dictionary is used.
    header, *rows = (ROOT / "recipients/wsis20-stakeholders.csv").read_text("utf-8").splitlines()
    seen: Counter[str] = Counter()
    two_each: list[str] = []
    for row in rows:
        seen[row.split(",")[2]] += 1
        if seen[row.split(",")[2]] <= 2:
            two_each.append(row)
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("\n".join([header, *two_each]) + "\n", encoding="utf-8")

    def render(out: Path) -> dict[str, bytes]:
        subprocess.run(
            [
                sys.executable,
                "send.py",
                "render",
                "letters/wsis20-invitation.yaml",
                "--recipients",
                str(recipients),
                "--out",
                str(out),
                "--jobs",
                "1",
            ],
            cwd=ROOT,
            env={**os.environ, startcache.CACHE_ENV: str(cache_in_tmp)},
            check=True,
            capture_output=True,
        )
        return {p.name: p.read_bytes() for p in sorted(out.glob("*.pdf"))}

    cold = render(tmp_path / "cold")
    entries = sorted(p.name for p in cache_in_tmp.iterdir())
    assert len([e for e in entries if e.startswith("font-")]) == 7
    assert len([e for e in entries if e.startswith("hyphens-")]) == 4
    warm = render(tmp_path / "warm")
    assert len(cold) == 12 and warm == cold


def _plant(kind: str, value: object) -> Path:
    path = startcache.entry_path(kind, b"source", "1")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(value))
    return path


def test_a_folder_others_may_write_in_is_not_read(cache_in_tmp: Path) -> None:
    _plant("thing", "planted")
    cache_in_tmp.chmod(0o777)
    assert startcache.kept("thing", b"source", "1", lambda: "built") == "built"
    cache_in_tmp.chmod(0o700)
    assert startcache.kept("thing", b"source", "1", lambda: "built") == "planted"


def test_an_entry_others_may_write_is_not_read_but_replaced() -> None:
    path = _plant("thing", "planted")
    path.chmod(0o666)
    assert startcache.kept("thing", b"source", "1", lambda: "built") == "built"
    assert pickle.loads(path.read_bytes()) == "built"
    assert path.stat().st_mode & 0o077 == 0  # written anew, private
