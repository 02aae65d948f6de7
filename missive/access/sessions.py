"""Session tokens: signed (itsdangerous), expiring, bound to the password and a CSRF token.

The token travels in an HttpOnly cookie; its CSRF token is also handed to the page or the
API client, which sends it back with every state-changing request. A token ends when it
expires, when the password changes (the stamp no longer matches) or when the account is
disabled (checked against the users table on every request by the caller).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

DEFAULT_LIFETIME = dt.timedelta(hours=8)


@dataclass(frozen=True)
class Session:
    username: str
    password_stamp: str
    csrf_token: str
    expires_at: dt.datetime

    def csrf_matches(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf_token)


class SessionSigner:
    """Signs and reads session tokens with a server secret (random per process by default)."""

    def __init__(self, secret: str | None = None, lifetime: dt.timedelta = DEFAULT_LIFETIME):
        self._serializer = URLSafeSerializer(secret or secrets.token_hex(32), salt="session")
        self.lifetime = lifetime

    def issue(self, username: str, password_stamp: str, now: dt.datetime) -> tuple[str, Session]:
        session = Session(username, password_stamp, secrets.token_urlsafe(32), now + self.lifetime)
        token = self._serializer.dumps(
            [username, password_stamp, session.csrf_token, session.expires_at.timestamp()]
        )
        return token, session

    def read(self, token: str | None, now: dt.datetime) -> Session | None:
        """The session in `token`, or None if it is absent, forged or expired."""
        if not token:
            return None
        try:
            username, stamp, csrf, expires = self._serializer.loads(token)
            expires_at = dt.datetime.fromtimestamp(float(expires), dt.UTC)
        except (BadSignature, ValueError, TypeError):
            return None
        if expires_at <= now:
            return None
        return Session(str(username), str(stamp), str(csrf), expires_at)
