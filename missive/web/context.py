"""What every request handler of the workspace shares: the configuration, the use cases,
the logged-in person, and the checks of session and CSRF token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from missive.access.permissions import Actor
from missive.access.sessions import DEFAULT_LIFETIME, Session, SessionSigner
from missive.app.letters import LetterShelf
from missive.app.operations import Operations
from missive.app.people import Origin, session_user

COOKIE = "missive_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class WorkspaceConfig:
    journal_path: Path
    letters_dir: Path
    smtp: str | None = None  # relay for jobs that do not name one
    secret: str | None = None  # None: a new random key per process (sessions end on restart)
    session_lifetime: dt.timedelta = DEFAULT_LIFETIME
    secure_cookies: bool = False  # True when served over TLS
    clock: Callable[[], dt.datetime] = field(default=utc_now)

    @property
    def cache_dir(self) -> Path:
        return self.journal_path.with_name(self.journal_path.name + ".pages")


class Services:
    """The use cases one app instance calls, built once from its configuration."""

    def __init__(self, config: WorkspaceConfig) -> None:
        self.config = config
        self.signer = SessionSigner(config.secret, config.session_lifetime)
        self.shelf = LetterShelf(config.letters_dir, config.journal_path, config.cache_dir)
        self.operations = Operations(self.shelf, config.journal_path, config.smtp)

    def now(self) -> dt.datetime:
        return self.config.clock()


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


@dataclass(frozen=True)
class Visitor:
    """Who sent a request: the session (if valid) and its account's actor."""

    session: Session | None
    actor: Actor | None
    address: str

    @property
    def origin(self) -> Origin:
        return Origin(self.actor.name if self.actor else "anonymous", self.address)

    def csrf_ok(self, token: str | None) -> bool:
        return self.session is not None and self.session.csrf_matches(token)


def visitor(request: Request) -> Visitor:
    found = services(request)
    session = found.signer.read(request.cookies.get(COOKIE), found.now())
    user = session_user(found.config.journal_path, session)
    address = request.client.host if request.client else "unknown"
    if user is None:
        return Visitor(None, None, address)
    return Visitor(session, user.actor, address)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    config = services(request).config
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(config.session_lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=config.secure_cookies,
        path="/",
    )
