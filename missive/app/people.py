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

from missive.access import audit, throttle, users
from missive.access.audit import AuditEntry
from missive.access.permissions import Action, Actor, Role, require
from missive.access.sessions import Session
from missive.access.users import User
from missive.errors import LoginRefusedError
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
    _audit(journal_path, origin, "disable user", user.name, "", now)
    return user


def change_password(
    journal_path: Path, name: str, password: str, origin: Origin, now: dt.datetime
) -> User:
    user = users.set_password(journal_path, name, password, now=now)
    _audit(journal_path, origin, "change password", user.name, "", now)
    return user


def log_in(
    journal_path: Path, username: str, password: str, address: str, now: dt.datetime
) -> User:
    """The user, or LoginRefusedError / LoginThrottledError; every attempt is audited."""
    throttle.check_allowed(journal_path, username, address, now)
    try:
        user = users.verify_password(journal_path, username, password)
    except LoginRefusedError:
        throttle.record_failure(journal_path, username, address, now)
        _audit(journal_path, Origin(username, address), "login refused", username, "", now)
        raise
    _audit(journal_path, Origin(user.name, address), "log in", user.name, "", now)
    return user


def session_user(journal_path: Path, session: Session | None) -> User | None:
    """The enabled account a session belongs to, if its password has not changed since."""
    if session is None:
        return None
    user = users.get_user(journal_path, session.username)
    if user is None or user.disabled or user.password_stamp != session.password_stamp:
        return None
    return user


def audit_log(journal_path: Path, actor: Actor | None, limit: int = 200) -> Sequence[AuditEntry]:
    require(actor, Action.READ_AUDIT)
    return audit.entries(journal_path, limit)


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
