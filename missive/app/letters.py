"""Use cases that read letters for the workspace: overview, detail, review pages, PDFs.

A letter is named by its key, the stem of a YAML file in the letters folder; any other key
is refused with NotFoundError before a path is built from it. The batch of a letter here is
the whole list (every recipient the letter offers), rendered once and kept in memory while
its input files stay the same, so that pages, PDFs and the hash a reviewer approves are the
bytes a send would attach.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from missive.access.permissions import Action, Actor, require
from missive.app.changes import FileChange, changes_since_approval
from missive.app.proof import render_proof
from missive.app.review import DigestedBatch, render_for_review
from missive.errors import InputError, NotFoundError
from missive.load import load_letter, load_recipients
from missive.model import Language, Letter, Recipient
from missive.render import raster
from missive.review.approvals import (
    BatchInputs,
    LanguageStatus,
    Selection,
    approval_status,
    collect_inputs,
    digest_batch,
    list_approvals,
    select_recipients,
)

KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class RenderedBatch(DigestedBatch):
    """The whole list of a letter, rendered: what a reviewer sees and approves."""

    pdfs: Mapping[str, bytes]  # recipient id -> PDF
    subjects: Mapping[str, str]  # recipient id -> cover e-mail subject
    covers: Mapping[str, str]  # recipient id -> cover e-mail text

    def in_language(self, language: Language) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if r.language is language)


@dataclass(frozen=True)
class LetterSummary:
    key: str
    path: Path
    problems: tuple[str, ...]  # `path:line:col: message`, empty when the letter checks
    counts: Mapping[tuple[Language, str], int]  # (language, group key)
    batch_hash: str
    languages: Mapping[Language, LanguageStatus]
    reviewers_required: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class LetterShelf:
    """The letters folder of a workspace, with each letter's rendered batch cached."""

    def __init__(self, letters_dir: Path, journal_path: Path, cache_dir: Path) -> None:
        self.letters_dir = letters_dir
        self.journal_path = journal_path
        self.cache_dir = cache_dir
        self._batches: dict[str, tuple[str, RenderedBatch]] = {}
        self._lock = threading.Lock()

    def keys(self) -> dict[str, Path]:
        return {p.stem: p for p in sorted(self.letters_dir.glob("*.yaml")) if KEY.fullmatch(p.stem)}

    def path_of(self, key: str) -> Path:
        """The letter's file, or NotFoundError (checked before any path is built)."""
        if not KEY.fullmatch(key):
            raise NotFoundError(f"no letter {key!r}")
        path = self.keys().get(key)
        if path is None:
            raise NotFoundError(f"no letter {key!r}")
        return path

    def batch(self, key: str) -> RenderedBatch:
        """The letter's rendered batch (InputError if the letter does not check)."""
        path = self.path_of(key)
        letter = load_letter(path)
        listed = load_recipients(letter.recipients_path, letter)
        recipients = select_recipients(letter, listed, Selection())
        inputs = collect_inputs(letter, recipients, recipients_path=letter.recipients_path)
        inputs_hash = digest_batch(inputs, None).hash
        with self._lock:
            cached = self._batches.get(key)
            if cached is not None and cached[0] == inputs_hash:
                return cached[1]
            rendered = _render(letter, recipients, inputs)
            self._batches[key] = (inputs_hash, rendered)
            return rendered

    def summary(self, actor: Actor | None, key: str) -> LetterSummary:
        require(actor, Action.VIEW)
        path = self.path_of(key)
        try:
            batch = self.batch(key)
        except InputError as error:
            return LetterSummary(key, path, tuple(str(p) for p in error.problems), {}, "", {}, 0)
        counts = Counter((r.language, r.group) for r in batch.recipients)
        history = list_approvals(self.journal_path, batch.letter.key)
        required = batch.letter.reviewers_required
        status = approval_status(history, batch.digest, required)
        return LetterSummary(key, path, (), dict(counts), batch.digest.hash, status, required)

    def overview(self, actor: Actor | None) -> list[LetterSummary]:
        require(actor, Action.VIEW)
        return [self.summary(actor, key) for key in self.keys()]

    def changes(self, actor: Actor | None, key: str, language: Language) -> tuple[FileChange, ...]:
        """The input files changed since the language's last approval, with text diffs."""
        require(actor, Action.VIEW)
        batch = self.batch(key)
        return changes_since_approval(batch.inputs, batch.digest, self.journal_path, language)

    def proof(self, actor: Actor | None, key: str) -> bytes:
        """The reviewers' proof: a letter per language and the hard cases, in one PDF."""
        require(actor, Action.VIEW)
        return render_proof(self.path_of(key)).data

    def recipient(self, actor: Actor | None, key: str, recipient_id: str) -> Recipient:
        require(actor, Action.VIEW)
        batch = self.batch(key)
        found = next((r for r in batch.recipients if r.id == recipient_id), None)
        if found is None:
            raise NotFoundError(f"no recipient {recipient_id!r} in {key}")
        return found

    def pdf(self, actor: Actor | None, key: str, recipient_id: str) -> bytes:
        self.recipient(actor, key, recipient_id)
        return self.batch(key).pdfs[recipient_id]

    def page_count(self, actor: Actor | None, key: str, recipient_id: str) -> int:
        return raster.page_count(self.pdf(actor, key, recipient_id))

    def page_image(self, actor: Actor | None, key: str, recipient_id: str, page: int) -> bytes:
        """Page `page` (1-based) as PNG; NotFoundError outside the PDF."""
        pdf = self.pdf(actor, key, recipient_id)
        if not 1 <= page <= raster.page_count(pdf):
            raise NotFoundError(f"no page {page} in the letter to {recipient_id}")
        return raster.page_png(pdf, page - 1, self.cache_dir)


def _render(
    letter: Letter, recipients: tuple[Recipient, ...], inputs: BatchInputs
) -> RenderedBatch:
    pdfs: dict[str, bytes] = {}
    subjects: dict[str, str] = {}
    covers: dict[str, str] = {}
    for recipient, composed, pdf in render_for_review(letter, letter.recipients_path, recipients):
        pdfs[recipient.id] = pdf
        subjects[recipient.id] = composed.cover.subject
        covers[recipient.id] = composed.cover.text
    digests = sorted((rid, hashlib.sha256(pdf).hexdigest()) for rid, pdf in pdfs.items())
    return RenderedBatch(
        letter=letter,
        recipients=recipients,
        recipients_path=letter.recipients_path,
        inputs=inputs,
        digest=digest_batch(inputs, digests),
        pdfs=pdfs,
        subjects=subjects,
        covers=covers,
    )
