"""The access component's tables in the journal's file: users, failed logins, audit log,
sessions.

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
    # Sessions live on the server (a cookie holds a random token; the row holds its
    # sha256), and the audit log is chained: each row's hash covers the row before it
    # (rows of an older journal are chained on the next write).
    """
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        username TEXT NOT NULL COLLATE NOCASE,
        csrf_token TEXT NOT NULL,
        address TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions (username);
    ALTER TABLE audit ADD COLUMN row_hash TEXT NOT NULL DEFAULT '';
    CREATE INDEX audit_by_actor ON audit (actor, id);
    """,
)
