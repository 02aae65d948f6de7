"""Approvals tied to a batch's hash, and the check that blocks an unapproved send.

Approvals are per language and stored in the journal's SQLite file (table `approvals`).
Each approval keeps the per-file digests it was given at, so a refusal can say which
input files changed since. A reviewer's latest decision at a hash is the one that counts:
approving twice counts once, and a rejection after an approval blocks until that reviewer
approves again. The hash API of `missive.review.digest` is re-exported here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from missive.errors import ApprovalError, JournalError
from missive.model import Language, Letter, Recipient
from missive.review.digest import (
    PDF_LABEL,
    BatchDigest,
    BatchInputs,
    InputFile,
    LanguageDigest,
    Selection,
    batch_hash,
    changed_files,
    collect_inputs,
    combine_digests,
    digest_batch,
    file_digests,
    iter_selected,
    select_recipients,
    selected_counts,
)
from missive.storage import shared_file as ledger

__all__ = [
    "Approval",
    "ApprovalGate",
    "BatchDigest",
    "BatchInputs",
    "Decision",
    "InputFile",
    "LanguageDigest",
    "LanguageState",
    "LanguageStatus",
    "Selection",
    "approval_status",
    "approvals_version",
    "batch_hash",
    "changed_files",
    "check_approved",
    "collect_inputs",
    "combine_digests",
    "digest_batch",
    "file_digests",
    "iter_selected",
    "list_approvals",
    "record_decision",
    "refusal_message",
    "require_approved",
    "select_recipients",
    "selected_counts",
]

MAX_LISTED = 6

# --- approvals ----------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_key TEXT NOT NULL,
    language TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    comment TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL,
    inputs_hash TEXT NOT NULL,
    batch_hash TEXT NOT NULL,
    files TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_by_batch ON approvals (batch_key, language, id);
"""
# Who recorded the decision, beside the name declared: the operating-system user of the
# command line, or the account logged in to the workspace.
MIGRATIONS = (SCHEMA, "ALTER TABLE approvals ADD COLUMN recorded_by TEXT NOT NULL DEFAULT '';")


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class LanguageState(StrEnum):
    APPROVED = "approved"
    PARTIAL = "partial"  # approved at this hash by fewer reviewers than required
    REJECTED = "rejected"
    CHANGED = "changed"  # approved once, at another hash
    MISSING = "missing"  # never approved


@dataclass(frozen=True)
class Approval:
    batch_key: str
    language: Language
    reviewer: str
    decision: Decision
    comment: str
    hash: str  # the language hash, PDFs included
    inputs_hash: str  # the language hash of the input files only
    batch_hash: str
    files: Mapping[str, str]
    decided_at: dt.datetime
    recorded_by: str = ""  # e.g. "os:jdoe" (command line) or "login nadia from 10.0.0.5"


@dataclass(frozen=True)
class LanguageStatus:
    language: Language
    state: LanguageState
    approvers: tuple[str, ...]  # distinct reviewers whose latest word at this hash is yes
    approvals: tuple[Approval, ...]  # those latest words
    rejections: tuple[Approval, ...]  # the standing rejections at this hash
    changed: tuple[str, ...]  # labels changed since the last approval at another hash


def record_decision(
    journal_path: Path,
    digest: BatchDigest,
    *,
    reviewer: str,
    decision: Decision,
    languages: Sequence[Language] = (),
    comment: str = "",
    now: dt.datetime | None = None,
    recorded_by: str = "",
) -> tuple[Approval, ...]:
    """Store one reviewer's decision for `languages` (default: all in the batch)."""
    _refuse_bad_decision(digest, reviewer, decision, languages)
    moment = now or dt.datetime.now(dt.UTC)
    rows = tuple(
        Approval(
            digest.letter_key,
            lang,
            reviewer.strip(),
            decision,
            comment,
            digest.languages[lang].hash,
            digest.languages[lang].inputs_hash,
            digest.hash,
            dict(digest.languages[lang].files),
            moment,
            recorded_by,
        )
        for lang in (languages or tuple(digest.languages))
    )
    with _connect(journal_path) as conn, ledger.immediate(conn):
        conn.executemany(
            "INSERT INTO approvals (batch_key, language, reviewer, decision, comment, hash,"
            " inputs_hash, batch_hash, files, decided_at, recorded_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_row(a) for a in rows],
        )
    return rows


def _refuse_bad_decision(
    digest: BatchDigest, reviewer: str, decision: Decision, languages: Sequence[Language]
) -> None:
    if not reviewer.strip():
        raise ApprovalError("a reviewer name is required")
    if decision is Decision.APPROVED and not digest.rendered:
        raise ApprovalError("an approval needs the digests of the rendered PDFs")
    unknown = [str(lang) for lang in languages if lang not in digest.languages]
    if unknown:
        raise ApprovalError(f"not in this batch: {', '.join(unknown)}")


def approvals_version(journal_path: Path, batch_key: str) -> tuple[int, int]:
    """How many decisions the letter has and the newest's id: what changes when one is
    recorded (a reader may keep `list_approvals` while it stays the same)."""
    with _connect(journal_path) as conn:
        count, newest = conn.execute(
            "SELECT count(*), coalesce(max(id), 0) FROM approvals WHERE batch_key = ?",
            (batch_key,),
        ).fetchone()
    return int(count), int(newest)


def list_approvals(journal_path: Path, batch_key: str) -> tuple[Approval, ...]:
    """Every decision on the letter, oldest first."""
    with _connect(journal_path) as conn:
        rows = conn.execute(
            "SELECT * FROM approvals WHERE batch_key = ? ORDER BY id", (batch_key,)
        ).fetchall()
    return tuple(_approval(row) for row in rows)


def approval_status(
    history: Sequence[Approval], digest: BatchDigest, reviewers_required: int
) -> dict[Language, LanguageStatus]:
    return {
        lang: _language_status(
            [a for a in history if a.language == lang], d, reviewers_required, digest.rendered
        )
        for lang, d in digest.languages.items()
    }


@dataclass(frozen=True)
class ApprovalGate:
    """What a send may attach: the PDFs approved for each recipient, by sha256."""

    digest: BatchDigest
    approved_pdfs: Mapping[str, str]  # recipient id -> sha256

    def verify(self, recipient_id: str, pdf: bytes) -> None:
        """Raise ApprovalError unless `pdf` is byte for byte the one approved."""
        if self.approved_pdfs.get(recipient_id) != hashlib.sha256(pdf).hexdigest():
            raise ApprovalError(
                f"batch not approved at hash {self.digest.short}…: the PDF for {recipient_id}"
                " is not the one approved; render the batch again and have it reviewed",
                batch_hash=self.digest.hash,
                changed={
                    str(lang): (PDF_LABEL + recipient_id,)
                    for lang, d in self.digest.languages.items()
                    if PDF_LABEL + recipient_id in d.files
                },
            )


def require_approved(
    journal_path: Path,
    letter: Letter,
    recipients: Sequence[Recipient],
    manifest_digests: Iterable[tuple[str, str]] | None = None,
    *,
    render_manifest: Callable[[], Iterable[tuple[str, str]]] | None = None,
    recipients_path: Path | None = None,
    catalog_dir: Path | None = None,
    fonts_dir: Path | None = None,
) -> ApprovalGate:
    """Raise ApprovalError unless the batch about to be sent is approved in every language.

    `recipients` are those about to be sent to (already selected). With
    `manifest_digests`, the (recipient id, sha256) of the PDFs about to be attached, the
    whole batch is checked at once. Without, the input files are checked now and each
    PDF later, as it is rendered, with `ApprovalGate.verify`: a send renders only once.
    Only to refuse is `render_manifest` called, so that the refusal names the same hash
    as `send.py batch` (which includes the PDFs) and any PDF that changed.
    """
    inputs = collect_inputs(
        letter,
        recipients,
        catalog_dir=catalog_dir,
        fonts_dir=fonts_dir,
        recipients_path=recipients_path,
    )
    digest = digest_batch(inputs, manifest_digests)
    try:
        status = check_approved(journal_path, letter, digest)
    except ApprovalError:
        if digest.rendered or render_manifest is None:
            raise
        check_approved(journal_path, letter, digest_batch(inputs, render_manifest()))
        raise
    pdfs = _approved_pdfs(status.values())
    if not digest.rendered:
        # If every PDF passes `verify`, this is the hash of what is sent.
        digest = digest_batch(inputs, pdfs.items())
    return ApprovalGate(digest, pdfs)


def check_approved(
    journal_path: Path, letter: Letter, digest: BatchDigest
) -> dict[Language, LanguageStatus]:
    """Raise ApprovalError unless every language of the batch is approved at its hash."""
    history = list_approvals(journal_path, letter.key)
    status = approval_status(history, digest, letter.reviewers_required)
    blocking = [s for s in status.values() if s.state is not LanguageState.APPROVED]
    if blocking:
        raise ApprovalError(
            refusal_message(digest, blocking, letter.reviewers_required),
            batch_hash=digest.hash,
            missing=tuple(str(s.language) for s in blocking if s.state is LanguageState.MISSING),
            changed={str(s.language): s.changed for s in blocking if s.changed},
            rejected=tuple(str(s.language) for s in blocking if s.rejections),
        )
    return status


def _approved_pdfs(statuses: Iterable[LanguageStatus]) -> dict[str, str]:
    """PDF digests every counting approver agrees on (they differ only if rendering does)."""
    agreed: dict[str, str] = {}
    for status in statuses:
        seen: dict[str, set[str]] = {}
        for approval in status.approvals:
            for label, sha in approval.files.items():
                if label.startswith(PDF_LABEL):
                    seen.setdefault(label[len(PDF_LABEL) :], set()).add(sha)
        agreed.update({rid: shas.pop() for rid, shas in seen.items() if len(shas) == 1})
    return agreed


def refusal_message(
    digest: BatchDigest, blocking: Sequence[LanguageStatus], reviewers_required: int
) -> str:
    missing = [str(s.language) for s in blocking if s.state is LanguageState.MISSING]
    parts = [f"missing approval for {', '.join(missing)}"] if missing else []
    short_of: dict[tuple[str, ...], list[str]] = {}
    for s in blocking:
        if s.state is LanguageState.CHANGED:
            parts.append(f"changed since approval of {s.language}: {_listing(s.changed)}")
        elif s.state is LanguageState.PARTIAL:
            short_of.setdefault(s.approvers, []).append(str(s.language))
        elif s.state is LanguageState.REJECTED:
            parts.extend(
                f"rejected for {s.language} by {r.reviewer}: {r.comment}" for r in s.rejections
            )
    for approvers, languages in short_of.items():
        one = len(languages) == 1
        parts.append(
            f"{', '.join(languages)} {'needs' if one else 'need'} {reviewers_required} distinct"
            f" reviewers, {'has' if one else 'have'} {len(approvers)} ({', '.join(approvers)})"
        )
    return f"batch not approved at hash {digest.short}…: {'; '.join(parts)}"


def _listing(labels: Sequence[str]) -> str:
    """The input files that changed; the PDFs named only when no input file explains them."""
    files = [label for label in labels if not label.startswith(PDF_LABEL)]
    pdfs = len(labels) - len(files)
    if files and pdfs:
        return f"{_first(files)} (and so {pdfs} PDF{'s' if pdfs > 1 else ''})"
    return _first(files or labels)


def _first(labels: Sequence[str]) -> str:
    shown = ", ".join(labels[:MAX_LISTED])
    more = len(labels) - MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _language_status(
    history: Sequence[Approval], current: LanguageDigest, required: int, rendered: bool
) -> LanguageStatus:
    def same(a: Approval) -> bool:
        # Without rendered PDFs only the input files can be compared; see ApprovalGate.
        return a.hash == current.hash if rendered else a.inputs_hash == current.inputs_hash

    latest: dict[str, Approval] = {}
    for decision in history:
        if same(decision):
            # A reviewer's latest word at this hash is the one that counts.
            latest[decision.reviewer.casefold()] = decision
    approvals = tuple(a for a in latest.values() if a.decision is Decision.APPROVED)
    approvers = tuple(a.reviewer for a in approvals)
    rejections = tuple(a for a in latest.values() if a.decision is Decision.REJECTED)
    earlier = [a for a in history if a.decision is Decision.APPROVED and not same(a)]
    changed = changed_files(earlier[-1].files, current.files, pdfs=rendered) if earlier else ()
    if rejections:
        state = LanguageState.REJECTED
    elif len(approvers) >= max(required, 1):
        state = LanguageState.APPROVED
    elif approvers:
        state = LanguageState.PARTIAL
    else:
        state = LanguageState.CHANGED if earlier else LanguageState.MISSING
    return LanguageStatus(current.language, state, approvers, approvals, rejections, changed)


def _connect(path: Path) -> AbstractContextManager[sqlite3.Connection]:
    return ledger.session(path, "approvals", MIGRATIONS)


def _row(a: Approval) -> tuple[str, ...]:
    return (
        a.batch_key,
        str(a.language),
        a.reviewer,
        str(a.decision),
        a.comment,
        a.hash,
        a.inputs_hash,
        a.batch_hash,
        json.dumps(dict(a.files), sort_keys=True),
        ledger.to_text(a.decided_at),
        a.recorded_by,
    )


def _approval(row: sqlite3.Row) -> Approval:
    try:
        return Approval(
            batch_key=row["batch_key"],
            language=Language(row["language"]),
            reviewer=row["reviewer"],
            decision=Decision(row["decision"]),
            comment=row["comment"],
            hash=row["hash"],
            inputs_hash=row["inputs_hash"],
            batch_hash=row["batch_hash"],
            files=json.loads(row["files"]),
            decided_at=ledger.from_text(row["decided_at"]),
            recorded_by=row["recorded_by"],
        )
    except (ValueError, KeyError) as exc:
        raise JournalError(f"unreadable approval row {row['id']}: {exc}") from exc
