"""The access tables' connection: the journal's file, its durability settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from missive.errors import JournalError
from missive.storage.access_tables import ACCESS_MIGRATIONS
from missive.storage.connections import lent


@contextmanager
def access_db(journal_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for one piece of work (the thread's own, reused: `connections.py`);
    SQLite errors become JournalError."""
    try:
        with lent(journal_path, "access", ACCESS_MIGRATIONS) as conn:
            yield conn
    except sqlite3.Error as exc:
        raise JournalError(f"the journal {journal_path} failed: {exc}") from exc
