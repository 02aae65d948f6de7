"""The SQLite file's settings and per-component schema versions (shared by every component).

`connect` gives a connection with the journal's durability settings (WAL, synchronous=FULL,
autocommit: callers open their own transactions). `apply_migrations(conn, component, steps)`
brings one component's tables to version len(steps), recorded in `schema_versions`, so the
delivery journal, approvals and jobs evolve independently in one file.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from missive.errors import JournalError

DELIVERY_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        letter_key TEXT NOT NULL,
        letter_path TEXT NOT NULL,
        recipients_path TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        batch_id TEXT NOT NULL REFERENCES batches(id),
        recipient_id TEXT NOT NULL,
        email TEXT NOT NULL,
        language TEXT NOT NULL,
        grp TEXT NOT NULL,
        sender TEXT NOT NULL,
        rcpt TEXT NOT NULL,
        smtputf8 INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        spool_path TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        tries INTEGER NOT NULL DEFAULT 0,
        not_before REAL NOT NULL DEFAULT 0,
        last_code INTEGER,
        last_text TEXT,
        queued_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        PRIMARY KEY (batch_id, recipient_id)
    );
    CREATE INDEX deliveries_by_state ON deliveries (batch_id, state);
    """,
    # What happened after the relay accepted a message: delivery status notifications and
    # auto-replies read back from a mailbox (states bounced, delayed, replied), the key of the
    # VERP bounce addresses, and the rows an address correction replaced.
    """
    ALTER TABLE deliveries ADD COLUMN notice_status TEXT;
    ALTER TABLE deliveries ADD COLUMN notice_text TEXT;
    ALTER TABLE deliveries ADD COLUMN notice_at TEXT;
    CREATE INDEX deliveries_by_message_id ON deliveries (message_id);
    CREATE TABLE verp_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        key BLOB NOT NULL
    );
    CREATE TABLE delivery_notices (
        notice TEXT NOT NULL,
        batch_id TEXT NOT NULL,
        recipient_id TEXT NOT NULL,
        address TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        diagnostic TEXT NOT NULL,
        matched_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (notice, batch_id, recipient_id, address)
    );
    CREATE TABLE delivery_history (
        batch_id TEXT NOT NULL,
        recipient_id TEXT NOT NULL,
        email TEXT NOT NULL,
        language TEXT NOT NULL,
        grp TEXT NOT NULL,
        message_id TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        last_code INTEGER,
        last_text TEXT,
        notice_status TEXT,
        notice_text TEXT,
        sent_at TEXT,
        replaced_at TEXT NOT NULL
    );
    CREATE INDEX delivery_history_by_recipient ON delivery_history (batch_id, recipient_id);
    """,
)


def apply_migrations(conn: sqlite3.Connection, component: str, steps: Sequence[str]) -> int:
    """Bring `component`'s tables to version len(steps); returns the version found before."""
    if not component.isidentifier():
        raise JournalError(f"bad component name {component!r}")
    with conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_versions "
            "(component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
    found = _version(conn, component)
    if found > len(steps):
        raise JournalError(
            f"journal {component} schema is version {found}, newer than this missive ({len(steps)})"
        )
    for version in range(found, len(steps)):
        # Another connection (a thread of the workspace, the worker) may be migrating the
        # same file: the version is read again under the write lock, and a step applies once.
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _version(conn, component) <= version:
                for statement in _statements(steps[version]):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_versions (component, version) VALUES (?, ?)"
                    " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                    (component, version + 1),
                )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return found


def _version(conn: sqlite3.Connection, component: str) -> int:
    row = conn.execute(
        "SELECT version FROM schema_versions WHERE component = ?", (component,)
    ).fetchone()
    return int(row[0]) if row else 0


def _statements(script: str) -> list[str]:
    """The statements of a migration step, one by one (executescript would commit)."""
    found, pending = [], ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                found.append(pending.strip())
            pending = ""
    return found


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the journal's durability settings (for any component)."""
    try:
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        _write_ahead(conn)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise JournalError(f"cannot open the journal {path}: {exc}") from exc
    return conn


def _write_ahead(conn: sqlite3.Connection, *, patience: float = 30.0) -> None:
    """Switch to WAL, waiting for other connections: SQLite answers "database is locked" to
    a journal-mode change at once, without its busy handler, while another connection of a
    new file holds a lock (the workspace's threads and its renderer open one together)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
