"""The spool: every message is written to disk, with its hash, before it is ever sent.

A retry, or a re-run after a crash, reads the same file back, so the relay always receives
byte-identical content with the same Message-ID. Files are written atomically (temporary file,
fsync, rename); the folder itself is fsynced by `sync` before the journal records the files.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from missive.errors import JournalError

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LINE_END = re.compile(rb"\r\n|\r|\n")


def crlf_lines(data: bytes) -> bytes:
    """Every line ending as CRLF, the last line ended too: the form SMTP carries."""
    crlf = data.count(b"\r\n")
    if data.count(b"\r") != crlf or data.count(b"\n") != crlf:  # a bare CR or LF somewhere
        data = _LINE_END.sub(b"\r\n", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


@dataclass(frozen=True)
class SpoolEntry:
    relative_path: str  # relative to the spool root, as the journal stores it
    sha256: str
    size: int


def spool_root_for(journal_path: Path) -> Path:
    return journal_path.with_name(journal_path.name + ".spool")


def _file_name(recipient_id: str) -> str:
    if _SAFE_NAME.fullmatch(recipient_id):
        return f"{recipient_id}.eml"
    # An id with path separators or odd characters must not choose where the file goes.
    return "id-" + hashlib.sha256(recipient_id.encode()).hexdigest()[:32] + ".eml"


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, batch_id: str) -> Path:
        return self.root / batch_id

    def write(self, batch_id: str, recipient_id: str, data: bytes) -> SpoolEntry:
        """Store `data` with CRLF line ends (see `crlf_lines`): spooled files need no more
        normalising when sent, and their hash covers exactly the bytes that go out."""
        data = crlf_lines(data)
        folder = self.folder(batch_id)
        folder.mkdir(parents=True, exist_ok=True)
        name = _file_name(recipient_id)
        target = folder / name
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except OSError as exc:
            raise JournalError(f"cannot write the spool file {target}: {exc}") from exc
        return SpoolEntry(
            relative_path=f"{batch_id}/{name}",
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
        )

    def sync(self, batch_id: str) -> None:
        """Make the renames durable; call before the journal commits the entries."""
        folder = self.folder(batch_id)
        if not folder.exists():
            return
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def read(self, relative_path: str, sha256: str) -> bytes:
        path = self.root / relative_path
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise JournalError(f"spooled message missing: {path}: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise JournalError(f"spooled message changed on disk since it was journaled: {path}")
        return data
