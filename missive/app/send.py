"""The send use case: a dry run, samples to oneself, or the real send of a batch.

`send_batch` checks and prepares the batch (`batch_letters.prepare`), then either previews
every letter (the dry run: nothing written or sent) or spools what is not yet journaled
and sends what is due. What happens along the way reaches the caller as events (the batch
starting, each preview, messages recovered, the spool's count, the progress of each
stage), so a terminal prints lines and draws bars while a browser shows the same thing
live. A real send refuses a batch not approved at its current hash (`approval_gate`);
samples to oneself need no approval. Every message is spooled, with its hash, before it
is sent, so a retry sends the same bytes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import ssl
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from missive.app.batch_letters import LetterMaker, PreparedBatch, prepare
from missive.app.progress import Meter, Progress, Stage
from missive.app.review import approval_gate
from missive.deliver.journal import ACCEPTED_STATES, Journal, SendState
from missive.deliver.message import load_dkim_key
from missive.deliver.outcome import Outcome, RunSummary
from missive.deliver.relays import RelayConfig, credentials_for
from missive.deliver.sender import Sender
from missive.deliver.settings import Credentials, Rate, SendOptions, SmtpEndpoint
from missive.deliver.spool import Spool, spool_root_for
from missive.deliver.spooler import SpoolResult, spool_batch
from missive.errors import DeliveryError
from missive.model import ComposedLetter, Recipient
from missive.review.digest import Selection
from missive.schedule.window import SendWindow, recipient_zone, split_by_window

# Raises (e.g. ApprovalError) unless this recipient's PDF may be sent.
VerifyPdf = Callable[[str, bytes], None]


@dataclass(frozen=True)
class SendRequest:
    letter_path: Path
    journal_path: Path
    recipients_path: Path | None = None
    selection: Selection = field(default_factory=Selection)
    to_self: str | None = None  # one sample per language, all to this address
    # How to deliver: `relay` (the worker's, by name) wins over `smtp`, the command line's.
    smtp: str = "smtp://localhost:25"
    plain_auth: bool = False  # with `smtp`: credentials without TLS, to a loopback relay
    relay: RelayConfig | None = None
    rate: str = "600/min"
    connections: int = 4
    dry_run: bool = True
    resend_ambiguous: bool = False
    window: str | None = None  # HH:MM-HH:MM in each recipient's time zone


@dataclass(frozen=True)
class Preview:
    recipient: Recipient
    subject: str
    attachment_name: str
    pdf_size: int
    state: SendState | None  # in the journal, if this batch was started before


FAILED = {SendState.FAILED_PERMANENT, SendState.FAILED_TEMPORARY}


@dataclass(frozen=True)
class BatchStarted:
    batch_id: str
    letter_path: str
    recipients: int  # selected
    relay: SmtpEndpoint
    dry_run: bool


@dataclass(frozen=True)
class Previewed:
    preview: Preview


@dataclass(frozen=True)
class Recovered:
    """Messages interrupted during DATA by an earlier run, now held as ambiguous."""

    count: int


@dataclass(frozen=True)
class Spooled:
    spooled: int
    already_journaled: int


SendEvent = BatchStarted | Previewed | Recovered | Spooled | Progress
OnSendEvent = Callable[[SendEvent], None]


class SendEnd(enum.Enum):
    DONE = "done"  # every selected recipient sent (or a dry run)
    INCOMPLETE = "incomplete"  # some failed or are held
    WAITING = "waiting"  # all that could be sent was; the others wait for their window


@dataclass(frozen=True)
class WindowWait:
    """Who waits for the send window, and when the first of them opens."""

    window: SendWindow
    waiting: int
    sending: bool  # False in a dry run: they would wait
    first_id: str = ""
    opening: dt.datetime | None = None  # UTC
    local_opening: dt.datetime | None = None  # in the first recipient's zone, if known


@dataclass(frozen=True)
class SendResult:
    end: SendEnd
    batch_id: str
    resume_at: dt.datetime | None = None  # UTC: when the first waiting recipient's window opens
    dry_run_selected: int = 0
    dry_run_already_sent: int = 0
    summary: RunSummary | None = None  # this run's outcomes (a real send)
    totals: Mapping[str, int] | None = None  # the batch in the journal, per state
    window: WindowWait | None = None


def relay_of(request: SendRequest) -> Relay:
    """The relay and its credentials (from the environment); credentials never go over
    plain SMTP unless the configuration allows it for a loopback relay."""
    config = request.relay or RelayConfig(
        "command line", SmtpEndpoint.parse(request.smtp), plain_auth=request.plain_auth
    )
    return Relay(config.endpoint, credentials_for(config), plain_auth=config.plain_auth)


def send_batch(
    request: SendRequest, on_event: OnSendEvent | None = None, now: dt.datetime | None = None
) -> SendResult:
    """The send; `now` (UTC) is the run's clock for the send window and the Date header."""
    if request.connections < 1:
        raise DeliveryError("--connections must be at least 1")
    options = SendOptions(connections=request.connections, rate=Rate.parse(request.rate))
    window = SendWindow.parse(request.window) if request.window else None
    relay = relay_of(request)
    prepared = prepare(
        request.letter_path, request.recipients_path, request.selection, request.to_self
    )
    at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    emit = on_event or _ignore
    dry_run = request.dry_run and not request.to_self
    info = prepared.info
    total = len(prepared.recipients)
    emit(BatchStarted(info.id, str(prepared.letter.path), total, relay.endpoint, dry_run))
    if dry_run:
        return _dry_run(prepared, request, emit, window, at)
    return _real_send(prepared, request, relay, options, emit, window=window, now=at)


def _ignore(event: SendEvent) -> None:
    pass


def _dry_run(
    prepared: PreparedBatch,
    request: SendRequest,
    emit: OnSendEvent,
    window: SendWindow | None,
    now: dt.datetime,
) -> SendResult:
    done = 0
    for item in preview(prepared, request.journal_path):
        done += item.state in ACCEPTED_STATES  # never sent again
        emit(Previewed(item))
    waits = None
    if window is not None:
        waits = _window_wait(prepared, window, _waiting_now(prepared, window, now), sending=False)
    return SendResult(
        SendEnd.DONE,
        prepared.info.id,
        dry_run_selected=len(prepared.recipients),
        dry_run_already_sent=done,
        window=waits,
    )


def _real_send(
    prepared: PreparedBatch,
    request: SendRequest,
    relay: Relay,
    options: SendOptions,
    emit: OnSendEvent,
    *,
    window: SendWindow | None,
    now: dt.datetime,
) -> SendResult:
    batch_id = prepared.info.id
    with Journal.open(request.journal_path) as journal:
        if journal.recovered:
            emit(Recovered(journal.recovered))
        _spool_all(prepared, journal, request, emit, now)
        # Everyone is spooled (and so checked against the approval) now; those outside
        # their window stay queued in the journal for a later run.
        later = _waiting_now(prepared, window, now) if window else {}
        summary = _deliver_due(prepared, journal, request, (relay, options), later=later, emit=emit)
        waiting = unsent(journal, batch_id, later)
        totals = _totals(journal, batch_id)
    waits = _window_wait(prepared, window, waiting, sending=True) if window else None
    return SendResult(
        _end(totals, len(waiting)),
        batch_id,
        resume_at=min(waiting.values()) if waiting else None,
        summary=summary,
        totals=totals,
        window=waits,
    )


def _deliver_due(
    prepared: PreparedBatch,
    journal: Journal,
    request: SendRequest,
    how: tuple[Relay, SendOptions],
    *,
    later: Mapping[str, dt.datetime],
    emit: OnSendEvent,
) -> RunSummary:
    """Send what is due now, except `later` (outside their window), counting each outcome."""
    batch_id = prepared.info.id
    due = due_count(journal, batch_id, request.resend_ambiguous)
    meter = Meter(Stage.SENDING, max(due - len(unsent(journal, batch_id, later)), 0), emit)
    try:
        return deliver(
            prepared,
            journal,
            *how,
            resend_ambiguous=request.resend_ambiguous,
            on_outcome=lambda outcome: _count(meter, outcome),
            handle_sigint=True,
            defer=tuple(later),
        )
    finally:
        meter.finish()


def _count(meter: Meter, outcome: Outcome) -> None:
    meter.step(
        outcome.recipient_id,
        failed=outcome.state in FAILED,
        held=outcome.state is SendState.AMBIGUOUS,
    )


def _spool_all(
    prepared: PreparedBatch,
    journal: Journal,
    request: SendRequest,
    emit: OnSendEvent,
    now: dt.datetime,
) -> None:
    verify = None
    if not request.to_self:
        # Only what reviewers approved goes out; samples sent to oneself need no approval.
        verify = approval_gate(request.journal_path, prepared).verify
    meter = Meter(Stage.SPOOLING, len(prepared.recipients), emit)
    result = spool(prepared, journal, verify=verify, on_spooled=lambda r: meter.step(r.id), now=now)
    meter.finish()
    emit(Spooled(result.spooled, result.already_journaled))


def unsent(
    journal: Journal, batch_id: str, later: Mapping[str, dt.datetime]
) -> dict[str, dt.datetime]:
    """Of the recipients outside their window, those the journal has still to send."""
    waits = {SendState.QUEUED, SendState.FAILED_TEMPORARY}
    return {rid: at for rid, at in later.items() if journal.state_of(batch_id, rid) in waits}


def due_count(journal: Journal, batch_id: str, resend_ambiguous: bool) -> int:
    wanted = {"queued", "failed_temporary"} | ({"ambiguous"} if resend_ambiguous else set())
    return sum(n for state, _, _, n in journal.counts(batch_id) if state in wanted)


def _totals(journal: Journal, batch_id: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for state, _, _, count in journal.counts(batch_id):
        totals[state] = totals.get(state, 0) + count
    return totals


def _end(totals: Mapping[str, int], waiting: int) -> SendEnd:
    # Delayed and replied letters reached (or are still reaching) their recipient.
    reached = {SendState.SENT.value, SendState.DELAYED.value, SendState.REPLIED.value}
    unsent_total = sum(n for state, n in totals.items() if state not in reached)
    if unsent_total > waiting:
        return SendEnd.INCOMPLETE
    return SendEnd.WAITING if waiting else SendEnd.DONE


def _waiting_now(
    prepared: PreparedBatch, window: SendWindow, now: dt.datetime
) -> dict[str, dt.datetime]:
    return split_by_window(prepared.recipients, window, now)[1]


def _window_wait(
    prepared: PreparedBatch,
    window: SendWindow,
    waiting: Mapping[str, dt.datetime],
    *,
    sending: bool,
) -> WindowWait:
    if not waiting:
        return WindowWait(window, 0, sending)
    first_id = min(waiting, key=lambda rid: (waiting[rid], rid))
    opening = waiting[first_id]
    recipient = next(r for r in prepared.recipients if r.id == first_id)
    zone = recipient_zone(recipient)
    local = opening.astimezone(zone) if zone else None
    return WindowWait(window, len(waiting), sending, first_id, opening, local)


def preview(prepared: PreparedBatch, journal_path: Path) -> Iterator[Preview]:
    """The dry run: what would go where, rendered for real, nothing written or sent."""
    make = LetterMaker(prepared.letter, prepared.recipients_path, persist_serials=False)
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
    maker = LetterMaker(prepared.letter, prepared.recipients_path, persist_serials=True)

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
    plain_auth: bool = False


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
        plain_auth=relay.plain_auth,
    )
    return asyncio.run(sender.run(resend_ambiguous=resend_ambiguous, handle_sigint=handle_sigint))
