"""Regular expressions compiled in one run and found compiled by the next
(`storage/kept_patterns.py`)."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from missive.storage import kept_patterns, reuse, startcache

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv(startcache.CACHE_ENV, str(folder))
    yield folder


def _forget() -> None:
    """As a new process: no pattern compiled yet (`re`'s cache holds 512 at most, and a
    test session fills it), the entry not read."""
    re.purge()
    kept_patterns._seeded.clear()


def test_a_pattern_kept_by_one_run_is_found_compiled_by_the_next() -> None:
    source, flags = r"kept (?P<word>\w+) (?:pattern|motif)+ [a-zé\uffff]", re.IGNORECASE
    compiled = re.compile(source, flags)
    key = (str, source, int(flags))
    _compile_new("kept")
    kept_patterns.keep()
    _forget()
    kept_patterns.seed()
    assert key in re._cache  # type: ignore[attr-defined]
    found = re.compile(source, flags)
    assert found is re._cache[key]  # type: ignore[attr-defined]
    assert found is not compiled and found == compiled  # the same code
    assert found.groupindex == compiled.groupindex and found.flags == compiled.flags
    match = found.match("KEPT Word motifpattern É")
    assert match is not None and match["word"] == "Word"


def _entry() -> Path:
    return startcache.entry_path(kept_patterns.KIND, kept_patterns._key(), kept_patterns._version())


def _compile_new(kind: str) -> None:
    for index in range(kept_patterns.MIN_NEW):
        re.compile(f"{kind} {index}")


def test_nothing_new_writes_nothing() -> None:
    _compile_new("first of a kind")
    kept_patterns.keep()
    entry = _entry()
    written = entry.stat().st_mtime_ns
    _forget()
    kept_patterns.seed()
    kept_patterns.keep()
    assert entry.stat().st_mtime_ns == written
    re.compile("second of a kind")
    kept_patterns.keep()  # one new pattern: not worth a write
    assert entry.stat().st_mtime_ns == written
    _compile_new("third of a kind")
    kept_patterns.keep()
    with entry.open("rb") as stream:
        assert {(str, "second of a kind", 0), (str, "third of a kind 0", 0)} <= pickle.load(
            stream
        ).keys()


def test_a_damaged_entry_is_only_patterns_compiled_again() -> None:
    re.compile("damaged (entry)")
    _compile_new("damaged")
    kept_patterns.keep()
    entry = _entry()
    key = (str, "damaged (entry)", 0)
    for damage in (b"not a pickle", pickle.dumps({key: ("damaged (entry)", 0, [1, 2], 0)})):
        entry.write_bytes(damage)
        _forget()
        kept_patterns.seed()
        assert re.compile("damaged (entry)").match("damaged entry")


def test_without_reuse_nothing_is_read_or_written(monkeypatch: pytest.MonkeyPatch) -> None:
    re.compile("plain path")
    _compile_new("plain")
    kept_patterns.keep()
    monkeypatch.setattr(reuse, "REUSE", False)
    _forget()
    kept_patterns.seed()
    assert (str, "plain path", 0) not in re._cache  # type: ignore[attr-defined]
    re.compile("plain path again")
    _compile_new("plain again")
    kept_patterns.keep()
    monkeypatch.setattr(reuse, "REUSE", True)
    with _entry().open("rb") as stream:
        assert (str, "plain path again", 0) not in pickle.load(stream)


def test_a_command_seeds_what_the_one_before_compiled(cache_in_tmp: Path) -> None:
    """Through the command line: the second `check` compiles none of ReportLab's,
    email_validator's, PyYAML's or missive's patterns (each compile is counted)."""
    probe = (
        "import os, re, sys\n"
        "made = []\n"
        "compile = re._compiler.compile\n"
        "re._compiler.compile = lambda *a: made.append(a[0]) or compile(*a)\n"
        "end = os._exit\n"
        "os._exit = lambda code: print('compiled', len(made), flush=True) or end(code)\n"
        "sys.argv = ['send.py', 'check', 'tests/data/letters/mini.yaml']\n"
        "from missive.cli import run\n"
        "run()\n"
    )
    env = {**os.environ, startcache.CACHE_ENV: str(cache_in_tmp)}

    def compiled() -> int:
        command = [sys.executable, "-c", probe]
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        (line,) = [line for line in done.stdout.splitlines() if line.startswith("compiled")]
        return int(line.split()[1])

    cold = compiled()
    warm = compiled()  # those made before the entry is read, and those built from sets
    assert cold > 100
    assert warm < 20
