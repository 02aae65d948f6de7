"""People and permissions: accounts, roles, login throttling, sessions and the audit log.

The only stage that imports argon2-cffi and itsdangerous. The permission matrix lives in
`missive.access.permissions.can`, and nowhere else.

Importing the package is cheap: each name is imported from its module when first used, so
the command line, which needs `Role` to build its parser, does not load argon2 and
itsdangerous for every command (about 40 ms).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from missive.access.audit import AuditEntry
    from missive.access.permissions import Action, Actor, Role, can, require
    from missive.access.sessions import Session, SessionPolicy
    from missive.access.users import User

_HOMES = {
    "Action": "missive.access.permissions",
    "Actor": "missive.access.permissions",
    "AuditEntry": "missive.access.audit",
    "Role": "missive.access.permissions",
    "Session": "missive.access.sessions",
    "SessionPolicy": "missive.access.sessions",
    "User": "missive.access.users",
    "can": "missive.access.permissions",
    "require": "missive.access.permissions",
}

__all__ = [
    "Action",
    "Actor",
    "AuditEntry",
    "Role",
    "Session",
    "SessionPolicy",
    "User",
    "can",
    "require",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'missive.access' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
