"""The SQLite file shared by the send journal, approvals and scheduled jobs.

Approvals and jobs keep their own tables in the journal's file so that one path names
everything about a letter's sending; each module creates its tables with
`CREATE TABLE IF NOT EXISTS` through a connection opened here.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from missive.errors import JournalError

# Long enough for a worker to wait out another one's short transaction, short enough that a
# wedged process is reported instead of hanging an operator's command.
BUSY_TIMEOUT_MS = 30_000


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """Open `path` in WAL mode with autocommit, creating `schema` if it is missing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(schema)
    except (sqlite3.Error, OSError) as exc:
        raise JournalError(f"cannot open journal {path}: {exc}") from exc
    return conn


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the lock at BEGIN, so check-then-update is atomic."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def to_text(moment: dt.datetime) -> str:
    """UTC, fixed width, so that text order is time order in SQL comparisons."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: missive stores only aware UTC times")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def from_text(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
