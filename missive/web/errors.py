"""Errors as HTTP statuses: the one place the workspace gives a MissiveError its status
(`views.handle` makes the reply)."""

from __future__ import annotations

from missive.errors import (
    AccessError,
    ApprovalError,
    InputError,
    LoginRefusedError,
    LoginThrottledError,
    MissiveError,
    NotFoundError,
    PermissionDeniedError,
    ScheduleError,
)


class BadRequestError(MissiveError):
    """A request the API cannot read: a missing field, a wrong type, an unknown value."""


class NotLoggedInError(MissiveError):
    """No valid session: never logged in, expired, password changed or account disabled."""

    def __init__(self) -> None:
        super().__init__("log in first (no valid session)")


def status_of(error: MissiveError) -> int:
    statuses: tuple[tuple[type[MissiveError], int], ...] = (
        (NotLoggedInError, 401),
        (LoginRefusedError, 401),
        (LoginThrottledError, 429),
        (PermissionDeniedError, 403),
        (NotFoundError, 404),
        (BadRequestError, 422),
        (InputError, 422),
        (ApprovalError, 409),
        (ScheduleError, 409),
        (AccessError, 400),
    )
    return next((code for kind, code in statuses if isinstance(error, kind)), 500)
