"""Failed logins, counted per user name and per client address over a sliding window.

At `LIMIT` failures for a name or for an address within `WINDOW`, every further attempt
for it is refused, right password or not, until the oldest failure leaves the window.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from missive.access.audit import LIMITS, bounded
from missive.access.store import access_db
from missive.errors import LoginThrottledError

LIMIT = 10
WINDOW = dt.timedelta(minutes=15)


def check_allowed(journal_path: Path, username: str, address: str, now: dt.datetime) -> None:
    """Raise LoginThrottledError while this name or this address is over the limit."""
    since = _stamp(now - WINDOW)
    username = bounded(username, LIMITS["actor"])
    with access_db(journal_path) as conn:
        oldest: list[str] = []
        for column, value in (("username", username), ("address", address)):
            rows = conn.execute(
                f"SELECT at FROM login_failures WHERE {column} = ? AND at > ?"
                " ORDER BY at DESC LIMIT ?",
                (value, since, LIMIT),
            ).fetchall()
            if len(rows) >= LIMIT:
                oldest.append(str(rows[-1]["at"]))
    if oldest:
        until = dt.datetime.fromisoformat(max(oldest)) + WINDOW
        raise LoginThrottledError(max(1, math.ceil((until - now).total_seconds())))


def record_failure(journal_path: Path, username: str, address: str, now: dt.datetime) -> None:
    with access_db(journal_path) as conn:
        conn.execute(
            "INSERT INTO login_failures (username, address, at) VALUES (?, ?, ?)",
            (bounded(username, LIMITS["actor"]), bounded(address, LIMITS["address"]), _stamp(now)),
        )
        # Old failures count for nothing: keep the table small.
        conn.execute("DELETE FROM login_failures WHERE at < ?", (_stamp(now - 2 * WINDOW),))


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")
