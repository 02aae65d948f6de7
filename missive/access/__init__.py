"""People and permissions: accounts, roles, login throttling, sessions and the audit log.

The only stage that imports argon2-cffi and itsdangerous. The permission matrix lives in
`missive.access.permissions.can`, and nowhere else.
"""

from missive.access.audit import AuditEntry
from missive.access.permissions import Action, Actor, Role, can, require
from missive.access.sessions import Session, SessionSigner
from missive.access.users import User

__all__ = [
    "Action",
    "Actor",
    "AuditEntry",
    "Role",
    "Session",
    "SessionSigner",
    "User",
    "can",
    "require",
]
