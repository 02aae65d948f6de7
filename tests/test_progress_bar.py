"""The progress bar: drawn on a terminal (tqdm), absent from pipes and logs."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDER = (sys.executable, "send.py", "render", "letters/wsis20-invitation.yaml", "--jobs", "1")


def _render(out: Path, stderr: int) -> None:
    subprocess.run(
        [*RENDER, "--out", str(out), "--limit", "8"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        check=True,
    )


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_sees_the_bar_with_its_count(tmp_path: Path) -> None:
    controller, terminal = os.openpty()
    # A new pseudo-terminal is 0 columns wide, where tqdm draws nothing.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        _render(tmp_path / "out", terminal)
    finally:
        os.close(terminal)
    drawn = _read_all(controller)
    os.close(controller)
    assert "rendering" in drawn
    assert "8/8" in drawn and "letters" in drawn


def test_a_pipe_gets_no_bar(tmp_path: Path) -> None:
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stream:
        _render(tmp_path / "out", stream.fileno())
    written = log.read_text(encoding="utf-8")
    assert "8/8" not in written and "it/s" not in written and "letters/s" not in written
