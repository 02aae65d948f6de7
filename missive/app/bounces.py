"""Read the bounce mailbox of a letter's sends and record what came back in the journal.

Every message of the mailbox is read and classified (deliver/bounces.py), matched against the
deliveries of the letter's batches and recorded (deliver/notice_ledger.py). A message that is
a notification or an auto-reply but matches nothing is listed as unmatched and left where it
is, as is anything that is neither; with `move_processed`, matched messages move to that folder.
Running it again over the same mailbox records nothing new.
"""

from __future__ import annotations

import ssl
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from missive.deliver.bounces import Notice, NoticeKind, read_notice
from missive.deliver.journal import Journal
from missive.deliver.mailboxes import (
    ImapBox,
    ImapCredentials,
    Mailbox,
    MailboxKind,
    MailboxSpec,
    MaildirBox,
    MboxBox,
)
from missive.deliver.notice_ledger import Finding, NoticeLedger
from missive.errors import MailboxError
from missive.load import load_letter


@dataclass(frozen=True)
class BouncesRequest:
    letter_path: Path
    journal_path: Path
    mailbox: MailboxSpec
    move_processed: str | None = None  # a folder (Maildir++, mbox file or IMAP folder)
    imap_credentials: ImapCredentials | None = None
    tls_context: ssl.SSLContext | None = None  # for an IMAP server with a private CA


@dataclass(frozen=True)
class MailboxNotice:
    key: str  # the message's key in its mailbox
    kind: NoticeKind
    sender: str
    subject: str
    failed: tuple[str, ...]  # the addresses a notification names
    findings: tuple[Finding, ...]  # empty when it matched nothing
    moved: bool = False


@dataclass(frozen=True)
class BouncesResult:
    letter_key: str
    mailbox: str  # a description safe to print
    matched: tuple[MailboxNotice, ...]
    unmatched: tuple[MailboxNotice, ...]  # notifications or auto-replies about nothing known
    other: tuple[MailboxNotice, ...]  # neither a notification nor an auto-reply

    @property
    def read(self) -> int:
        return len(self.matched) + len(self.unmatched) + len(self.other)

    @property
    def new(self) -> Counter[str]:
        """Findings recorded by this run, per kind (bounced, delayed, replied)."""
        return Counter(f.kind.value for n in self.matched for f in n.findings if f.new)

    @property
    def already_recorded(self) -> int:
        return sum(1 for n in self.matched for f in n.findings if not f.new)


OnNotice = Callable[[MailboxNotice], None]


def read_bounces(request: BouncesRequest, on_notice: OnNotice | None = None) -> BouncesResult:
    letter = load_letter(request.letter_path)
    box = _open(request)
    matched: list[MailboxNotice] = []
    unmatched: list[MailboxNotice] = []
    other: list[MailboxNotice] = []
    try:
        with Journal.open(request.journal_path, writer=False) as journal:
            batch_ids = [b.id for b in journal.batches(letter.key)]
            conn = journal.connect()
            try:
                ledger = NoticeLedger(conn, batch_ids)
                for stored in box.messages():
                    item = _handle(ledger, box, stored.key, read_notice(stored.data), request)
                    bucket = other if item.kind is NoticeKind.OTHER else unmatched
                    (matched if item.findings else bucket).append(item)
                    if on_notice is not None:
                        on_notice(item)
            finally:
                conn.close()
    finally:
        box.close()
    return BouncesResult(
        letter.key, box.description, tuple(matched), tuple(unmatched), tuple(other)
    )


def _handle(
    ledger: NoticeLedger, box: Mailbox, key: str, notice: Notice, request: BouncesRequest
) -> MailboxNotice:
    findings = tuple(ledger.record(notice, ledger.findings(notice)))
    moved = False
    if findings and request.move_processed:
        box.move(key, request.move_processed)
        moved = True
    return MailboxNotice(
        key=key,
        kind=notice.kind,
        sender=notice.sender,
        subject=notice.subject,
        failed=tuple(f.address for f in notice.failures),
        findings=findings,
        moved=moved,
    )


def _open(request: BouncesRequest) -> Mailbox:
    spec = request.mailbox
    if spec.kind is MailboxKind.MAILDIR:
        return MaildirBox(Path(spec.location))
    if spec.kind is MailboxKind.MBOX:
        return MboxBox(Path(spec.location))
    if request.imap_credentials is None:
        raise MailboxError("IMAP needs a user name and a password")
    return ImapBox.connect(spec.location, request.imap_credentials, request.tls_context)
