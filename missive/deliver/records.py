"""The values of the send journal: recipient states and the rows the journal holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class SendState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED_TEMPORARY = "failed_temporary"
    FAILED_PERMANENT = "failed_permanent"
    AMBIGUOUS = "ambiguous"
    # After the relay accepted the message, from what came back to the bounce mailbox:
    BOUNCED = "bounced"  # a permanent delivery failure reported later (a DSN)
    DELAYED = "delayed"  # still being retried by a relay downstream: not a failure
    REPLIED = "replied"  # an auto-reply (out of office): the message arrived


# The relay took the message: whatever is learned later, it is never sent again.
ACCEPTED_STATES = (SendState.SENT, SendState.DELAYED, SendState.REPLIED, SendState.BOUNCED)
# A correction of the address in the list makes the recipient new (see `NewDelivery.replaces`).
REPLACEABLE_STATES = (SendState.BOUNCED, SendState.FAILED_PERMANENT)


COLUMNS = (
    "rowid, batch_id, recipient_id, email, language, grp, sender, rcpt, smtputf8, message_id, "
    "sha256, spool_path, state, attempts, tries, last_code, last_text, queued_at, updated_at, "
    "sent_at, notice_status, notice_text, notice_at"
)


@dataclass(frozen=True)
class BatchInfo:
    id: str
    letter_key: str
    letter_path: str
    recipients_path: str
    created: str = ""


@dataclass(frozen=True)
class NewDelivery:
    """What the spooler records for a recipient before anything is sent."""

    recipient_id: str
    email: str
    language: str
    group: str
    sender: str
    rcpt: tuple[str, ...]  # envelope recipients: the addressee first, then the cc
    smtputf8: bool
    message_id: str
    sha256: str
    spool_path: str
    # The journal holds a bounced (or refused) row for this recipient at another address:
    # that row moves to the history and this one takes its place.
    replaces: bool = False


@dataclass(frozen=True)
class Delivery:
    row: int
    batch_id: str
    recipient_id: str
    email: str
    language: str
    group: str
    sender: str
    rcpt: tuple[str, ...]
    smtputf8: bool
    message_id: str
    sha256: str
    spool_path: str
    state: SendState
    attempts: int
    tries: int  # attempts in the current run
    last_code: int | None
    last_text: str | None
    queued_at: str
    updated_at: str
    sent_at: str | None
    notice_status: str | None = None  # e.g. "5.1.1", from a notification read back later
    notice_text: str | None = None  # its diagnostic, e.g. "unknown user"
    notice_at: str | None = None


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def delivery_from_row(row: tuple[object, ...]) -> Delivery:
    values = list(row)
    values[7] = tuple(str(values[7]).split("\n"))
    values[8] = bool(values[8])
    values[12] = SendState(str(values[12]))
    return Delivery(*values)  # type: ignore[arg-type]
