"""What changed in a language since its last approval: the files, and a text diff of each.

When a decision is recorded (`review.decide`, from either front end), the text input files
of the batch (letter, templates, catalogs) are kept by sha256 beside the journal. A later
review can then show, for each file whose digest changed since the last approval, what
changed in it line by line.
A file approved before any copy was kept is listed without its diff.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from missive.model import Language
from missive.review.approvals import BatchDigest, BatchInputs, Decision, list_approvals
from missive.review.digest import PDF_LABEL

TEXT_SUFFIXES = (".j2", ".po", ".pot", ".yaml", ".yml", ".md", ".txt")
MAX_DIFF_LINES = 400


@dataclass(frozen=True)
class FileChange:
    label: str
    diff: str | None  # unified diff, None when no copy of the approved version was kept


def inputs_store(journal_path: Path) -> Path:
    """Where the inputs of decisions are kept: beside the journal."""
    return journal_path.with_name(journal_path.name + ".inputs")


def keep_inputs(inputs: BatchInputs, digest: BatchDigest, store: Path) -> None:
    """Copy the batch's text inputs into `store`, named by their sha256 (once each)."""
    for item in inputs.files:
        if not item.path.name.endswith(TEXT_SUFFIXES):
            continue
        sha = digest_of(digest, item.label)
        if sha is None or (store / sha).exists() or not item.path.is_file():
            continue
        target = store / sha
        store.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".input-", dir=store)
        with os.fdopen(handle, "wb") as stream:
            stream.write(item.path.read_bytes())
        os.replace(temporary, target)


def digest_of(digest: BatchDigest, label: str) -> str | None:
    """The sha256 of an input file of the batch, by its label."""
    for language in digest.languages.values():
        if label in language.files:
            return language.files[label]
    return None


def changes_since_approval(
    inputs: BatchInputs, digest: BatchDigest, journal_path: Path, language: Language
) -> tuple[FileChange, ...]:
    current = digest.languages.get(language)
    if current is None:
        return ()
    earlier = [
        a
        for a in list_approvals(journal_path, digest.letter_key)
        if a.language is language and a.decision is Decision.APPROVED and a.hash != current.hash
    ]
    if not earlier:
        return ()
    before = earlier[-1].files
    paths = {item.label: item.path for item in inputs.files}
    store = inputs_store(journal_path)
    changes = []
    for label in sorted(before.keys() | current.files.keys()):
        if label.startswith(PDF_LABEL) or before.get(label) == current.files.get(label):
            continue
        changes.append(FileChange(label, _diff(label, before.get(label), paths.get(label), store)))
    return tuple(changes)


def _diff(label: str, old_sha: str | None, path: Path | None, store: Path) -> str | None:
    if not label.endswith(TEXT_SUFFIXES):
        return None
    old = _text(store / old_sha) if old_sha else ""
    new = _text(path) if path is not None else ""
    if old is None or new is None:
        return None
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"{label} (approved)", f"{label} (now)", lineterm=""
    )
    shown = list(lines)[:MAX_DIFF_LINES]
    return "\n".join(shown)


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
