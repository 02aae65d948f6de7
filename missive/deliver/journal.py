"""The send journal: one SQLite file (WAL, synchronous=FULL) that accounts for every recipient.

One row per (batch, recipient). The state is committed *before* DATA (`sending`) and again after
the reply, so after a crash a row left in `sending` may or may not have reached the relay: it
becomes `ambiguous` and is held until the operator asks for it to be sent again. A `sent` row
is never sent again.

Other components keep their own tables in the same file: `apply_migrations(conn, component,
steps)` versions each component separately in `schema_versions`, so an approval or jobs table
can be added without touching the delivery schema. No secret is ever written here.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType

from missive.deliver.records import (
    ACCEPTED_STATES,
    COLUMNS,
    REPLACEABLE_STATES,
    BatchInfo,
    Delivery,
    NewDelivery,
    SendState,
    delivery_from_row,
    now_text,
)
from missive.errors import JournalError
from missive.storage.connections import lent
from missive.storage.schema import DELIVERY_MIGRATIONS, apply_migrations, connect

PAGE = 500


class Journal:
    """The delivery journal. Open with `Journal.open(path)`; a writer holds a lock file."""

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        lock_fd: int | None,
        lending: AbstractContextManager[sqlite3.Connection] | None = None,
    ) -> None:
        self.path = path
        self._conn = conn
        self._lock_fd = lock_fd
        self._lent = lending  # a reader's connection is the thread's own, given back at close
        self._depth = 0  # nesting of _transaction(): only the outermost one commits
        self.recovered = 0

    @classmethod
    def open(cls, path: Path, *, writer: bool = True) -> Journal:
        path = Path(path)
        if not writer and not path.exists():
            raise JournalError(f"no journal at {path}")
        if not writer:
            return cls._reader(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = _lock(path) if writer else None
        conn = connect(path)
        journal = cls(path, conn, lock_fd)
        try:
            apply_migrations(conn, "delivery", DELIVERY_MIGRATIONS)
            if writer:
                journal.recovered = journal._recover()
        except (sqlite3.Error, JournalError) as exc:
            journal.close()
            raise JournalError(f"journal {path} is unusable: {exc}") from exc
        return journal

    @classmethod
    def _reader(cls, path: Path) -> Journal:
        """A reader, on the thread's connection to the file (`storage/connections.py`: a
        workspace's requests read the journal without opening it each time)."""
        lending = lent(path, "delivery", DELIVERY_MIGRATIONS, rows=None)
        try:
            conn = lending.__enter__()
        except (sqlite3.Error, JournalError) as exc:
            raise JournalError(f"journal {path} is unusable: {exc}") from exc
        return cls(path, conn, None, lending)

    def connect(self) -> sqlite3.Connection:
        """A new connection to the same file, for components that add their own tables."""
        return connect(self.path)

    def close(self) -> None:
        if self._lent is not None:
            lending, self._lent = self._lent, None
            lending.__exit__(None, None, None)
        else:
            self._conn.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def group(self) -> AbstractContextManager[None]:
        """One transaction around several writes: one fsync for all, all or nothing."""
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # The connection is in autocommit mode (shared settings with other components), so
        # a transaction is opened explicitly: one fsync per group of writes, all or nothing.
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        self._conn.execute("COMMIT")

    def _recover(self) -> int:
        # Only a writer holding the lock gets here, so no other process is mid-send.
        with self._transaction():
            cursor = self._conn.execute(
                "UPDATE deliveries SET state = ?, updated_at = ?, "
                "last_text = 'interrupted during DATA: may or may not have been delivered' "
                "WHERE state = ?",
                (SendState.AMBIGUOUS, now_text(), SendState.SENDING),
            )
        return cursor.rowcount

    # --- batches -------------------------------------------------------------------------

    def ensure_batch(self, batch: BatchInfo) -> None:
        with self._transaction():
            self._conn.execute(
                "INSERT INTO batches (id, letter_key, letter_path, recipients_path, created) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (
                    batch.id,
                    batch.letter_key,
                    batch.letter_path,
                    batch.recipients_path,
                    batch.created or now_text(),
                ),
            )

    def batches(self, letter_key: str | None = None) -> list[BatchInfo]:
        query = "SELECT id, letter_key, letter_path, recipients_path, created FROM batches"
        args: tuple[str, ...] = ()
        if letter_key is not None:
            query += " WHERE letter_key = ?"
            args = (letter_key,)
        return [BatchInfo(*row) for row in self._conn.execute(query + " ORDER BY created", args)]

    # --- rows ----------------------------------------------------------------------------

    def state_of(self, batch_id: str, recipient_id: str) -> SendState | None:
        row = self._conn.execute(
            "SELECT state FROM deliveries WHERE batch_id = ? AND recipient_id = ?",
            (batch_id, recipient_id),
        ).fetchone()
        return SendState(row[0]) if row else None

    def known(self, batch_id: str, recipient_id: str) -> tuple[SendState, str] | None:
        """(state, e-mail address) of a recipient already in the batch, else None."""
        row = self._conn.execute(
            "SELECT state, email FROM deliveries WHERE batch_id = ? AND recipient_id = ?",
            (batch_id, recipient_id),
        ).fetchone()
        return (SendState(row[0]), str(row[1])) if row else None

    def revisions(self, batch_id: str, recipient_id: str) -> int:
        """How many earlier rows of this recipient an address correction replaced."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM delivery_history WHERE batch_id = ? AND recipient_id = ?",
            (batch_id, recipient_id),
        ).fetchone()
        return int(row[0])

    def enqueue(self, batch_id: str, entries: Iterable[NewDelivery]) -> int:
        """Record spooled messages as queued (one transaction); known recipients are kept,
        except a bounced or refused one whose address was corrected (`replaces`)."""
        stamp = now_text()
        entries = list(entries)
        rows = [
            (
                batch_id,
                e.recipient_id,
                e.email,
                e.language,
                e.group,
                e.sender,
                "\n".join(e.rcpt),
                int(e.smtputf8),
                e.message_id,
                e.sha256,
                e.spool_path,
                SendState.QUEUED,
                stamp,
                stamp,
            )
            for e in entries
        ]
        with self._transaction():
            self._replace(batch_id, [e.recipient_id for e in entries if e.replaces], stamp)
            cursor = self._conn.executemany(
                "INSERT INTO deliveries (batch_id, recipient_id, email, language, grp, sender, "
                "rcpt, smtputf8, message_id, sha256, spool_path, state, queued_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (batch_id, recipient_id) DO NOTHING",
                rows,
            )
        return cursor.rowcount

    def _replace(self, batch_id: str, recipient_ids: Sequence[str], stamp: str) -> None:
        # Inside enqueue's transaction: the old row reaches the history and leaves the batch
        # together with the new row's arrival, or not at all.
        states = ", ".join(f"'{s}'" for s in REPLACEABLE_STATES)
        for recipient_id in recipient_ids:
            key = (batch_id, recipient_id)
            self._conn.execute(
                "INSERT INTO delivery_history (batch_id, recipient_id, email, language, grp, "
                "message_id, state, attempts, last_code, last_text, notice_status, notice_text, "
                "sent_at, replaced_at) SELECT batch_id, recipient_id, email, language, grp, "
                "message_id, state, attempts, last_code, last_text, notice_status, notice_text, "
                f"sent_at, ? FROM deliveries WHERE batch_id = ? AND recipient_id = ? "
                f"AND state IN ({states})",
                (stamp, *key),
            )
            self._conn.execute(
                "DELETE FROM deliveries WHERE batch_id = ? AND recipient_id = ? "
                f"AND state IN ({states})",
                key,
            )

    def history(self, batch_id: str) -> list[tuple[str, str, str, str, str]]:
        """(recipient id, old address, state, notice status, diagnostic) of replaced rows."""
        return [
            (str(r), str(e), str(s), str(ns or ""), str(nt or ""))
            for r, e, s, ns, nt in self._conn.execute(
                "SELECT recipient_id, email, state, COALESCE(notice_status, last_code), "
                "COALESCE(notice_text, last_text) FROM delivery_history WHERE batch_id = ? "
                "ORDER BY rowid",
                (batch_id,),
            )
        ]

    def begin_run(self, batch_id: str, *, release_ambiguous: bool = False) -> int:
        """Give temporary failures fresh tries; with `release_ambiguous`, the rows held as
        ambiguous *now* are queued again (one that becomes ambiguous during the run stays held).
        Returns the number of rows released."""
        stamp = now_text()
        with self._transaction():
            released = 0
            if release_ambiguous:
                released = self._conn.execute(
                    "UPDATE deliveries SET state = ?, updated_at = ?, last_text = "
                    "'ambiguous; released by the operator for resending' "
                    "WHERE batch_id = ? AND state = ?",
                    (SendState.QUEUED, stamp, batch_id, SendState.AMBIGUOUS),
                ).rowcount
            self._conn.execute(
                "UPDATE deliveries SET tries = 0, not_before = 0 WHERE batch_id = ? AND state IN "
                "(?, ?)",
                (batch_id, SendState.QUEUED, SendState.FAILED_TEMPORARY),
            )
        return released

    def defer(self, batch_id: str, recipient_ids: Iterable[str], *, max_tries: int) -> int:
        """Leave these rows out of the current run (call after `begin_run`): they stay
        queued and the next `begin_run` gives them their tries back. A send window uses it
        for the recipients whose office hours have not begun."""
        ids = list(recipient_ids)
        deferred = 0
        with self._transaction():
            for start in range(0, len(ids), PAGE):
                chunk = ids[start : start + PAGE]
                deferred += self._conn.execute(
                    f"UPDATE deliveries SET tries = ? WHERE batch_id = ? AND state IN (?, ?) "
                    f"AND recipient_id IN ({', '.join('?' * len(chunk))})",
                    (max_tries, batch_id, SendState.QUEUED, SendState.FAILED_TEMPORARY, *chunk),
                ).rowcount
        return deferred

    def due_page(
        self, batch_id: str, *, after_row: int, now: float, max_tries: int
    ) -> list[Delivery]:
        """The next rows ready to send, in spool order, a page at a time (memory stays flat)."""
        page = self._conn.execute(
            f"SELECT {COLUMNS} FROM deliveries WHERE batch_id = ? AND rowid > ? AND "
            "state IN (?, ?) AND tries < ? AND not_before <= ? ORDER BY rowid LIMIT ?",
            (
                batch_id,
                after_row,
                SendState.QUEUED,
                SendState.FAILED_TEMPORARY,
                max_tries,
                now,
                PAGE,
            ),
        ).fetchall()
        return [delivery_from_row(row) for row in page]

    def due(self, batch_id: str, *, now: float, max_tries: int) -> Iterator[Delivery]:
        last = 0
        while page := self.due_page(batch_id, after_row=last, now=now, max_tries=max_tries):
            yield from page
            last = page[-1].row

    def next_retry_at(self, batch_id: str, *, max_tries: int) -> float | None:
        """When the earliest row still worth retrying in this run becomes due."""
        row = self._conn.execute(
            "SELECT MIN(not_before) FROM deliveries WHERE batch_id = ? AND state IN (?, ?) "
            "AND tries < ?",
            (batch_id, SendState.QUEUED, SendState.FAILED_TEMPORARY, max_tries),
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def mark_sending(self, batch_id: str, recipient_id: str) -> None:
        """Committed before DATA: from here on a crash leaves the row ambiguous."""
        with self._transaction():
            cursor = self._conn.execute(
                "UPDATE deliveries SET state = ?, attempts = attempts + 1, tries = tries + 1, "
                "updated_at = ? WHERE batch_id = ? AND recipient_id = ? AND state IN (?, ?)",
                (
                    SendState.SENDING,
                    now_text(),
                    batch_id,
                    recipient_id,
                    SendState.QUEUED,
                    SendState.FAILED_TEMPORARY,
                ),
            )
        if cursor.rowcount != 1:
            raise JournalError(f"recipient {recipient_id} of batch {batch_id} is not sendable")

    def mark_outcome(
        self,
        batch_id: str,
        recipient_id: str,
        state: SendState,
        *,
        code: int | None,
        text: str,
        not_before: float = 0.0,
    ) -> None:
        """Record the reply. A failure before DATA counts as an attempt here."""
        stamp = now_text()
        with self._transaction():
            self._conn.execute(
                "UPDATE deliveries SET "
                "attempts = attempts + (state != 'sending'), tries = tries + (state != 'sending'), "
                "state = ?, last_code = ?, last_text = ?, not_before = ?, updated_at = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
                "WHERE batch_id = ? AND recipient_id = ? AND state NOT IN (?, ?, ?, ?)",
                (
                    *(state, code, text[:1000], not_before, stamp, state, stamp),
                    *(batch_id, recipient_id, *ACCEPTED_STATES),
                ),
            )

    def counts(self, batch_id: str) -> list[tuple[str, str, str, int]]:
        """(state, language, group, count) for every combination present."""
        return [
            (str(s), str(lang), str(g), int(n))
            for s, lang, g, n in self._conn.execute(
                "SELECT state, language, grp, COUNT(*) FROM deliveries WHERE batch_id = ? "
                "GROUP BY state, language, grp ORDER BY state, language, grp",
                (batch_id,),
            )
        ]

    def rows(self, batch_id: str, states: Sequence[SendState] = ()) -> Iterator[Delivery]:
        query = f"SELECT {COLUMNS} FROM deliveries WHERE batch_id = ?"
        args: tuple[str, ...] = (batch_id,)
        if states:
            query += f" AND state IN ({', '.join('?' * len(states))})"
            args += tuple(states)
        for row in self._conn.execute(query + " ORDER BY rowid", args):
            yield delivery_from_row(row)


def _lock(path: Path) -> int:
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise JournalError(f"another send is running on the journal {path}") from exc
    return fd


__all__ = [
    "ACCEPTED_STATES",
    "DELIVERY_MIGRATIONS",
    "REPLACEABLE_STATES",
    "BatchInfo",
    "Delivery",
    "Journal",
    "NewDelivery",
    "SendState",
    "apply_migrations",
    "connect",
]
