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
from missive.access.sessions import (
    DEFAULT_IDLE,
    DEFAULT_LIFETIME,
    FormTokens,
    Session,
    SessionPolicy,
)
from missive.app.letters import LetterShelf
from missive.app.operations import Operations
from missive.app.people import Origin, record_refusal, session_user
from missive.web.boundary import DEFAULT_MAX_BODY

COOKIE = "missive_session"
# Under TLS: Secure, Path=/ and no Domain, which the browser then enforces (RFC 6265bis).
SECURE_COOKIE = "__Host-missive_session"
LOGIN_COOKIE = "missive_login"
SECURE_LOGIN_COOKIE = "__Host-missive_login"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
LOGIN_FIELD = "login_token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class WorkspaceConfig:
    journal_path: Path
    letters_dir: Path
    secret: str | None = None  # signs login forms; None: a new random key per process
    session_lifetime: dt.timedelta = DEFAULT_LIFETIME
    session_idle: dt.timedelta = DEFAULT_IDLE
    secure_cookies: bool = False  # True when served over TLS (or behind a TLS proxy)
    # The names this server answers to in `Host` (DNS rebinding gets 400).
    allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES
    max_body: int = DEFAULT_MAX_BODY  # bytes; larger request bodies get 413
    clock: Callable[[], dt.datetime] = field(default=utc_now)

    @property
    def cache_dir(self) -> Path:
        return self.journal_path.with_name(self.journal_path.name + ".pages")

    @property
    def policy(self) -> SessionPolicy:
        return SessionPolicy(self.session_idle, self.session_lifetime)

    @property
    def cookie(self) -> str:
        return SECURE_COOKIE if self.secure_cookies else COOKIE

    @property
    def login_cookie(self) -> str:
        return SECURE_LOGIN_COOKIE if self.secure_cookies else LOGIN_COOKIE


class Services:
    """The use cases one app instance calls, built once from its configuration."""

    def __init__(self, config: WorkspaceConfig) -> None:
        self.config = config
        self.form_tokens = FormTokens(config.secret)
        self.shelf = LetterShelf(config.letters_dir, config.journal_path, config.cache_dir)
        self.operations = Operations(self.shelf, config.journal_path)

    def now(self) -> dt.datetime:
        return self.config.clock()

    def close(self) -> None:
        self.operations.close()


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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def visitor(request: Request) -> Visitor:
    """The request's visitor, read from the journal once per request."""
    known: Visitor | None = getattr(request.state, "visitor", None)
    if known is not None:
        return known
    found = services(request)
    config = found.config
    token = request.cookies.get(config.cookie)
    live = session_user(config.journal_path, token, found.now(), config.policy)
    who = Visitor(None, None, client_address(request))
    if live is not None:
        who = Visitor(live[0], live[1].actor, who.address)
    request.state.visitor = who
    return who


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    config = services(request).config
    response.set_cookie(
        config.cookie,
        token,
        max_age=int(config.session_lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=config.secure_cookies,
        path="/",
    )


def end_session_cookie(response: Response, request: Request) -> None:
    config = services(request).config
    response.delete_cookie(
        config.cookie, path="/", secure=config.secure_cookies, httponly=True, samesite="strict"
    )


def login_form_token(request: Request, response: Response, token_cookie: str) -> None:
    """Give a login form's browser the random value its form token signs."""
    config = services(request).config
    response.set_cookie(
        config.login_cookie,
        token_cookie,
        httponly=True,
        samesite="strict",
        secure=config.secure_cookies,
        path="/",
    )


def login_form_ok(request: Request, token: str | None) -> bool:
    found = services(request)
    return found.form_tokens.matches(request.cookies.get(found.config.login_cookie), token)


def audit_refusal(request: Request, status: int, what: str) -> None:
    """Keep a refused request (401, 403, 429) in the audit log, with who and from where."""
    found = services(request)
    who = visitor(request)
    line = f"{request.method} {request.url.path}: {what}"
    record_refusal(found.config.journal_path, who.origin, status, line, found.now())
