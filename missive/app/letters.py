"""Use cases that read letters for the workspace: overview, detail, review pages, PDFs.

A letter is named by its key, the stem of a YAML file in the letters folder; any other key
is refused with NotFoundError before a path is built from it. Nothing here composes or
draws a letter: the render job (`render_job.py`, in the renderer process `serve` starts)
keeps each letter's batch on disk (`batch_store.py`), and these read it. What they read is
kept in memory while the state file and the journal's approvals stay the same, and each
request checks, by the files' sizes and times, that no input changed since the state was
written: a change shows at once as `queued`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from missive.access.permissions import Action, Actor, require
from missive.app.batch_store import (
    KEY,
    PROOF,
    LetterState,
    Preview,
    RenderState,
    Sample,
    earlier_digest,
    letter_keys,
    still_current,
    store_of,
)
from missive.app.changes import FileChange, changes_since_approval
from missive.app.stored_letters import StoredLetter, StoredPdf, load_stored, read_new_pdfs
from missive.errors import NotFoundError, StaleHashError
from missive.model import Language
from missive.render import raster
from missive.review.approvals import (
    Approval,
    BatchDigest,
    BatchInputs,
    LanguageDigest,
    LanguageStatus,
    approval_status,
    approvals_version,
    changed_files,
    combine_digests,
    file_digests,
    list_approvals,
)
from missive.review.digest import PDF_LABEL

__all__ = ["PDF_LABEL", "LetterShelf", "LetterSummary", "RenderProgress", "StoredPdf"]


@dataclass(frozen=True)
class RenderProgress:
    """Where the letter's render job stands, as the API and the Letters page show it."""

    state: RenderState
    done: int
    total: int
    rate: float  # letters per second
    eta_seconds: int | None
    languages: Mapping[Language, tuple[int, int]]  # (done, total)
    checked: bool  # `check` has run on these inputs


@dataclass(frozen=True)
class LetterSummary:
    key: str
    path: Path
    problems: tuple[str, ...]  # `path:line:col: message`, empty when the letter checks
    counts: Mapping[tuple[Language, str], int]  # (language, group key)
    batch_hash: str  # "" until every language is rendered
    languages: Mapping[Language, LanguageStatus]
    reviewers_required: int
    render: RenderProgress
    hashes: Mapping[Language, str] = field(default_factory=dict)  # languages rendered

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class LetterShelf:
    """The letters folder of a workspace, read from their stored batches."""

    def __init__(self, letters_dir: Path, journal_path: Path, cache_dir: Path) -> None:
        self.letters_dir = letters_dir
        self.journal_path = journal_path
        self.cache_dir = cache_dir
        self.store = store_of(journal_path)
        self._stored: dict[str, StoredLetter] = {}
        self._lock = threading.Lock()
        self._drawing = threading.Lock()  # PDFium draws one page at a time

    def keys(self) -> dict[str, Path]:
        return letter_keys(self.letters_dir)

    def path_of(self, key: str) -> Path:
        """The letter's file, or NotFoundError (checked before any path is built)."""
        if not KEY.fullmatch(key):
            raise NotFoundError(f"no letter {key!r}")
        path = self.keys().get(key)
        if path is None:
            raise NotFoundError(f"no letter {key!r}")
        return path

    # --- the state on disk, kept while it stays the same -------------------------------

    def _read(self, key: str) -> StoredLetter | None:
        folder = self.store / key
        try:
            mtime = (folder / "state.json").stat().st_mtime_ns
        except OSError:
            return None
        with self._lock:
            kept = self._stored.get(key)
            if kept is None or kept.mtime != mtime:
                kept = load_stored(folder, mtime, kept)
                if kept is None:
                    return None
                self._stored[key] = kept
            read_new_pdfs(folder, kept)
            return kept

    def _approvals(self, kept: StoredLetter, key: str) -> tuple[Approval, ...]:
        version = approvals_version(self.journal_path, key)
        if kept.approvals is None or kept.approvals[0] != version:
            kept.approvals = (version, list_approvals(self.journal_path, key))
        return kept.approvals[1]

    # --- what the pages and the API show -------------------------------------------------

    def summary(self, actor: Actor | None, key: str) -> LetterSummary:
        require(actor, Action.VIEW)
        path = self.path_of(key)
        kept = self._read(key)
        if kept is None:
            return _queued(key, path)
        state = kept.state
        current = still_current(state.stamps)
        statuses = self._statuses(kept, key) if current else {}
        hashes = {lang: d.hash for lang, d in kept.digests.items()} if current else {}
        rendered = current and len(kept.digests) == len(state.languages) and state.languages
        batch_hash = combine_digests(key, kept.digests, rendered=True).hash if rendered else ""
        return LetterSummary(
            key=key,
            path=path,
            problems=state.problems,
            counts={(lang, group): n for lang, group, n in state.counts},
            batch_hash=batch_hash,
            languages=statuses,
            reviewers_required=state.reviewers_required,
            render=_progress(state, current),
            hashes=hashes,
        )

    def _statuses(self, kept: StoredLetter, key: str) -> dict[Language, LanguageStatus]:
        history = self._approvals(kept, key)
        required = kept.state.reviewers_required
        statuses: dict[Language, LanguageStatus] = {}
        for part in kept.state.languages:
            rendered = kept.digests.get(part.language)
            # A language still drawing is compared at its inputs, as a send before rendering.
            digest = rendered or LanguageDigest(part.language, "", part.inputs_hash, {}, 0)
            one = BatchDigest(key, "", {part.language: digest}, rendered is not None)
            statuses.update(approval_status(history, one, required))
        return statuses

    def overview(self, actor: Actor | None) -> list[LetterSummary]:
        require(actor, Action.VIEW)
        return [self.summary(actor, key) for key in self.keys()]

    def samples(self, actor: Actor | None, key: str, language: Language) -> tuple[Sample, ...]:
        """The recipients a reviewer picks from: the hard cases first (see `render_job`)."""
        require(actor, Action.VIEW)
        self.path_of(key)
        kept = self._read(key)
        part = kept.state.part(language) if kept is not None else None
        return part.samples if part is not None else ()

    def preview(self, actor: Actor | None, key: str) -> Preview | None:
        """The first recipient's cover e-mail, once the render job has composed it."""
        require(actor, Action.VIEW)
        self.path_of(key)
        kept = self._read(key)
        if kept is None or not still_current(kept.state.stamps):
            return None
        return kept.state.preview

    def drawn(self, key: str, samples: tuple[Sample, ...]) -> tuple[Sample, ...]:
        """Those of `samples` whose PDF is on disk already."""
        kept = self._read(key)
        return tuple(s for s in samples if kept is not None and kept.pdf(s.recipient))

    def changes(self, actor: Actor | None, key: str, language: Language) -> tuple[FileChange, ...]:
        """The input files changed since the language's last approval, with text diffs."""
        require(actor, Action.VIEW)
        kept = self._read(key)
        if kept is None or language not in kept.digests or not still_current(kept.state.stamps):
            return ()
        inputs = _inputs(kept.state)
        digest = combine_digests(key, kept.digests, rendered=True)
        return changes_since_approval(inputs, digest, self.journal_path, language)

    def proof(self, actor: Actor | None, key: str) -> Path:
        """The reviewers' proof (a letter per language and the hard cases), as kept."""
        require(actor, Action.VIEW)
        self.path_of(key)
        path = self.store / key / PROOF
        if not path.is_file():
            raise NotFoundError(f"the proof of {key} is not rendered yet")
        return path

    def pdf(self, actor: Actor | None, key: str, recipient_id: str) -> StoredPdf:
        """The recipient's stored PDF; NotFoundError until it is drawn."""
        require(actor, Action.VIEW)
        self.path_of(key)
        kept = self._read(key)
        found = kept.pdf(recipient_id) if kept is not None else None
        if found is None:
            raise NotFoundError(f"no letter to {recipient_id!r} in {key} (yet)")
        return found

    def page_image(self, actor: Actor | None, key: str, recipient_id: str, page: int) -> Path:
        """Page `page` (1-based) as a PNG file, drawn from the stored PDF once."""
        stored = self.pdf(actor, key, recipient_id)
        if not 1 <= page <= stored.pages:
            raise NotFoundError(f"no page {page} in the letter to {recipient_id}")
        cached = raster.page_path(stored.sha256, page - 1, self.cache_dir)
        if not cached.is_file():
            with self._drawing:
                raster.page_png(stored.path.read_bytes(), page - 1, self.cache_dir)
        return cached

    def digest(self, key: str) -> BatchDigest | None:
        """The batch's digest, PDFs included, once every language is rendered at the
        current inputs (what `send.py batch` computes)."""
        self.path_of(key)
        kept = self._read(key)
        if kept is None or not still_current(kept.state.stamps):
            return None
        if len(kept.digests) != len(kept.state.languages):
            return None
        return combine_digests(key, kept.digests, rendered=True)

    # --- what a decision is bound to ------------------------------------------------------

    def current(
        self, key: str, language: Language, seen_hash: str
    ) -> tuple[BatchInputs, BatchDigest]:
        """The batch as it is now, for a decision on `language` at `seen_hash`: the inputs
        read and hashed again, so that an edit not noticed yet is not decided on.

        StaleHashError if the language is not rendered at its current inputs, or if its
        hash is not `seen_hash`, with what changed since.
        """
        path = self.path_of(key)
        kept = self._read(key)
        if kept is None:  # never rendered yet: the renderer has not read the list
            message = f"{path.stem} is queued for rendering: nothing to decide on yet"
            raise StaleHashError(
                message, language=language.value, seen_hash=seen_hash, current_hash=None
            )
        if kept.state.part(language) is None:
            raise NotFoundError(f"no recipient reads {language.value} in {path.stem}")
        rendered = kept.digests.get(language)
        now = file_digests(f for f in _inputs(kept.state).files if f.language in (None, language))
        changed = any(rendered.files.get(k) != v for k, v in now.items()) if rendered else True
        # A file added to or removed from an input folder shows in the folders' stamps.
        if rendered is None or changed or not still_current(kept.state.stamps):
            raise self._stale(key, language, seen_hash, None, now)
        if rendered.hash != seen_hash:
            raise self._stale(key, language, seen_hash, rendered, now)
        return _inputs(kept.state), combine_digests(key, kept.digests, rendered=True)

    def _stale(
        self,
        key: str,
        language: Language,
        seen_hash: str,
        rendered: LanguageDigest | None,
        now: Mapping[str, str],
    ) -> StaleHashError:
        seen = earlier_digest(self.store / key, seen_hash)
        if rendered is not None:
            changed = changed_files(seen.files, rendered.files) if seen is not None else ()
            message = f"{language.value} changed since hash {seen_hash[:12]}…"
            return StaleHashError(
                f"{message}: {_listing(changed)}" if changed else message,
                language=language.value,
                seen_hash=seen_hash,
                current_hash=rendered.hash,
                changed=changed,
            )
        base = dict(seen.files) if seen is not None else {}
        changed = tuple(k for k, v in sorted(now.items()) if base and base.get(k) != v)
        message = f"{language.value} is being rendered again"
        detail = f"; changed since hash {seen_hash[:12]}…: {_listing(changed)}" if changed else ""
        return StaleHashError(
            message + detail,
            language=language.value,
            seen_hash=seen_hash,
            current_hash=None,
            changed=changed,
        )


def _listing(labels: tuple[str, ...]) -> str:
    files = [label for label in labels if not label.startswith(PDF_LABEL)]
    pdfs = len(labels) - len(files)
    shown = ", ".join(files) or "the PDFs"
    return f"{shown} (and so {pdfs} PDF{'s' if pdfs != 1 else ''})" if files and pdfs else shown


def _queued(key: str, path: Path) -> LetterSummary:
    progress = RenderProgress(RenderState.QUEUED, 0, 0, 0.0, None, {}, checked=False)
    return LetterSummary(key, path, (), {}, "", {}, 1, progress)


def _progress(state: LetterState, current: bool) -> RenderProgress:
    languages = {p.language: (p.done, p.total) for p in state.languages}
    if not current:
        return RenderProgress(RenderState.QUEUED, 0, state.total, 0.0, None, languages, False)
    return RenderProgress(
        state.state,
        state.done,
        state.total,
        state.rate,
        state.eta_seconds,
        languages,
        state.checked,
    )


def _inputs(state: LetterState) -> BatchInputs:
    languages = tuple(p.language for p in state.languages)
    return BatchInputs(state.key, languages, state.inputs, ())
