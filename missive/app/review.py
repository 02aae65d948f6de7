"""A batch under review: its digest, its approval state, and reviewers' decisions.

`decide` is the one place a decision is recorded, whichever front end asks: the command
line (`approve`, `reject`) and the workspace (which first checks the person's permission,
`operations.Operations.decide`). Each decision keeps the batch's text inputs for the
review's "what changed since" and, when the request names an origin, goes to the audit log.

The digest includes the sha256 of every selected recipient's PDF, so an approval names the
exact bytes. They come either from a render folder (the `manifest.json` that
`render_letters` wrote next to the PDFs the reviewer proofread; each PDF on disk is checked
against it) or, without one, from rendering the batch in memory now. Rendering is
deterministic, so both give the same digests for the same inputs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from missive.app.batch_letters import LetterMaker, PreparedBatch
from missive.app.changes import inputs_store, keep_inputs
from missive.app.people import Origin
from missive.app.people import record_decision as record_audit
from missive.errors import ApprovalError, InputError, Problem
from missive.load import load_letter, load_recipients
from missive.model import ComposedLetter, Language, Letter, Recipient
from missive.review.approvals import (
    Approval,
    ApprovalGate,
    BatchDigest,
    BatchInputs,
    Decision,
    LanguageState,
    LanguageStatus,
    Selection,
    approval_status,
    collect_inputs,
    digest_batch,
    list_approvals,
    record_decision,
    refusal_message,
    require_approved,
    select_recipients,
)

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class BatchRequest:
    letter_path: Path
    journal_path: Path
    recipients_path: Path | None = None
    selection: Selection = field(default_factory=Selection)
    rendered: Path | None = None  # a render folder: take the PDFs' digests from its manifest


@dataclass(frozen=True)
class BatchReview:
    letter: Letter
    recipients: tuple[Recipient, ...]  # selected
    recipients_path: Path
    digest: BatchDigest
    statuses: Mapping[Language, LanguageStatus]
    refusal: str | None  # why a send would refuse now; None when every language is approved


@dataclass(frozen=True)
class DecisionRequest:
    batch: BatchRequest
    reviewer: str
    decision: Decision
    comment: str = ""  # for a rejection, the reason
    recorded_by: str = ""  # who the front end knows is asking, e.g. "os:jdoe"
    audit: Origin | None = None  # write the decision to the audit log under this origin


@dataclass(frozen=True)
class Decided:
    rows: tuple[Approval, ...]  # one per language decided
    review: BatchReview  # the batch as it stands after the decision


@dataclass(frozen=True)
class DigestedBatch:
    """A batch loaded, selected and digested (PDFs included): what a reviewer decides on."""

    letter: Letter
    recipients: tuple[Recipient, ...]  # selected
    recipients_path: Path
    inputs: BatchInputs
    digest: BatchDigest


def review_batch(request: BatchRequest) -> BatchReview:
    """Load, select and digest the batch (PDFs included), with its approval state."""
    return _review(load_batch(request), request.journal_path)


def decide(
    request: DecisionRequest, batch: DigestedBatch | None = None, now: dt.datetime | None = None
) -> Decided:
    """Record one reviewer's decision at the batch's hash, on the languages of the request's
    selection that the batch has (no languages selected: every language of the batch).

    `batch` is the batch already digested (the workspace keeps each letter's rendered);
    without it the batch is loaded from `request.batch`.
    """
    digested = batch or load_batch(request.batch)
    journal_path = request.batch.journal_path
    moment = now or dt.datetime.now(dt.UTC)
    wanted = request.batch.selection.languages
    languages = tuple(lang for lang in digested.digest.languages if not wanted or lang in wanted)
    if not languages:
        # Never "every language" by accident: an empty choice would record them all.
        asked = ", ".join(lang.value for lang in wanted)
        raise ApprovalError(f"no recipient of this batch reads {asked}")
    # Kept so that a later review can show what changed since this decision.
    keep_inputs(digested.inputs, digested.digest, inputs_store(journal_path))
    rows = record_decision(
        journal_path,
        digested.digest,
        reviewer=request.reviewer,
        decision=request.decision,
        languages=languages,
        comment=request.comment,
        now=moment,
        recorded_by=request.recorded_by,
    )
    if request.audit is not None:
        _audit(request, rows, request.audit, moment)
    return Decided(rows, _review(digested, journal_path))


def _audit(
    request: DecisionRequest, rows: Sequence[Approval], origin: Origin, now: dt.datetime
) -> None:
    """The audit log keeps what was decided at which hash, under who asked; a reviewer who
    is not the one asking (a name given on the command line) is kept as declared."""
    languages = ",".join(row.language.value for row in rows)
    details = ["hash " + ", ".join(row.hash[:12] for row in rows)]
    if request.reviewer != origin.name:
        details.append(f"declared reviewer {request.reviewer}")
    record_audit(
        request.batch.journal_path,
        origin,
        f"{request.decision.value} {languages}",
        target=rows[0].batch_key,
        detail="; ".join([*details, request.comment]),
        now=now,
    )


def load_batch(request: BatchRequest) -> DigestedBatch:
    """Load, check the selection and digest the batch, PDFs included."""
    letter = load_letter(request.letter_path)
    path = request.recipients_path or letter.recipients_path
    chosen = select_recipients(letter, load_recipients(path, letter), request.selection)
    if request.rendered is not None:
        pdfs = read_manifest(request.rendered, [r.id for r in chosen])
    else:
        pdfs = dict(render_digests(letter, path, chosen))
    inputs = collect_inputs(letter, chosen, recipients_path=path)
    return DigestedBatch(letter, chosen, path, inputs, digest_batch(inputs, sorted(pdfs.items())))


def _review(batch: DigestedBatch, journal_path: Path) -> BatchReview:
    required = batch.letter.reviewers_required
    history = list_approvals(journal_path, batch.letter.key)
    statuses = approval_status(history, batch.digest, required)
    blocking = [s for s in statuses.values() if s.state is not LanguageState.APPROVED]
    refusal = refusal_message(batch.digest, blocking, required) if blocking else None
    return BatchReview(
        batch.letter, batch.recipients, batch.recipients_path, batch.digest, statuses, refusal
    )


def approval_gate(journal_path: Path, prepared: PreparedBatch) -> ApprovalGate:
    """For a real send: raise ApprovalError unless the batch is approved.

    The inputs are checked now; pass `gate.verify` to `spool` so that each PDF is checked
    as it is rendered (a send renders once; only a refusal renders twice).
    """

    def manifest() -> Iterator[tuple[str, str]]:
        return render_digests(prepared.letter, prepared.recipients_path, prepared.recipients)

    return require_approved(
        journal_path,
        prepared.letter,
        prepared.recipients,
        render_manifest=manifest,
        recipients_path=prepared.recipients_path,
    )


def render_digests(
    letter: Letter, recipients_path: Path, chosen: Sequence[Recipient]
) -> Iterator[tuple[str, str]]:
    """Render each chosen recipient's PDF in memory as a send would; yields (id, sha256)."""
    for recipient, _, pdf in render_for_review(letter, recipients_path, chosen):
        yield recipient.id, hashlib.sha256(pdf).hexdigest()


def render_for_review(
    letter: Letter, recipients_path: Path, chosen: Sequence[Recipient]
) -> Iterator[tuple[Recipient, ComposedLetter, bytes]]:
    """Compose and render each chosen recipient's letter in memory, as a send would."""
    # The send's own composer and renderer, with the serials it would give (not recorded).
    make = LetterMaker(letter, recipients_path, persist_serials=False)
    for recipient in chosen:
        composed, pdf = make(recipient)
        yield recipient, composed, pdf


def read_manifest(folder: Path, wanted: Sequence[str]) -> dict[str, str]:
    """Digests from `folder/manifest.json`, each checked against the PDF file beside it."""
    path = folder / MANIFEST_NAME
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        listed = {str(e["recipient"]): (folder / str(e["pdf"]), str(e["sha256"])) for e in entries}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError([Problem(path, 1, 1, f"unreadable render manifest: {exc}")]) from exc
    problems = [
        Problem(path, 1, 1, f"no PDF for recipient {rid}") for rid in wanted if rid not in listed
    ]
    digests: dict[str, str] = {}
    for rid in wanted:
        if rid not in listed:
            continue
        pdf, sha = listed[rid]
        if not pdf.is_file() or hashlib.sha256(pdf.read_bytes()).hexdigest() != sha:
            problems.append(Problem(pdf, 1, 1, "this PDF is not the one the manifest lists"))
        digests[rid] = sha
    if problems:
        raise InputError(problems)
    return digests
