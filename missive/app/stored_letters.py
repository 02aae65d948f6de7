"""What the workspace's web server keeps in memory of one letter's stored batch, while
its state file stays the same: the state, each rendered language's digest, where each PDF
drawn so far is (learnt from the manifests, a partial one from where it was last read) and
the letter's approvals. The renderer rewrites the state once a second while it draws: what
was learnt of the PDFs of the folders still in use is carried over, not read again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from missive.app.batch_store import PARTIAL, LetterState, load_digest, load_state
from missive.app.render_batch import MANIFEST
from missive.model import Language
from missive.review.approvals import Approval, LanguageDigest


@dataclass(frozen=True)
class StoredPdf:
    recipient: str
    language: Language
    path: Path
    sha256: str
    pages: int


@dataclass
class FolderPdfs:
    """The PDFs of one render folder learnt so far, and how far its manifests were read."""

    pdfs: dict[str, StoredPdf] = field(default_factory=dict)  # by recipient id
    read: dict[str, int] = field(default_factory=dict)  # manifest's name -> bytes read


@dataclass
class StoredLetter:
    """What the shelf keeps of one letter while its state file stays the same."""

    mtime: int
    state: LetterState
    digests: dict[Language, LanguageDigest]
    folders: dict[str, FolderPdfs] = field(default_factory=dict)  # by render folder's name
    approvals: tuple[tuple[int, int], tuple[Approval, ...]] | None = None

    def pdf(self, recipient_id: str) -> StoredPdf | None:
        for folder in self.folders.values():
            found = folder.pdfs.get(recipient_id)
            if found is not None:
                return found
        return None


def load_stored(folder: Path, mtime: int, old: StoredLetter | None) -> StoredLetter | None:
    """The letter's state as written at `mtime`, with what `old` learnt of its PDFs."""
    state = load_state(folder)
    if state is None:
        return None
    return _carried(old, StoredLetter(mtime, state, _digests(folder, state)))


def _digests(folder: Path, state: LetterState) -> dict[Language, LanguageDigest]:
    found = {}
    for part in state.languages:
        if part.rendered:
            digest = load_digest(folder / part.folder)
            if digest is not None and digest.inputs_hash == part.inputs_hash:
                found[part.language] = digest
    return found


def _carried(old: StoredLetter | None, new: StoredLetter) -> StoredLetter:
    """What `old` learnt of the PDFs of folders `new` still uses. The renderer writes its
    state once a second while it draws: the PDFs listed so far are not read again, and
    what is carried over is a dictionary per language, whatever the list's size."""
    if old is None:
        return new
    used = {part.folder for part in new.state.languages}
    new.folders = {name: pdfs for name, pdfs in old.folders.items() if name in used}
    new.approvals = old.approvals
    return new


def read_new_pdfs(folder: Path, kept: StoredLetter) -> None:
    """Learn the PDFs drawn since the last look: a rendered language's manifest once, a
    language still drawing from where its partial manifest was read to."""
    for part in kept.state.languages:
        known = kept.folders.setdefault(part.folder, FolderPdfs())
        rendered = part.language in kept.digests
        name = MANIFEST if rendered else PARTIAL
        start = known.read.get(name, 0)
        if rendered and start:
            continue
        language_folder = folder / part.folder
        for entry in _new_entries(language_folder / name, start, known.read, rendered):
            rid = str(entry["recipient"])
            pdf = language_folder / str(entry["pdf"])
            sha, pages = str(entry["sha256"]), int(entry["pages"])
            known.pdfs[rid] = StoredPdf(rid, part.language, pdf, sha, pages)


def _new_entries(
    manifest: Path, start: int, read: dict[str, int], whole: bool
) -> list[dict[str, Any]]:
    try:
        with manifest.open("rb") as stream:
            stream.seek(start)
            data = stream.read()
    except OSError:
        return []
    if whole:
        read[manifest.name] = start + len(data) or 1
        try:
            entries = json.loads(data)
        except ValueError:
            return []
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits
    read[manifest.name] = start + len(complete)
    found = []
    for line in complete.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            found.append(entry)
    return found
