"""Build, spool and journal the messages of a batch, one recipient at a time.

A recipient already in the journal is skipped before anything is composed or rendered, so a
re-run never rebuilds (and so never changes) a message that may already have been sent.
Messages are written in chunks: files first (fsynced), then the folder, then one journal
transaction, so a journal row always points at a complete spool file.

A recipient whose row bounced (or was refused) and whose address has since been corrected in
the list is a new recipient: a new message (new Message-ID) goes to the new address, and the
old row moves to the journal's history. With `mail.bounce_address`, each message's envelope
sender is its VERP address (see verp.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from missive.deliver.journal import REPLACEABLE_STATES, BatchInfo, Journal, NewDelivery
from missive.deliver.message import BuiltMessage, build_message
from missive.deliver.signing import DkimKey
from missive.deliver.spool import Spool, SpoolEntry
from missive.deliver.verp import verp_address, verp_key
from missive.model import ComposedLetter, MailSettings, Recipient

CHUNK = 200

# Composes and renders one recipient's letter: (composed letter, PDF bytes).
MakeLetter = Callable[[Recipient], tuple[ComposedLetter, bytes]]


@dataclass(frozen=True)
class SpoolResult:
    spooled: int
    already_journaled: int


def spool_batch(
    journal: Journal,
    spool: Spool,
    batch: BatchInfo,
    recipients: Iterable[Recipient],
    make_letter: MakeLetter,
    *,
    mail: MailSettings,
    date: dt.datetime,
    dkim_key: DkimKey | None = None,
    on_spooled: Callable[[Recipient], None] | None = None,
) -> SpoolResult:
    journal.ensure_batch(batch)
    bounce_key = _bounce_key(journal) if mail.bounce_address else b""
    messages = _Messages(batch.id, mail, date, dkim_key, bounce_key)
    pending: list[NewDelivery] = []
    spooled = known = 0
    for recipient in recipients:
        replaces = _corrected(journal, batch.id, recipient)
        if replaces is None:
            known += 1
            continue
        composed, pdf = make_letter(recipient)
        revision = journal.revisions(batch.id, recipient.id) + 1 if replaces else 0
        built = messages.build(composed, pdf, revision)
        entry = spool.write(batch.id, recipient.id, built.data)
        pending.append(_new_delivery(recipient, built, entry, replaces=replaces))
        spooled += 1
        if on_spooled is not None:
            on_spooled(recipient)
        if len(pending) >= CHUNK:
            _flush(journal, spool, batch.id, pending)
    _flush(journal, spool, batch.id, pending)
    return SpoolResult(spooled=spooled, already_journaled=known)


@dataclass(frozen=True)
class _Messages:
    """Builds each recipient's message, with its VERP envelope sender when bounces are read."""

    batch_id: str
    mail: MailSettings
    date: dt.datetime
    dkim_key: DkimKey | None
    bounce_key: bytes

    def build(self, composed: ComposedLetter, pdf: bytes, revision: int) -> BuiltMessage:
        built = build_message(
            composed,
            pdf,
            mail=self.mail,
            batch_id=self.batch_id,
            date=self.date,
            dkim_key=self.dkim_key,
            revision=revision,
        )
        if not self.mail.bounce_address:
            return built
        envelope = verp_address(
            self.mail.bounce_address,
            key=self.bounce_key,
            batch_id=self.batch_id,
            recipient_id=composed.recipient.id,
            message_id=built.message_id,
        )
        return replace(built, sender=envelope)


def _corrected(journal: Journal, batch_id: str, recipient: Recipient) -> bool | None:
    """False: new to the batch; True: its bounced row had another address; None: known."""
    known = journal.known(batch_id, recipient.id)
    if known is None:
        return False
    state, email = known
    if state in REPLACEABLE_STATES and email.casefold() != recipient.email.casefold():
        return True
    return None


def _bounce_key(journal: Journal) -> bytes:
    conn = journal.connect()
    try:
        return verp_key(conn)
    finally:
        conn.close()


def _new_delivery(
    recipient: Recipient, built: BuiltMessage, entry: SpoolEntry, *, replaces: bool
) -> NewDelivery:
    return NewDelivery(
        recipient_id=recipient.id,
        email=recipient.email,
        language=recipient.language.value,
        group=recipient.group,
        sender=built.sender,
        rcpt=built.recipients,
        smtputf8=built.smtputf8,
        message_id=built.message_id,
        sha256=entry.sha256,
        spool_path=entry.relative_path,
        replaces=replaces,
    )


def _flush(journal: Journal, spool: Spool, batch_id: str, pending: list[NewDelivery]) -> None:
    if not pending:
        return
    spool.sync(batch_id)
    journal.enqueue(batch_id, pending)
    pending.clear()
