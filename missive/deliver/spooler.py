"""Build, spool and journal the messages of a batch, one recipient at a time.

A recipient already in the journal is skipped before anything is composed or rendered, so a
re-run never rebuilds (and so never changes) a message that may already have been sent.
Messages are written in chunks: files first (fsynced), then the folder, then one journal
transaction, so a journal row always points at a complete spool file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from missive.deliver.journal import BatchInfo, Journal, NewDelivery
from missive.deliver.message import BuiltMessage, DkimKey, build_message
from missive.deliver.spool import Spool, SpoolEntry
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
    pending: list[NewDelivery] = []
    spooled = known = 0
    for recipient in recipients:
        if journal.state_of(batch.id, recipient.id) is not None:
            known += 1
            continue
        composed, pdf = make_letter(recipient)
        built = build_message(
            composed, pdf, mail=mail, batch_id=batch.id, date=date, dkim_key=dkim_key
        )
        entry = spool.write(batch.id, recipient.id, built.data)
        pending.append(_new_delivery(recipient, built, entry))
        spooled += 1
        if on_spooled is not None:
            on_spooled(recipient)
        if len(pending) >= CHUNK:
            _flush(journal, spool, batch.id, pending)
    _flush(journal, spool, batch.id, pending)
    return SpoolResult(spooled=spooled, already_journaled=known)


def _new_delivery(recipient: Recipient, built: BuiltMessage, entry: SpoolEntry) -> NewDelivery:
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
    )


def _flush(journal: Journal, spool: Spool, batch_id: str, pending: list[NewDelivery]) -> None:
    if not pending:
        return
    spool.sync(batch_id)
    journal.enqueue(batch_id, pending)
    pending.clear()
