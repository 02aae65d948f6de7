"""Accounts: name, role, languages, an argon2 hash of the password, enabled or not.

Passwords are never stored, logged or shown: only their argon2id hash is kept. A check
against an unknown or disabled account still spends one hash, so timing does not tell
which names exist.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from missive.access.permissions import Actor, Role
from missive.access.store import access_db
from missive.errors import AccessError, LoginRefusedError
from missive.model import Language
from missive.storage import reuse

MIN_PASSWORD = 10
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_hasher = PasswordHasher()
# Each check holds its memory cost (64 MiB): a server that checks the logins of many people
# at once, each in its own thread, does two at a time rather than grow by 64 MiB a login.
_checks = threading.BoundedSemaphore(2)


@reuse.once
def _dummy_hash() -> str:
    # Made on first use, not at import: every CLI command imports this module, and an argon2
    # hash costs about half a second. Verifying against it for an unknown name keeps a login
    # for a name that does not exist as slow as a wrong password.
    return _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    languages: tuple[Language, ...]
    disabled: bool
    created_at: dt.datetime

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.languages)


def add_user(
    journal_path: Path,
    name: str,
    role: Role,
    password: str,
    languages: Sequence[Language] = (),
    *,
    now: dt.datetime,
) -> User:
    _check_name(name)
    _check_password(password)
    if role is Role.REVIEWER and not languages:
        raise AccessError("a reviewer needs --languages (the languages they review)")
    if role is not Role.REVIEWER and languages:
        raise AccessError("only reviewers are bound to languages")
    stamp = now.astimezone(dt.UTC).isoformat()
    with access_db(journal_path) as conn:
        try:
            conn.execute(
                "INSERT INTO users (name, role, languages, password_hash, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (name, role.value, _langs(languages), _hasher.hash(password), stamp, stamp),
            )
        except sqlite3.IntegrityError as exc:
            raise AccessError(f"a user named {name} already exists") from exc
        return _read(conn, name)


def list_users(journal_path: Path) -> tuple[User, ...]:
    with access_db(journal_path) as conn:
        rows = conn.execute("SELECT * FROM users ORDER BY name").fetchall()
    return tuple(_user(row) for row in rows)


def get_user(journal_path: Path, name: str) -> User | None:
    with access_db(journal_path) as conn:
        row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    return None if row is None else _user(row)


def set_disabled(journal_path: Path, name: str, disabled: bool, *, now: dt.datetime) -> User:
    with access_db(journal_path) as conn:
        _update(conn, name, "disabled = ?", int(disabled), now)
        return _read(conn, name)


def set_password(journal_path: Path, name: str, password: str, *, now: dt.datetime) -> User:
    _check_password(password)
    with access_db(journal_path) as conn:
        _update(conn, name, "password_hash = ?", _hasher.hash(password), now)
        return _read(conn, name)


def verify_password(journal_path: Path, name: str, password: str) -> User:
    """The enabled user with this name and password, else LoginRefusedError."""
    with access_db(journal_path) as conn:
        row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    stored = str(row["password_hash"]) if row is not None else _dummy_hash()
    try:
        with _checks:
            _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError) as exc:
        raise LoginRefusedError() from exc
    if row is None or row["disabled"]:
        raise LoginRefusedError()
    return _user(row)


def _update(
    conn: sqlite3.Connection, name: str, assignment: str, value: object, now: dt.datetime
) -> None:
    changed = conn.execute(
        f"UPDATE users SET {assignment}, updated_at = ? WHERE name = ?",
        (value, now.astimezone(dt.UTC).isoformat(), name),
    ).rowcount
    if changed != 1:
        raise AccessError(f"no user named {name}")


def _read(conn: sqlite3.Connection, name: str) -> User:
    row = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise AccessError(f"no user named {name}")
    return _user(row)


def _user(row: sqlite3.Row) -> User:
    languages = tuple(Language(code) for code in str(row["languages"]).split(",") if code)
    return User(
        name=row["name"],
        role=Role(row["role"]),
        languages=languages,
        disabled=bool(row["disabled"]),
        created_at=dt.datetime.fromisoformat(row["created_at"]),
    )


def _langs(languages: Sequence[Language]) -> str:
    return ",".join(dict.fromkeys(lang.value for lang in languages))


def _check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise AccessError(
            f"bad user name {name!r}: letters, digits and . _ @ - (at most 64 characters)"
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"a password needs at least {MIN_PASSWORD} characters")
