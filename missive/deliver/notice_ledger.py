"""Notices in the journal: which delivery a notice is about, and what it changes there.

Matching, most certain first: the VERP token of the address the notice was delivered to (its
HMAC checked against the journal's key), then the Message-IDs it quotes, then, for an
auto-reply only, its sender when exactly one recipient of the letter has that address.

Recording is idempotent: each (notice, delivery, address) is stored once in
`delivery_notices`, and a state only moves forward: sent -> delayed -> replied -> bounced
(a message held as ambiguous also moves, since a notice proves the relay took it). Reading the
same mailbox twice therefore changes nothing, and notices read out of order end in the same
state. A bounce of a cc address is recorded but leaves the addressee's state alone.
"""

from __future__ import annotations

import hmac
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from missive.deliver.bounces import Failure, Notice, NoticeKind
from missive.deliver.records import SendState, now_text
from missive.deliver.verp import VerpToken, digest_prefix, mac_for, read_token, verp_key
from missive.errors import JournalError

# The states a notice of each kind may move a delivery from.
_MOVES_FROM: dict[NoticeKind, tuple[SendState, ...]] = {
    NoticeKind.DELAYED: (SendState.SENT, SendState.AMBIGUOUS),
    NoticeKind.REPLIED: (SendState.SENT, SendState.DELAYED, SendState.AMBIGUOUS),
    NoticeKind.BOUNCED: (
        SendState.SENT,
        SendState.DELAYED,
        SendState.REPLIED,
        SendState.AMBIGUOUS,
    ),
}


@dataclass(frozen=True)
class Target:
    """A delivery a notice is about."""

    batch_id: str
    recipient_id: str
    email: str
    rcpt: tuple[str, ...]
    message_id: str
    matched_by: str  # "bounce address", "Message-ID" or "sender"


@dataclass(frozen=True)
class Finding:
    target: Target
    kind: NoticeKind
    address: str
    status: str
    diagnostic: str
    cc: bool  # about a cc address: the addressee's state stays as it is
    new: bool = True  # False when this notice was recorded by an earlier run


class NoticeLedger:
    """Matches notices against the deliveries of some batches and records what they say."""

    def __init__(self, conn: sqlite3.Connection, batch_ids: Sequence[str]) -> None:
        self._conn = conn
        self._batches = tuple(batch_ids)
        self._key = verp_key(conn)

    def findings(self, notice: Notice) -> list[Finding]:
        """What `notice` says about which delivery; empty when it matches none."""
        targets = self._targets(notice)
        if not targets or notice.kind is NoticeKind.OTHER:
            return []
        if notice.kind is NoticeKind.REPLIED:
            return [
                Finding(t, NoticeKind.REPLIED, notice.sender, "", notice.subject, cc=False)
                for t in targets
            ]
        return _assign(notice.failures, targets)

    def record(self, notice: Notice, findings: Iterable[Finding]) -> list[Finding]:
        """Store the findings (one transaction); each says whether it was new."""
        stamp = now_text()
        recorded: list[Finding] = []
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for finding in findings:
                    new = self._store(notice.fingerprint, finding, stamp)
                    recorded.append(replace(finding, new=new))
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise JournalError(f"cannot record a delivery notice: {exc}") from exc
        return recorded

    def _store(self, fingerprint: str, finding: Finding, stamp: str) -> bool:
        t = finding.target
        inserted = self._conn.execute(
            "INSERT INTO delivery_notices (notice, batch_id, recipient_id, address, kind, "
            "status, diagnostic, matched_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (
                fingerprint,
                t.batch_id,
                t.recipient_id,
                finding.address.casefold(),
                finding.kind,
                finding.status,
                finding.diagnostic,
                t.matched_by,
                stamp,
            ),
        ).rowcount
        if inserted and not finding.cc:
            states = _MOVES_FROM[finding.kind]
            self._conn.execute(
                "UPDATE deliveries SET state = ?, notice_status = ?, notice_text = ?, "
                "notice_at = ?, updated_at = ? WHERE batch_id = ? AND recipient_id = ? "
                f"AND message_id = ? AND state IN ({', '.join('?' * len(states))})",
                (
                    *(finding.kind.value, finding.status, finding.diagnostic, stamp, stamp),
                    *(t.batch_id, t.recipient_id, t.message_id, *states),
                ),
            )
        return bool(inserted)

    def _targets(self, notice: Notice) -> list[Target]:
        found: dict[tuple[str, str], Target] = {}
        for target in (*self._by_verp(notice), *self._by_message_id(notice)):
            found.setdefault((target.batch_id, target.recipient_id), target)
        if not found and notice.kind is NoticeKind.REPLIED and notice.sender:
            found = {(t.batch_id, t.recipient_id): t for t in self._by_sender(notice.sender)}
        return list(found.values())

    def _by_verp(self, notice: Notice) -> list[Target]:
        targets = []
        for address in notice.addressed_to:
            token = read_token(address)
            if token is None:
                continue
            for target in self._select(
                "message_id >= ? AND message_id < ?",
                (f"<{token.digest}", f"<{token.digest}\U0010ffff"),
                "bounce address",
            ):
                if self._genuine(target, token):
                    targets.append(target)
        return targets

    def _genuine(self, target: Target, token: VerpToken) -> bool:
        expected = mac_for(self._key, target.batch_id, target.recipient_id, target.message_id)
        same_digest = digest_prefix(target.message_id) == token.digest
        return same_digest and hmac.compare_digest(expected, token.mac)

    def _by_message_id(self, notice: Notice) -> list[Target]:
        if not notice.message_ids:
            return []
        marks = ", ".join("?" * len(notice.message_ids))
        return self._select(f"message_id IN ({marks})", notice.message_ids, "Message-ID")

    def _by_sender(self, sender: str) -> list[Target]:
        targets = self._select("email = ? COLLATE NOCASE", (sender,), "sender")
        return targets if len(targets) == 1 else []

    def _select(self, where: str, args: Sequence[str], matched_by: str) -> list[Target]:
        if not self._batches:
            return []
        batches = ", ".join("?" * len(self._batches))
        rows = self._conn.execute(
            "SELECT batch_id, recipient_id, email, rcpt, message_id FROM deliveries "
            f"WHERE batch_id IN ({batches}) AND {where}",
            (*self._batches, *args),
        ).fetchall()
        return [
            Target(str(b), str(r), str(e), tuple(str(rc).split("\n")), str(m), matched_by)
            for b, r, e, rc, m in rows
        ]


def _assign(failures: Sequence[Failure], targets: Sequence[Target]) -> list[Finding]:
    """Each failure to the delivery that had its address; when the notice names a single
    delivery, an address it does not know (an alias expanded downstream) is that one's."""
    findings: list[Finding] = []
    for failure in failures:
        wanted = failure.address.casefold()
        owner = next((t for t in targets if wanted in _addresses(t)), None)
        if owner is None and len(targets) == 1:
            owner = targets[0]
        if owner is None:
            continue
        cc = wanted != owner.email.casefold() and wanted in _addresses(owner)
        findings.append(
            Finding(owner, failure.kind, failure.address, failure.status, failure.diagnostic, cc)
        )
    return findings


def _addresses(target: Target) -> set[str]:
    return {a.casefold() for a in (target.email, *target.rcpt)}
