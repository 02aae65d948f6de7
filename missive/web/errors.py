"""Errors as HTTP statuses: the one place the workspace turns a MissiveError into a reply."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

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


async def handle(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MissiveError)
    status = status_of(exc)
    headers = {}
    if isinstance(exc, LoginThrottledError):
        headers["Retry-After"] = str(exc.retry_after)
    if request.url.path.startswith("/api/"):
        body: dict[str, object] = {"error": str(exc)}
        if isinstance(exc, InputError):
            body["problems"] = [str(p) for p in exc.problems]
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401 and not isinstance(exc, LoginRefusedError):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    from missive.web.pages import error_page

    return error_page(request, status, str(exc), headers)
