"""The journal's connections: one per thread and file, reused, lent to one piece of work at
a time, given back out of any transaction, closed when the file changes, at shutdown and
when their thread has ended (storage/connections.py)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from missive.access import sessions, users
from missive.access.permissions import Role
from missive.access.store import access_db
from missive.errors import JournalError
from missive.storage import connections, reuse
from missive.storage.access_tables import ACCESS_MIGRATIONS
from missive.storage.shared_file import session

STEPS = ("CREATE TABLE notes (text TEXT NOT NULL);",)


def _lent_once(path: Path) -> sqlite3.Connection:
    with connections.lent(path, "notes", STEPS) as conn:
        return conn


def _in_thread(path: Path) -> sqlite3.Connection:
    found: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: found.append(_lent_once(path)))
    thread.start()
    thread.join()
    return found[0]


def _is_open(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return False
    return True


def test_a_thread_reuses_its_connection_and_another_thread_has_its_own(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    first = _lent_once(path)
    assert _lent_once(path) is first
    assert _is_open(first)
    assert first.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert first.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    other = _in_thread(path)
    assert other is not first


def test_the_access_tables_and_the_ledger_lend_the_same_connection(tmp_path: Path) -> None:
    """What each request of the workspace does: its session, its account, the approvals."""
    path = tmp_path / "journal.sqlite"
    with access_db(path) as access:
        pass
    with session(path, "notes", STEPS) as notes:
        pass
    with access_db(path) as again:
        assert again.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    assert access is notes is again


def test_work_inside_other_work_gets_a_connection_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with connections.lent(path, "notes", STEPS) as outer:
        outer.execute("BEGIN IMMEDIATE")
        outer.execute("INSERT INTO notes VALUES ('outer')")
        with connections.lent(path, "notes", STEPS) as inner:
            assert inner is not outer
            # The outer transaction is not the inner work's: it does not see its row.
            assert inner.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
        assert not _is_open(inner)  # closed after its work, as before
        outer.execute("COMMIT")
    assert _lent_once(path) is outer


def test_a_transaction_left_open_is_rolled_back_when_the_connection_comes_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite"
    with connections.lent(path, "notes", STEPS) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO notes VALUES ('never committed')")
    assert not conn.in_transaction
    # The write lock is free: another connection writes at once.
    other = sqlite3.connect(path, timeout=0)
    other.execute("INSERT INTO notes VALUES ('other')")
    other.commit()
    assert [row[0] for row in other.execute("SELECT text FROM notes")] == ["other"]
    other.close()


def test_a_sqlite_error_closes_the_connection(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    first = _lent_once(path)
    with pytest.raises(JournalError, match="no such table"), session(path, "notes", STEPS) as conn:
        conn.execute("SELECT * FROM missing")
    assert not _is_open(first)
    assert _lent_once(path) is not first


def test_a_journal_deleted_or_replaced_gets_a_new_connection(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with connections.lent(path, "notes", STEPS) as conn:
        conn.execute("INSERT INTO notes VALUES ('old file')")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with connections.lent(path, "notes", STEPS) as fresh:
        assert fresh is not conn
        assert fresh.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    assert not _is_open(conn)


def test_close_all_closes_every_thread_s_connection(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    mine, theirs = _lent_once(path), _in_thread(path)
    connections.close_all()
    assert not _is_open(mine) and not _is_open(theirs)
    assert _is_open(_lent_once(path))


def test_a_connection_lent_when_all_are_closed_is_closed_once_given_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite"
    with connections.lent(path, "notes", STEPS) as conn:
        connections.close_all()  # the server stops while a request still reads
        assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    assert not _is_open(conn)


def test_the_connection_of_a_thread_that_ended_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    ended = _in_thread(path)
    assert _is_open(ended)
    _in_thread(path)  # a new thread's first connection closes those of ended threads
    assert not _is_open(ended)


def test_a_thread_keeps_a_few_files_connections(tmp_path: Path) -> None:
    kept = [_lent_once(tmp_path / f"journal-{n}.sqlite") for n in range(connections.PER_THREAD)]
    assert all(_is_open(conn) for conn in kept)
    _lent_once(tmp_path / "one-more.sqlite")
    assert not _is_open(kept[0])  # the least recently used
    assert all(_is_open(conn) for conn in kept[1:])


def _child_count(queue: multiprocessing.Queue[int]) -> None:
    queue.put(connections._threads.count())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_does_not_use_its_parent_s_connections(tmp_path: Path) -> None:
    conn = _lent_once(tmp_path / "journal.sqlite")
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[int] = context.Queue()
    child = context.Process(target=_child_count, args=(queue,))
    child.start()
    assert queue.get(timeout=30) == 0
    child.join()
    assert _is_open(conn)  # the child left the parent's alone


def test_without_reuse_every_piece_of_work_opens_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reuse, "REUSE", False)
    path = tmp_path / "journal.sqlite"
    first = _lent_once(path)
    assert not _is_open(first)
    assert _lent_once(path) is not first


def test_sessions_of_a_thread_read_on_one_connection(tmp_path: Path) -> None:
    """Each request reads its session: the thread's connection, not a new one each time."""
    path = tmp_path / "journal.sqlite"
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    users.add_user(path, "ana", Role.OPERATOR, "a long enough password", now=now)
    policy = sessions.SessionPolicy()
    token, _ = sessions.open_session(path, "ana", "127.0.0.1", now, policy)
    before = _lent_once(path)
    for _ in range(3):
        assert sessions.current_session(path, token, now, policy) is not None
    assert _lent_once(path) is before
    with connections.lent(path, "access", ACCESS_MIGRATIONS) as conn:
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
