"""A send, end to end: check -> select -> compose -> render -> spool + journal -> deliver.

The batch id is derived from the letter's key and date and the recipients file's name, not
from file contents: fixing one bad row, adding recipients or narrowing the selection and
running the same command again resumes the *same* batch, so nobody already sent to is sent
to again. (A new letter has a new key or date, hence a new batch.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import ssl
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from missive.deliver.journal import BatchInfo, Journal, SendState
from missive.deliver.message import load_dkim_key
from missive.deliver.sender import Outcome, RunSummary, Sender
from missive.deliver.settings import Credentials, SendOptions, SmtpEndpoint
from missive.deliver.spool import Spool, spool_root_for
from missive.deliver.spooler import SpoolResult, spool_batch
from missive.model import ComposedLetter, Language, Letter, Recipient
from missive.review.digest import Selection, select_recipients

# Raises (e.g. ApprovalError) unless this recipient's PDF may be sent.
VerifyPdf = Callable[[str, bytes], None]


@dataclass(frozen=True)
class SendRequest:
    letter_path: Path
    journal_path: Path
    recipients_path: Path | None = None
    selection: Selection = field(default_factory=Selection)
    to_self: str | None = None  # one sample per language, all to this address
    # How to deliver (used by `send_batch`; `prepare` needs only the fields above).
    smtp: str = "smtp://localhost:25"
    rate: str = "600/min"
    connections: int = 4
    dry_run: bool = True
    resend_ambiguous: bool = False
    window: str | None = None  # HH:MM-HH:MM in each recipient's time zone


@dataclass(frozen=True)
class PreparedBatch:
    letter: Letter
    info: BatchInfo
    recipients: tuple[Recipient, ...]  # selected, in file order
    recipients_path: Path


@dataclass(frozen=True)
class Preview:
    recipient: Recipient
    subject: str
    attachment_name: str
    pdf_size: int
    state: SendState | None  # in the journal, if this batch was started before


def batch_id_for(
    letter: Letter,
    recipients_path: Path,
    to_self: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The same id for the same letter and list; samples to oneself get a new one each run
    (checking an edited template by mail must not be "resumed" into sending nothing)."""
    parts = [letter.key, letter.date.isoformat(), recipients_path.name]
    if to_self:
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
        parts += [f"to-self:{to_self}", stamp]
        return f"{letter.key}-self-{stamp}-{_digest(parts)}"
    return f"{letter.key}-{_digest(parts)}"


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:12]


def prepare(request: SendRequest) -> PreparedBatch:
    """Check everything (raises InputError with every problem), then select recipients."""
    from missive.app.check import CheckRequest, check_letter
    from missive.load import iter_recipients

    report = check_letter(CheckRequest(request.letter_path, request.recipients_path))
    letter = report.letter
    path = report.recipients_path
    chosen = select_recipients(letter, iter_recipients(path, letter), request.selection)
    if request.to_self:
        chosen = _samples(chosen, request.to_self)
    info = BatchInfo(
        id=batch_id_for(letter, path, request.to_self),
        letter_key=letter.key,
        letter_path=str(letter.path),
        recipients_path=str(path),
    )
    return PreparedBatch(letter=letter, info=info, recipients=chosen, recipients_path=path)


def _samples(chosen: tuple[Recipient, ...], address: str) -> tuple[Recipient, ...]:
    first: dict[Language, Recipient] = {}
    for recipient in chosen:
        first.setdefault(recipient.language, recipient)
    return tuple(replace(r, email=address, cc=()) for r in first.values())


class LetterMaker:
    """Composes and renders one recipient's letter; built once per batch."""

    def __init__(self, prepared: PreparedBatch, *, persist_serials: bool) -> None:
        from missive.compose.composer import Composer
        from missive.load.serials import assign_serials_over_list

        letter = prepared.letter
        serials = assign_serials_over_list(
            letter, prepared.recipients_path, persist=persist_serials
        )
        self._composer = Composer(letter, serials)
        self._render = _pdf_renderer(letter)

    def __call__(self, recipient: Recipient) -> tuple[ComposedLetter, bytes]:
        composed = self._composer.compose(recipient)
        return composed, self._render(composed)


def _pdf_renderer(letter: Letter) -> Callable[[ComposedLetter], bytes]:
    from missive.render.pdf import Renderer

    renderer = Renderer()
    return lambda composed: renderer.render(composed, created=letter.date).data


def preview(prepared: PreparedBatch, journal_path: Path) -> Iterator[Preview]:
    """The dry run: what would go where, rendered for real, nothing written or sent."""
    make = LetterMaker(prepared, persist_serials=False)
    journal = Journal.open(journal_path, writer=False) if journal_path.exists() else None
    try:
        for recipient in prepared.recipients:
            composed, pdf = make(recipient)
            state = journal.state_of(prepared.info.id, recipient.id) if journal else None
            yield Preview(
                recipient, composed.cover.subject, composed.cover.attachment_name, len(pdf), state
            )
    finally:
        if journal is not None:
            journal.close()


def spool(
    prepared: PreparedBatch,
    journal: Journal,
    *,
    verify: VerifyPdf | None = None,
    on_spooled: Callable[[Recipient], None] | None = None,
    now: dt.datetime | None = None,
) -> SpoolResult:
    """Build and store every selected message not yet journaled (Date = now, fixed)."""
    maker = LetterMaker(prepared, persist_serials=True)

    def make(recipient: Recipient) -> tuple[ComposedLetter, bytes]:
        composed, pdf = maker(recipient)
        if verify is not None:
            verify(recipient.id, pdf)
        return composed, pdf

    return spool_batch(
        journal,
        Spool(spool_root_for(journal.path)),
        prepared.info,
        prepared.recipients,
        make,
        mail=prepared.letter.mail,
        date=now or dt.datetime.now(dt.UTC).replace(microsecond=0),
        dkim_key=load_dkim_key(prepared.letter.mail),
        on_spooled=on_spooled,
    )


@dataclass(frozen=True)
class Relay:
    endpoint: SmtpEndpoint
    credentials: Credentials | None = None
    tls_context: ssl.SSLContext | None = None


def deliver(
    prepared: PreparedBatch,
    journal: Journal,
    relay: Relay,
    options: SendOptions,
    *,
    resend_ambiguous: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
    handle_sigint: bool = False,
    defer: Collection[str] = (),
) -> RunSummary:
    """Send what is due, except the recipients in `defer` (they stay queued for a later run);
    raises DeliveryError/AuthenticationError when the batch pauses."""
    sender = Sender(
        endpoint=relay.endpoint,
        journal=journal,
        spool=Spool(spool_root_for(journal.path)),
        batch_id=prepared.info.id,
        options=options,
        credentials=relay.credentials,
        tls_context=relay.tls_context,
        on_outcome=on_outcome,
        defer=defer,
    )
    return asyncio.run(sender.run(resend_ambiguous=resend_ambiguous, handle_sigint=handle_sigint))
