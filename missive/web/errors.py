"""Errors as HTTP statuses: the one place the workspace turns a MissiveError into a reply.

The API answers with RFC 9457 problem documents (`application/problem+json`: type, title,
status, detail, and the located `problems` of an input error); a visitor not logged in is
sent to the login; other pages get the error page, drawn by the function `handler` is given
(`views.error_page`: errors do not import pages). A refusal (401 on the API, 403) is passed
to `on_refusal` too, for the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from missive.errors import (
    AccessError,
    ApprovalError,
    InputError,
    JobRequestError,
    LoginRefusedError,
    LoginThrottledError,
    MissiveError,
    NotFoundError,
    PermissionDeniedError,
    ScheduleError,
    StaleHashError,
)

PROBLEM = "application/problem+json"


class BadRequestError(MissiveError):
    """A request the API cannot act on: a missing field, a wrong type, an unknown value."""


class MalformedRequestError(MissiveError):
    """A body that is not what it claims: not UTF-8, not JSON, too deep, not valid Unicode."""


class UnsupportedMediaError(MissiveError):
    """A body of a media type the route does not take (JSON only as application/json)."""


class BodyTooLargeError(MissiveError):
    """A request body over the workspace's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is over {limit:,} bytes")


class NotLoggedInError(MissiveError):
    """No valid session: never logged in, expired, idle, ended or account disabled."""

    def __init__(self) -> None:
        super().__init__("log in first (no valid session)")


def status_of(error: MissiveError) -> int:
    statuses: tuple[tuple[type[MissiveError], int], ...] = (
        (NotLoggedInError, 401),
        (LoginRefusedError, 401),
        (LoginThrottledError, 429),
        (PermissionDeniedError, 403),
        (NotFoundError, 404),
        (MalformedRequestError, 400),
        (BodyTooLargeError, 413),
        (UnsupportedMediaError, 415),
        (BadRequestError, 422),
        (InputError, 422),
        (JobRequestError, 422),
        (ApprovalError, 409),
        (StaleHashError, 409),
        (ScheduleError, 409),
        (AccessError, 400),
    )
    return next((code for kind, code in statuses if isinstance(error, kind)), 500)


def problem_response(
    status: int, detail: str, headers: Mapping[str, str] | None = None, **extra: object
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM)


ErrorPage = Callable[[Request, int, str, Mapping[str, str]], Response]
OnRefusal = Callable[[Request, int, str], None]
Handler = Callable[[Request, Exception], Awaitable[Response]]


def handler(error_page: ErrorPage, on_refusal: OnRefusal | None = None) -> Handler:
    """The exception handler of the app, with `error_page` drawing the pages."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, MissiveError)
        status = status_of(exc)
        headers = {}
        if isinstance(exc, LoginThrottledError):
            headers["Retry-After"] = str(exc.retry_after)
        api = request.url.path.startswith("/api/")
        # Refused logins are kept by the login itself; a page visit without a session is
        # sent to log in.
        refused = status == 403 or (status == 401 and api and isinstance(exc, NotLoggedInError))
        if refused and on_refusal is not None:
            on_refusal(request, status, str(exc))
        if api:
            return problem_response(status, str(exc), headers, **_details(exc))
        if status == 401 and not isinstance(exc, LoginRefusedError):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return error_page(request, status, str(exc), headers)

    return handle


def _details(error: MissiveError) -> dict[str, object]:
    """What a client needs beyond the message: the located problems of an input error; the
    hash a decision named, the current one and what changed since, for a stale hash."""
    if isinstance(error, InputError):
        return {"problems": [str(p) for p in error.problems]}
    if isinstance(error, StaleHashError):
        return {
            "language": error.language,
            "hash": error.seen_hash,
            "current_hash": error.current_hash,
            "rendering": error.current_hash is None,
            "changed": list(error.changed),
        }
    return {}


def http_handler(error_page: ErrorPage) -> Handler:
    """Starlette's own refusals (no such route, method not allowed) in the same shapes."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if request.url.path.startswith("/api/"):
            return problem_response(exc.status_code, str(exc.detail), headers)
        return error_page(request, exc.status_code, str(exc.detail), headers)

    return handle
