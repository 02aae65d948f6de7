"""Reviewer accounts for the tests that approve at the terminal (`approve --user NAME`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from missive.access.permissions import Role
from missive.app.people import NewUser, Origin, add_user, list_users
from missive.model import Language

PASSWORD = "a reviewer's long password"


def add_reviewer(
    journal: Path,
    name: str = "tester",
    languages: Sequence[Language] = tuple(Language),
    role: Role = Role.REVIEWER,
) -> None:
    """An account (reviewer of every language by default), unless it exists already."""
    journal.parent.mkdir(parents=True, exist_ok=True)
    if journal.exists() and any(u.name == name for u in list_users(journal)):
        return
    request = NewUser(
        journal, name, role, PASSWORD, tuple(languages) if role is Role.REVIEWER else ()
    )
    add_user(request, Origin("test", "-"), dt.datetime.now(dt.UTC))
