"""Who may do what: the one permission matrix of missive.

Every front end asks `can` (or `require`) through the application layer; nothing else
decides. Reviewers are bound to languages: a reviewer may decide only for the languages
of their account. Nobody but a reviewer approves, so an approval always names a person
of the right language service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from missive.errors import PermissionDeniedError
from missive.model import Language


class Role(StrEnum):
    SECRETARIAT = "secretariat"  # checks and renders letters
    REVIEWER = "reviewer"  # approves or rejects the languages of their account
    OPERATOR = "operator"  # sends, schedules, cancels and releases jobs
    ADMIN = "admin"  # manages users, reads the audit log


class Action(StrEnum):
    VIEW = "view letters"
    RENDER = "check and render letters"
    REVIEW = "approve or reject"
    SEND = "send or schedule"
    MANAGE_JOBS = "cancel or release jobs"
    MANAGE_USERS = "manage users"
    READ_AUDIT = "read the audit log"


@dataclass(frozen=True)
class Actor:
    """A logged-in person (or the operating-system user, for the command line)."""

    name: str
    role: Role
    languages: tuple[Language, ...] = ()


MATRIX: dict[Role, frozenset[Action]] = {
    Role.SECRETARIAT: frozenset({Action.VIEW, Action.RENDER}),
    Role.REVIEWER: frozenset({Action.VIEW, Action.REVIEW}),
    Role.OPERATOR: frozenset({Action.VIEW, Action.SEND, Action.MANAGE_JOBS}),
    Role.ADMIN: frozenset({Action.VIEW, Action.MANAGE_USERS, Action.READ_AUDIT}),
}

LANGUAGE_BOUND = frozenset({Action.REVIEW})


def can(actor: Actor | None, action: Action, language: Language | None = None) -> bool:
    """Whether `actor` (None: nobody logged in) may do `action` (for `language`)."""
    if actor is None or action not in MATRIX[actor.role]:
        return False
    if action in LANGUAGE_BOUND:
        return language is not None and language in actor.languages
    return True


def require(actor: Actor | None, action: Action, language: Language | None = None) -> Actor:
    """The actor, or PermissionDeniedError."""
    if actor is None or not can(actor, action, language):
        name = actor.name if actor is not None else "anonymous"
        raise PermissionDeniedError(name, action.value, language.value if language else None)
    return actor
