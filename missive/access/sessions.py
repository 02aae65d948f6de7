"""Sessions on the server: a row in the journal per logged-in browser or API client.

The cookie holds a random token; the journal holds only its sha256, the account, the
session's CSRF token, when it started and when it was last used. A session ends at once
when its row goes: logging out, a password change, disabling the account, an admin's
revoke. It also ends after `idle` without a request and, used or not, at `lifetime`.

Login forms, which come before any session, carry a token of their own (`FormTokens`):
signed with the server's secret over a random value held in a cookie, so that another
site cannot post its own credentials into a victim's browser (login CSRF).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from missive.access.audit import LIMITS, bounded
from missive.access.store import access_db
from missive.errors import AccessError

DEFAULT_LIFETIME = dt.timedelta(hours=8)
DEFAULT_IDLE = dt.timedelta(minutes=30)
# Touching a session writes the journal; within this its last use is near enough.
TOUCH_EVERY = dt.timedelta(seconds=30)
MIN_SECRET = 32


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta = DEFAULT_IDLE
    lifetime: dt.timedelta = DEFAULT_LIFETIME


@dataclass(frozen=True)
class Session:
    id: str  # public: shown to admins and in the audit log (never the token)
    username: str
    csrf_token: str
    address: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime

    def csrf_matches(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf_token)


def open_session(
    journal_path: Path, username: str, address: str, now: dt.datetime, policy: SessionPolicy
) -> tuple[str, Session]:
    """A new session; the token (for the cookie) is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    stamp = _stamp(now)
    with access_db(journal_path) as conn:
        conn.execute(
            "INSERT INTO sessions (token_hash, id, username, csrf_token, address, created_at,"
            " last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _hash(token),
                secrets.token_hex(8),
                username,
                secrets.token_urlsafe(32),
                bounded(address, LIMITS["address"]),
                stamp,
                stamp,
                _stamp(now + policy.lifetime),
            ),
        )
        row = conn.execute("SELECT * FROM sessions WHERE token_hash = ?", (_hash(token),))
        return token, _session(row.fetchone())


def current_session(
    journal_path: Path, token: str | None, now: dt.datetime, policy: SessionPolicy
) -> Session | None:
    """The live session of `token` (its last use recorded), or None; an expired one ends."""
    if not token or len(token) > 100:
        return None
    with access_db(journal_path) as conn:
        row = conn.execute("SELECT * FROM sessions WHERE token_hash = ?", (_hash(token),))
        found = row.fetchone()
        if found is None:
            return None
        session = _session(found)
        if now >= session.expires_at or now - session.last_seen_at >= policy.idle:
            conn.execute("DELETE FROM sessions WHERE id = ?", (session.id,))
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            conn.execute(
                "UPDATE sessions SET last_seen_at = ? WHERE id = ?", (_stamp(now), session.id)
            )
    return session


def end_session(journal_path: Path, session_id: str) -> Session:
    with access_db(journal_path) as conn:
        found = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if found is None:
            raise AccessError(f"no session {session_id}")
        conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    return _session(found)


def end_sessions_of(journal_path: Path, username: str) -> int:
    with access_db(journal_path) as conn:
        return conn.execute("DELETE FROM sessions WHERE username = ?", (username,)).rowcount


def live_sessions(journal_path: Path, now: dt.datetime, policy: SessionPolicy) -> list[Session]:
    """Every session still in force, oldest first (ended ones are removed on the way)."""
    with access_db(journal_path) as conn:
        conn.execute(
            "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
            (_stamp(now), _stamp(now - policy.idle)),
        )
        rows = conn.execute("SELECT * FROM sessions ORDER BY created_at, id").fetchall()
    return [_session(row) for row in rows]


class FormTokens:
    """Tokens of forms shown before a session exists (the login form)."""

    def __init__(self, secret: str | None = None) -> None:
        if secret is not None and len(secret) < MIN_SECRET:
            raise AccessError(f"the session secret needs at least {MIN_SECRET} characters")
        self._serializer = URLSafeSerializer(secret or secrets.token_hex(32), salt="login form")

    def issue(self) -> tuple[str, str]:
        """(the value for the cookie, the token for the form)."""
        nonce = secrets.token_urlsafe(24)
        return nonce, str(self._serializer.dumps(nonce))

    def matches(self, nonce: str | None, token: str | None) -> bool:
        if not nonce or not token:
            return False
        try:
            signed = self._serializer.loads(token)
        except BadSignature:
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, nonce)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _session(row: sqlite3.Row) -> Session:
    return Session(
        id=row["id"],
        username=row["username"],
        csrf_token=row["csrf_token"],
        address=row["address"],
        created_at=dt.datetime.fromisoformat(row["created_at"]),
        last_seen_at=dt.datetime.fromisoformat(row["last_seen_at"]),
        expires_at=dt.datetime.fromisoformat(row["expires_at"]),
    )
