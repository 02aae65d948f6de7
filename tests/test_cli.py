"""The command line as documented: every command has a real example, and every command line
written in the README and the docs parses with the options that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from missive.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "README.md", ROOT / "docs" / "roles.md")


def documented_lines(text: str) -> list[str]:
    """Indented `python send.py ...` lines, continuation lines joined, env and comments cut."""
    joined = re.sub(r"\\\n\s*", " ", text)
    lines = []
    for line in joined.splitlines():
        found = re.search(r"python send\.py (.*)", line)
        if found is not None and line[:1].isspace():
            lines.append(found.group(1).split("  #")[0].strip())
    return lines


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_a_real_example(command: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "send.py"), command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    examples = [line for line in documented_lines(done.stdout) if line.split()[0] == command]
    assert examples, f"`{command} --help` shows no example of itself"
    for example in examples:
        build_parser().parse_args(shlex.split(example))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_command_line_in_the_docs_parses(doc: Path) -> None:
    lines = documented_lines(doc.read_text(encoding="utf-8"))
    assert len(lines) >= 5
    for line in lines:
        try:
            args = build_parser().parse_args(shlex.split(line))
        except SystemExit as exc:  # argparse's way of refusing a command line
            pytest.fail(f"{doc.name}: `python send.py {line}` does not parse ({exc})")
        assert args.command in COMMANDS


def test_no_command_prints_help_and_exits_2() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "send.py")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "python send.py demo" in done.stdout
