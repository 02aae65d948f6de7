"""The audit log: who did what, to what, when and from where; appended, never changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from missive.access.store import access_db


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    target: str
    detail: str
    address: str  # client address, or "cli:<os user>@<host>" for the command line


def record(
    journal_path: Path,
    *,
    actor: str,
    action: str,
    target: str = "",
    detail: str = "",
    address: str = "",
    now: dt.datetime,
) -> AuditEntry:
    entry = AuditEntry(now.astimezone(dt.UTC), actor, action, target, detail, address)
    with access_db(journal_path) as conn:
        conn.execute(
            "INSERT INTO audit (at, actor, action, target, detail, address)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (entry.at.isoformat(timespec="microseconds"), actor, action, target, detail, address),
        )
    return entry


def entries(journal_path: Path, limit: int = 200) -> tuple[AuditEntry, ...]:
    """The latest `limit` entries, newest first."""
    with access_db(journal_path) as conn:
        rows = conn.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return tuple(
        AuditEntry(
            dt.datetime.fromisoformat(row["at"]),
            row["actor"],
            row["action"],
            row["target"],
            row["detail"],
            row["address"],
        )
        for row in rows
    )
