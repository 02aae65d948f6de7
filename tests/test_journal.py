"""The journal (real SQLite files) and the spool (real files)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from delivery_fixtures import BATCH_DATE, MAIL, TINY_PDF, composed, people

from missive.deliver.group_commit import GroupCommit
from missive.deliver.journal import (
    DELIVERY_MIGRATIONS,
    BatchInfo,
    Journal,
    NewDelivery,
    SendState,
    apply_migrations,
)
from missive.deliver.spool import Spool, spool_root_for
from missive.deliver.spooler import spool_batch
from missive.errors import JournalError

BATCH = BatchInfo(id="b1", letter_key="k", letter_path="l.yaml", recipients_path="r.csv")


def entry(rid: str) -> NewDelivery:
    return NewDelivery(
        recipient_id=rid,
        email=f"{rid}@example.org",
        language="es",
        group="governments",
        sender="wsis-info@itu.int",
        rcpt=(f"{rid}@example.org", "cc@example.org"),
        smtputf8=False,
        message_id=f"<{rid}@itu.int>",
        sha256="0" * 64,
        spool_path=f"b1/{rid}.eml",
    )


def journal_with(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "j.sqlite"
    with Journal.open(path) as journal:
        journal.ensure_batch(BATCH)
        journal.enqueue(BATCH.id, [entry(f"r{i:04d}") for i in range(count)])
    return path


def test_settings_wal_and_full_sync(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 1)
    with Journal.open(path) as journal:
        conn = journal.connect()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        conn.close()


def test_enqueue_is_idempotent_and_rows_round_trip(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 3)
    with Journal.open(path) as journal:
        assert journal.enqueue(BATCH.id, [entry("r0001"), entry("new")]) == 1
        rows = {r.recipient_id: r for r in journal.rows(BATCH.id)}
    assert len(rows) == 4
    assert rows["r0001"].rcpt == ("r0001@example.org", "cc@example.org")
    assert rows["r0001"].state is SendState.QUEUED and rows["r0001"].attempts == 0


def test_a_row_left_sending_becomes_ambiguous_on_reopen(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 2)
    journal = Journal.open(path)
    journal.mark_sending(BATCH.id, "r0000")
    journal.close()  # as if the process died between DATA and the reply
    with Journal.open(path) as reopened:
        assert reopened.recovered == 1
        assert reopened.state_of(BATCH.id, "r0000") is SendState.AMBIGUOUS
        # Held: not due, and not sendable without release.
        assert [r.recipient_id for r in reopened.due(BATCH.id, now=0, max_tries=5)] == ["r0001"]
        with pytest.raises(JournalError):
            reopened.mark_sending(BATCH.id, "r0000")
        assert reopened.begin_run(BATCH.id, release_ambiguous=True) == 1
        assert reopened.state_of(BATCH.id, "r0000") is SendState.QUEUED


def test_sent_is_never_sendable_again(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 1)
    with Journal.open(path) as journal:
        journal.mark_sending(BATCH.id, "r0000")
        journal.mark_outcome(BATCH.id, "r0000", SendState.SENT, code=250, text="ok")
        journal.mark_outcome(BATCH.id, "r0000", SendState.FAILED_TEMPORARY, code=451, text="x")
        assert journal.state_of(BATCH.id, "r0000") is SendState.SENT
        with pytest.raises(JournalError):
            journal.mark_sending(BATCH.id, "r0000")
        assert list(journal.due(BATCH.id, now=0, max_tries=5)) == []
        [row] = journal.rows(BATCH.id)
        assert row.attempts == 1 and row.last_code == 250 and row.sent_at


def test_temporary_failures_wait_and_are_bounded_by_tries(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 1)
    with Journal.open(path) as journal:
        journal.mark_outcome(
            BATCH.id, "r0000", SendState.FAILED_TEMPORARY, code=451, text="later", not_before=50
        )
        assert list(journal.due(BATCH.id, now=10, max_tries=5)) == []
        assert journal.next_retry_at(BATCH.id, max_tries=5) == 50
        assert len(list(journal.due(BATCH.id, now=50, max_tries=5))) == 1
        assert list(journal.due(BATCH.id, now=50, max_tries=1)) == []  # one try used
        journal.begin_run(BATCH.id)  # a new run: fresh tries
        assert len(list(journal.due(BATCH.id, now=0, max_tries=1))) == 1


def test_due_pages_through_many_rows_in_order(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 1234)
    with Journal.open(path) as journal:
        ids = [r.recipient_id for r in journal.due(BATCH.id, now=0, max_tries=5)]
    assert ids == [f"r{i:04d}" for i in range(1234)]


def test_one_writer_at_a_time_but_readers_welcome(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 1)
    with Journal.open(path):
        with pytest.raises(JournalError, match="another send"):
            Journal.open(path)
        with Journal.open(path, writer=False) as reader:
            assert reader.counts(BATCH.id) == [("queued", "es", "governments", 1)]


def test_other_components_add_their_own_versioned_tables(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 1)
    steps = ("CREATE TABLE approvals (id INTEGER PRIMARY KEY, reviewer TEXT);",)
    with Journal.open(path) as journal:
        conn = journal.connect()
        assert apply_migrations(conn, "approval", steps) == 0
        assert apply_migrations(conn, "approval", steps) == 1  # already there: no-op
        versions = dict(conn.execute("SELECT component, version FROM schema_versions"))
        conn.close()
    assert versions == {"delivery": len(DELIVERY_MIGRATIONS), "approval": 1}
    newer = sqlite3.connect(path)
    newer.execute("UPDATE schema_versions SET version = 9 WHERE component = 'delivery'")
    newer.commit()
    newer.close()
    with pytest.raises(JournalError, match="newer"):
        Journal.open(path)


def test_spool_is_atomic_hashed_and_checked(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    entry_ = spool.write("b1", "r1", b"hello\nworld")
    assert spool.read(entry_.relative_path, entry_.sha256) == b"hello\r\nworld\r\n"
    assert not list((tmp_path / "spool" / "b1").glob(".*.tmp"))
    (tmp_path / "spool" / entry_.relative_path).write_bytes(b"tampered")
    with pytest.raises(JournalError, match="changed"):
        spool.read(entry_.relative_path, entry_.sha256)
    odd = spool.write("b1", "../../etc/passwd", b"x")
    assert odd.relative_path.startswith("b1/id-") and "/.." not in odd.relative_path


def test_spooling_twice_keeps_the_first_bytes(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    spool = Spool(spool_root_for(path))
    recipients = people(5)
    calls: list[str] = []

    def make(r):  # type: ignore[no-untyped-def]
        calls.append(r.id)
        return composed(r), TINY_PDF

    with Journal.open(path) as journal:
        first = spool_batch(journal, spool, BATCH, recipients, make, mail=MAIL, date=BATCH_DATE)
        before = {r.recipient_id: r.sha256 for r in journal.rows(BATCH.id)}
        again = spool_batch(journal, spool, BATCH, recipients, make, mail=MAIL, date=BATCH_DATE)
        after = {r.recipient_id: r.sha256 for r in journal.rows(BATCH.id)}
    assert (first.spooled, again.spooled, again.already_journaled) == (5, 0, 5)
    assert len(calls) == 5  # nothing composed or rendered the second time
    assert before == after


def test_group_commit_one_transaction_for_writes_of_one_turn(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 4)

    async def four_connections(journal: Journal, writes: GroupCommit) -> list[object]:
        def mark(rid: str) -> Callable[[], None]:
            return lambda: journal.mark_sending(BATCH.id, rid)

        # r0003 is already sent: its write is refused, the other three still commit.
        journal.mark_sending(BATCH.id, "r0003")
        journal.mark_outcome(BATCH.id, "r0003", SendState.SENT, code=250, text="ok")
        return await asyncio.gather(
            *(writes.write(mark(f"r000{i}")) for i in range(4)), return_exceptions=True
        )

    with Journal.open(path) as journal:
        writes = GroupCommit(journal)
        results = asyncio.run(four_connections(journal, writes))
        assert results[:3] == [None, None, None]
        assert isinstance(results[3], JournalError)
        assert writes.commits == 1
    with Journal.open(path) as reopened:  # durable: the three are now ambiguous, held
        states = {r.recipient_id: r.state for r in reopened.rows(BATCH.id)}
    assert states == {
        "r0000": SendState.AMBIGUOUS,
        "r0001": SendState.AMBIGUOUS,
        "r0002": SendState.AMBIGUOUS,
        "r0003": SendState.SENT,
    }


def test_group_commit_writes_of_successive_turns_commit_separately(tmp_path: Path) -> None:
    path = journal_with(tmp_path, 2)

    async def one_after_another(journal: Journal, writes: GroupCommit) -> None:
        await writes.write(lambda: journal.mark_sending(BATCH.id, "r0000"))
        # the caller resumed: its write is committed, visible to another connection
        other = journal.connect()
        state = other.execute(
            "SELECT state FROM deliveries WHERE recipient_id = 'r0000'"
        ).fetchone()[0]
        other.close()
        assert state == SendState.SENDING
        await writes.write(lambda: journal.mark_sending(BATCH.id, "r0001"))

    with Journal.open(path) as journal:
        writes = GroupCommit(journal)
        asyncio.run(one_after_another(journal, writes))
        assert writes.commits == 2


def test_connections_migrating_one_file_at_once_apply_each_step_once(tmp_path: Path) -> None:
    """The workspace's request threads (and its worker) open a new journal together: each
    once read the schema version, then all ran the step ("duplicate column name")."""
    from missive.review.approvals import MIGRATIONS
    from missive.storage import shared_file

    for attempt in range(8):
        path = tmp_path / f"journal-{attempt}.sqlite"
        errors: list[Exception] = []

        def open_it(path: Path = path, errors: list[Exception] = errors) -> None:
            try:
                shared_file.connect(path, "approvals", MIGRATIONS).close()
            except Exception as error:  # every failure, whatever its kind
                errors.append(error)

        threads = [threading.Thread(target=open_it) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
