"""The audit log: who did what, to what, when and from where; appended, never changed.

Every field is normalised before it is written: control characters (a line feed in a
typed user name would forge a second line) and lone surrogates become U+FFFD, and each
field is cut to a bound, so a request cannot fill the log with one entry.

Each row carries a hash chained to the row before it: sha256 over the previous hash and
the row's own fields. `verify` recomputes the chain and names the first row changed or
removed. Whoever can write the journal file can also recompute the chain: it shows
edits made by hand or by a tool that did not know, and `verify` prints the last hash so
that it can be noted elsewhere and compared later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from missive.access.store import access_db

LIMITS = {"actor": 64, "action": 64, "target": 200, "detail": 1000, "address": 100}
GENESIS = "0" * 64
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: str
    target: str
    detail: str
    address: str  # client address, or "cli@<host>" for the command line
    id: int = 0
    row_hash: str = ""


@dataclass(frozen=True)
class AuditQuery:
    """A page of the log, newest first, filtered by actor, action and time (UTC)."""

    actor: str = ""  # exact name
    action: str = ""  # the action starts with this, e.g. "refused"
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class ChainReport:
    rows: int
    last_hash: str
    first_bad: int | None  # id of the first row changed, or after a removed one
    why: str = ""
    hashes: frozenset[str] = frozenset()  # of the rows checked, for a hash noted earlier

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def bounded(text: str, limit: int) -> str:
    """`text` without control characters or lone surrogates, at most `limit` characters."""
    clean = "".join(
        "\ufffd" if unicodedata.category(c) in {"Cc", "Cs", "Zl", "Zp"} else c for c in text
    )
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


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
    fields = {"actor": actor, "action": action, "target": target, "detail": detail}
    fields["address"] = address
    clean = {name: bounded(value, LIMITS[name]) for name, value in fields.items()}
    at = now.astimezone(dt.UTC).isoformat(timespec="microseconds")
    with access_db(journal_path) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            previous = _seal_unchained(conn)
            cursor = conn.execute(
                "INSERT INTO audit (at, actor, action, target, detail, address)"
                " VALUES (:at, :actor, :action, :target, :detail, :address)",
                {"at": at, **clean},
            )
            row_id = int(cursor.lastrowid or 0)
            digest = chain_hash(previous, row_id, at, clean)
            conn.execute("UPDATE audit SET row_hash = ? WHERE id = ?", (digest, row_id))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return AuditEntry(dt.datetime.fromisoformat(at), **clean, id=row_id, row_hash=digest)


def chain_hash(previous: str, row_id: int, at: str, fields: dict[str, str]) -> str:
    content = [row_id, at, *(fields[name] for name in LIMITS)]
    payload = previous + json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _seal_unchained(conn: sqlite3.Connection) -> str:
    """Chain rows written before the log was chained (an older journal); the last hash."""
    unchained = conn.execute("SELECT * FROM audit WHERE row_hash = '' ORDER BY id").fetchall()
    previous = GENESIS
    if unchained:
        before = conn.execute(
            "SELECT row_hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1",
            (unchained[0]["id"],),
        ).fetchone()
        previous = str(before["row_hash"]) if before else GENESIS
        for row in unchained:
            previous = chain_hash(previous, row["id"], row["at"], _fields(row))
            conn.execute("UPDATE audit SET row_hash = ? WHERE id = ?", (previous, row["id"]))
        return previous
    last = conn.execute("SELECT row_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return str(last["row_hash"]) if last else GENESIS


def _fields(row: sqlite3.Row) -> dict[str, str]:
    return {name: str(row[name]) for name in LIMITS}


def verify(journal_path: Path) -> ChainReport:
    """Recompute the chain from the first row; the first row that does not match."""
    with access_db(journal_path) as conn:
        # Rows of a journal older than the chain are chained first, as the next write would.
        conn.execute("BEGIN IMMEDIATE")
        _seal_unchained(conn)
        conn.execute("COMMIT")
        rows = conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
        issued = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    previous, expected_id = GENESIS, 1
    seen: set[str] = set()
    for row in rows:
        if row["id"] != expected_id:
            return ChainReport(len(rows), previous, row["id"], f"row {expected_id} was removed")
        if not row["row_hash"]:
            return ChainReport(len(rows), previous, row["id"], "the row is not chained")
        digest = chain_hash(previous, row["id"], row["at"], _fields(row))
        if digest != row["row_hash"]:
            return ChainReport(len(rows), previous, row["id"], "the row was changed")
        previous, expected_id = digest, expected_id + 1
        seen.add(digest)
    # AUTOINCREMENT remembers the largest id it gave: rows cut off the end show there.
    if issued is not None and int(issued[0]) >= expected_id:
        return ChainReport(len(rows), previous, expected_id, f"row {expected_id} was removed")
    return ChainReport(len(rows), previous, None, hashes=frozenset(seen))


def entries(journal_path: Path, query: AuditQuery | None = None) -> AuditPage:
    """One page of entries, newest first."""
    query = query or AuditQuery()
    clauses: list[str] = ["1 = 1"]
    values: list[str | int] = []
    if query.actor:
        clauses.append("actor = ?")
        values.append(query.actor)
    if query.action:
        clauses.append("substr(action, 1, ?) = ?")
        values += [len(query.action), query.action]
    for op, moment in ((">=", query.since), ("<", query.until)):
        if moment is not None:
            clauses.append(f"at {op} ?")
            values.append(moment.astimezone(dt.UTC).isoformat(timespec="microseconds"))
    where = " AND ".join(clauses)
    with access_db(journal_path) as conn:
        total = int(conn.execute(f"SELECT count(*) FROM audit WHERE {where}", values).fetchone()[0])
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, query.page), pages)
        rows = conn.execute(
            f"SELECT * FROM audit WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*values, PAGE_SIZE, (page - 1) * PAGE_SIZE],
        ).fetchall()
    return AuditPage(tuple(_entry(row) for row in rows), page, pages, total)


def _entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        dt.datetime.fromisoformat(row["at"]),
        row["actor"],
        row["action"],
        row["target"],
        row["detail"],
        row["address"],
        row["id"],
        row["row_hash"],
    )
