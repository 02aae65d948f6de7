"""The access component's tables in the journal's file: users, failed logins, audit log.

Each tuple entry is one migration step, applied once and recorded in `schema_versions`
under the component "access" (see `missive.storage.schema.apply_migrations`).
"""

from __future__ import annotations

ACCESS_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        role TEXT NOT NULL,
        languages TEXT NOT NULL DEFAULT '',
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE login_failures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL COLLATE NOCASE,
        address TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX login_failures_by_time ON login_failures (at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT ''
    );
    """,
)
