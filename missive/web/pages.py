"""Server-rendered pages: log in, letters, review, send, report, audit.

Handlers parse the path, query and form, call the application layer, and render a
template. Every path and query parameter is checked before use: an unknown letter,
language, recipient or page is a 404 that never reaches the file system.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from missive.access.permissions import Action, can
from missive.app.people import audit_log, log_in
from missive.errors import LoginRefusedError, LoginThrottledError, NotFoundError
from missive.model import Language
from missive.web.context import (
    COOKIE,
    CSRF_FIELD,
    Visitor,
    services,
    set_session_cookie,
    visitor,
)
from missive.web.errors import NotLoggedInError
from missive.web.report_view import TEMPLATES, add_filters

templates = Jinja2Templates(directory=TEMPLATES)
add_filters(templates.env)
MAX_QUERY_NUMBER = 100_000


def render(
    request: Request, name: str, context: Mapping[str, Any], status: int = 200
) -> HTMLResponse:
    who = visitor(request)
    base = {
        "actor": who.actor,
        "csrf_token": who.session.csrf_token if who.session else "",
        "can": can,
        "Action": Action,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def error_page(request: Request, status: int, message: str, headers: Mapping[str, str]) -> Response:
    response = render(request, "error.html", {"status": status, "message": message}, status)
    response.headers.update(headers)
    return response


def logged_in(request: Request) -> Visitor:
    who = visitor(request)
    if who.actor is None:
        raise NotLoggedInError()
    return who


async def changing(request: Request) -> tuple[Visitor, Mapping[str, str]]:
    """A logged-in visitor and the form, whose CSRF token must match the session's."""
    who = logged_in(request)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not who.csrf_ok(fields.get(CSRF_FIELD)):
        from missive.errors import PermissionDeniedError

        assert who.actor is not None
        raise PermissionDeniedError(who.actor.name, "change anything without a valid CSRF token")
    return who, fields


def query_number(request: Request, name: str, default: int = 1) -> int:
    """A positive integer from the query string, or 404 (never a path built from it)."""
    text = request.query_params.get(name)
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_QUERY_NUMBER:
        raise NotFoundError(f"{name}={text!r} is not a page of this workspace")
    return int(text)


def language_param(text: str | None) -> Language:
    try:
        return Language(text or "")
    except ValueError as exc:
        raise NotFoundError(f"no language {text!r}") from exc


def safe_next(target: str | None) -> str:
    """Only a path of this site: never `//other.site` or an absolute URL."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# --- log in and out -----------------------------------------------------------------


async def login_form(request: Request) -> Response:
    return render(request, "login.html", {"next": safe_next(request.query_params.get("next"))})


async def login(request: Request) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    found = services(request)
    address = request.client.host if request.client else "unknown"
    try:
        user = log_in(found.config.journal_path, username, password, address, found.now())
    except (LoginRefusedError, LoginThrottledError) as error:
        status = 429 if isinstance(error, LoginThrottledError) else 401
        context = {"next": target, "error": str(error), "username": username}
        return render(request, "login.html", context, status)
    token, _ = found.signer.issue(user.name, user.password_stamp, found.now())
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token)
    return response


async def logout(request: Request) -> Response:
    await changing(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# --- letters and report ----------------------------------------------------------------


async def letters_page(request: Request) -> Response:
    who = logged_in(request)
    found = services(request)
    summaries = found.shelf.overview(who.actor)
    progress = {s.key: found.operations.progress(who.actor, s.key, found.now()) for s in summaries}
    return render(request, "letters.html", {"letters": summaries, "progress": progress})


async def report_page(request: Request) -> Response:
    from missive.app.operations import report

    who = logged_in(request)
    found = services(request)
    key = request.path_params["key"]
    if not found.config.journal_path.exists():
        found.shelf.path_of(key)
        return render(request, "report.html", {"key": key, "report": None})
    letter_report = report(found.operations, who.actor, key, found.now())
    return render(request, "report.html", {"key": key, "report": letter_report})


async def report_csv(request: Request) -> Response:
    from missive.app.operations import report_rows

    who = logged_in(request)
    key = request.path_params["key"]
    rows = report_rows(services(request).operations, who.actor, key)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{key}-status.csv"'},
    )


async def audit_page(request: Request) -> Response:
    who = logged_in(request)
    entries = audit_log(services(request).config.journal_path, who.actor)
    return render(request, "audit.html", {"entries": entries})


def routes() -> list[Route]:
    from missive.web import review_pages, send_pages

    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", letters_page, methods=["GET"]),
        Route("/letters/{key}/report", report_page, methods=["GET"]),
        Route("/letters/{key}/report.csv", report_csv, methods=["GET"]),
        Route("/audit", audit_page, methods=["GET"]),
        *review_pages.ROUTES,
        *send_pages.ROUTES,
    ]
