"""Use cases for people: accounts, logging in, and the audit log.

Every front end calls these; each decision is written to the audit log with who made it
and from where (a client address, or the operating-system user for the command line).
"""

from __future__ import annotations

import datetime as dt
import getpass
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from missive.access import audit, sessions, throttle, users
from missive.access.audit import AuditPage, AuditQuery, ChainReport
from missive.access.permissions import Action, Actor, Role, require
from missive.access.sessions import Session, SessionPolicy
from missive.access.users import User
from missive.errors import AccessError, LoginRefusedError, LoginThrottledError, NotFoundError
from missive.model import Language


@dataclass(frozen=True)
class Origin:
    """Who asks and from where, as the audit log records it."""

    name: str
    address: str


def cli_origin() -> Origin:
    """The command line: the operating-system user, who has the journal file in hand."""
    return Origin(f"os:{os_user()}", f"cli@{socket.gethostname()}")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class NewUser:
    journal_path: Path
    name: str
    role: Role
    password: str
    languages: tuple[Language, ...] = ()


def add_user(request: NewUser, origin: Origin, now: dt.datetime) -> User:
    user = users.add_user(
        request.journal_path,
        request.name,
        request.role,
        request.password,
        request.languages,
        now=now,
    )
    languages = ",".join(lang.value for lang in user.languages)
    detail = f"role {user.role.value}" + (f", languages {languages}" if languages else "")
    _audit(request.journal_path, origin, "add user", user.name, detail, now)
    return user


def list_users(journal_path: Path) -> tuple[User, ...]:
    return users.list_users(journal_path)


def disable_user(journal_path: Path, name: str, origin: Origin, now: dt.datetime) -> User:
    user = users.set_disabled(journal_path, name, True, now=now)
    ended = sessions.end_sessions_of(journal_path, user.name)
    _audit(journal_path, origin, "disable user", user.name, f"{ended} session(s) ended", now)
    return user


def change_password(
    journal_path: Path, name: str, password: str, origin: Origin, now: dt.datetime
) -> User:
    user = users.set_password(journal_path, name, password, now=now)
    ended = sessions.end_sessions_of(journal_path, user.name)
    _audit(journal_path, origin, "change password", user.name, f"{ended} session(s) ended", now)
    return user


def log_in(
    journal_path: Path, username: str, password: str, address: str, now: dt.datetime
) -> User:
    """The user, or LoginRefusedError / LoginThrottledError; every attempt is audited."""
    try:
        throttle.check_allowed(journal_path, username, address, now)
    except LoginThrottledError as exc:
        detail = f"throttled (429), retry after {exc.retry_after} s"
        _audit(journal_path, Origin(username, address), "login refused", username, detail, now)
        raise
    try:
        user = users.verify_password(journal_path, username, password)
    except LoginRefusedError:
        throttle.record_failure(journal_path, username, address, now)
        detail = "wrong name or password (401)"
        _audit(journal_path, Origin(username, address), "login refused", username, detail, now)
        raise
    _audit(journal_path, Origin(user.name, address), "log in", user.name, "", now)
    return user


def reviewer_login(
    journal_path: Path,
    name: str,
    password: str,
    languages: Sequence[Language],
    now: dt.datetime,
) -> tuple[User, tuple[Language, ...], Origin]:
    """The account that decides at the terminal (its password checked, throttled and
    audited as a login), the languages it decides (those asked, each one its own, or all of
    its own) and the origin its decisions are audited under."""
    terminal = cli_origin()
    address = f"{terminal.address} as {terminal.name}"
    user = log_in(journal_path, name, password, address, now)
    chosen = tuple(languages) or user.languages
    for language in chosen or (None,):
        require(user.actor, Action.REVIEW, language)
    return user, chosen, Origin(user.name, address)


def start_session(
    journal_path: Path, user: User, address: str, now: dt.datetime, policy: SessionPolicy
) -> tuple[str, Session]:
    """A session for a user just logged in: the cookie's token (returned once) and its row."""
    return sessions.open_session(journal_path, user.name, address, now, policy)


def session_user(
    journal_path: Path, token: str | None, now: dt.datetime, policy: SessionPolicy
) -> tuple[Session, User] | None:
    """The live session of `token` and its enabled account, or None."""
    session = sessions.current_session(journal_path, token, now, policy)
    if session is None:
        return None
    user = users.get_user(journal_path, session.username)
    if user is None or user.disabled:
        sessions.end_sessions_of(journal_path, session.username)
        return None
    return session, user


def log_out(journal_path: Path, session: Session, origin: Origin, now: dt.datetime) -> None:
    sessions.end_session(journal_path, session.id)
    _audit(journal_path, origin, "log out", session.username, f"session {session.id}", now)


def list_sessions(
    journal_path: Path, actor: Actor | None, now: dt.datetime, policy: SessionPolicy
) -> Sequence[Session]:
    require(actor, Action.MANAGE_USERS)
    return sessions.live_sessions(journal_path, now, policy)


def revoke_session(
    journal_path: Path, actor: Actor | None, session_id: str, origin: Origin, now: dt.datetime
) -> Session:
    """An admin ends someone's session at once."""
    require(actor, Action.MANAGE_USERS)
    try:
        ended = sessions.end_session(journal_path, session_id)
    except AccessError as exc:
        raise NotFoundError(str(exc)) from exc
    detail = f"session {ended.id} from {ended.address}"
    _audit(journal_path, origin, "revoke session", ended.username, detail, now)
    return ended


def record_refusal(
    journal_path: Path, origin: Origin, status: int, what: str, now: dt.datetime
) -> None:
    """A request refused (401, 403, 429), kept in the audit log with who and from where."""
    _audit(journal_path, origin, f"refused {status}", "", what, now)


def audit_log(
    journal_path: Path, actor: Actor | None, query: AuditQuery | None = None
) -> AuditPage:
    require(actor, Action.READ_AUDIT)
    return audit.entries(journal_path, query)


def verify_audit(journal_path: Path) -> ChainReport:
    """Recompute the audit log's hash chain: the first row changed or removed, if any."""
    return audit.verify(journal_path)


def record_decision(
    journal_path: Path, origin: Origin, action: str, *, target: str, detail: str, now: dt.datetime
) -> None:
    """Write one decision of another use case (approve, schedule, cancel...) to the log."""
    _audit(journal_path, origin, action, target, detail, now)


def _audit(  # noqa: PLR0917 (the six fields of one audit entry)
    journal_path: Path, origin: Origin, action: str, target: str, detail: str, now: dt.datetime
) -> None:
    audit.record(
        journal_path,
        actor=origin.name,
        action=action,
        target=target,
        detail=detail,
        address=origin.address,
        now=now,
    )
