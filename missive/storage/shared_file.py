"""The SQLite file shared by the send journal, approvals and scheduled jobs.

Approvals and jobs keep their own tables in the journal's file so that one path names
everything about a letter's sending. Their tables are versioned per component by the
journal's `apply_migrations`, on a connection from `journal.connect` (WAL, autocommit).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from missive.errors import JournalError
from missive.storage.connections import lent
from missive.storage.schema import apply_migrations
from missive.storage.schema import connect as connect_file


def connect(path: Path, component: str, schema: str | Sequence[str]) -> sqlite3.Connection:
    """Open the journal at `path` and bring `component`'s tables to `schema`.

    The connection and the versioned migration come from the journal module, so approvals
    and jobs share its durability settings; `schema` is the component's migration step, or
    its steps in order.
    """
    steps = _steps_in_folder(path, schema)
    conn = connect_file(path)
    try:
        conn.row_factory = sqlite3.Row
        apply_migrations(conn, component, steps)
    except sqlite3.Error as exc:
        conn.close()
        raise JournalError(f"cannot prepare the {component} tables in {path}: {exc}") from exc
    return conn


def _steps_in_folder(path: Path, schema: str | Sequence[str]) -> tuple[str, ...]:
    """`schema` as migration steps in order, once the journal's folder exists."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise JournalError(f"cannot create the folder of the journal {path}: {exc}") from exc
    return (schema,) if isinstance(schema, str) else tuple(schema)


@contextmanager
def session(
    path: Path, component: str, schema: str | Sequence[str]
) -> Iterator[sqlite3.Connection]:
    """A connection for one piece of work (the thread's own, reused: `connections.py`);
    SQLite errors become JournalError."""
    steps = _steps_in_folder(path, schema)
    try:
        with lent(path, component, steps) as conn:
            yield conn
    except sqlite3.Error as exc:
        raise JournalError(f"the journal {path} failed: {exc}") from exc


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
