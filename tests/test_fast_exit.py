"""The process's end: commands that hold nothing once they return skip the teardown, and
lose nothing by it; the others exit as usual."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from missive import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "letters/wsis20-invitation.yaml"
MINI = "tests/data/letters/mini.yaml"
# A handler registered at start-up prints this when the interpreter tears down as usual.
PROBE = """
import atexit, sys
atexit.register(lambda: print("teardown ran", flush=True))
sys.argv = ["send.py", *sys.argv[1:]]
from missive.cli import run
run()
"""


def send_py(*args: str) -> subprocess.CompletedProcess[str]:
    # Buffered output, as in a terminal session piped to a file: what is not flushed is lost.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_render_ends_without_teardown_and_every_file_is_whole(tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    done = send_py("render", SAMPLE, "--lang", "es", "--out", str(out), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "teardown ran" not in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == f"Manifest: {out / 'manifest.json'}"
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(entries) == 11
    for entry in entries:
        data = (out / entry["pdf"]).read_bytes()
        assert data.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_render_with_two_processes_ends_and_publishes(tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    done = send_py("render", SAMPLE, "--lang", "ar", "--lang", "zh", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "teardown ran" not in done.stdout
    assert len(json.loads((out / "manifest.json").read_text(encoding="utf-8"))) == 21
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_every_problem_still_reaches_stderr(tmp_path: Path) -> None:
    recipients = tmp_path / "bad.csv"
    rows = [f"r{n},not-an-address-{n},en,academia,Name,female,,Pos,Org,CH," for n in range(300)]
    header = "id,email,language,group,name,gender,honorific,position,organization,country,cc"
    recipients.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    done = send_py("check", MINI, "--recipients", str(recipients))
    assert done.returncode == 1
    assert "teardown ran" not in done.stdout
    lines = done.stderr.splitlines()
    assert lines[-1] == "300 problems found; nothing was done."
    assert len([line for line in lines if line.startswith(f"{recipients}:")]) == 300


@pytest.mark.parametrize("args", [["users", "list"], ["render", "--help"], []])
def test_other_commands_exit_as_usual(args: list[str], tmp_path: Path) -> None:
    """A command that holds the journal, a help text, no command: the usual exit."""
    if args[:1] == ["users"]:
        args = [*args, "--journal", str(tmp_path / "journal.sqlite")]
    done = send_py(*args)
    assert "teardown ran" in done.stdout, (done.stdout, done.stderr)


def test_a_reader_that_went_away_costs_no_traceback() -> None:
    """`send.py check ... | head -c0`: the report stays in the buffer until the end, and
    the flush then finds the pipe closed."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(
        [sys.executable, "-c", PROBE, "check", MINI],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert errors == ""


def test_the_collector_passes_at_missive_pace() -> None:
    """`run` sets the collector's pace for the whole process (see its doc): fewer passes
    over the young objects than CPython's default."""
    probe = PROBE.replace(
        '"teardown ran"', '"young objects per pass", __import__("gc").get_threshold()[0]'
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert f"young objects per pass {cli.YOUNG_OBJECTS_PER_PASS}" in done.stdout, done.stderr
    assert cli.YOUNG_OBJECTS_PER_PASS > 700
