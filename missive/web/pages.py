"""Server-rendered pages: log in and out, letters, report (the admin's: admin_pages).

Handlers parse the path, query and form, call the application layer, and render a
template. Every path and query parameter is checked before use: an unknown letter,
language, recipient or page is a 404 that never reaches the file system.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from missive.app.operations import report, report_rows
from missive.app.people import log_in, log_out, start_session
from missive.app.spreadsheet import csv_text
from missive.errors import LoginRefusedError, LoginThrottledError
from missive.web.context import (
    LOGIN_FIELD,
    client_address,
    end_session_cookie,
    login_form_ok,
    login_form_token,
    services,
    set_session_cookie,
)
from missive.web.views import attachment, changing, logged_in, render, safe_next

# --- log in and out -----------------------------------------------------------------


async def login_form(request: Request) -> Response:
    return login_page(request, {"next": safe_next(request.query_params.get("next"))})


def login_page(request: Request, context: Mapping[str, Any], status: int = 200) -> Response:
    """The login form, with a fresh pre-session token (its cookie and its form field)."""
    cookie_value, token = services(request).form_tokens.issue()
    response = render(request, "login.html", {**context, "login_token": token}, status)
    login_form_token(request, response, cookie_value)
    return response


async def login(request: Request) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    if not login_form_ok(request, str(form.get(LOGIN_FIELD, ""))):
        context = {"next": target, "error": "this form has expired: log in again"}
        return login_page(request, context, 403)
    found = services(request)
    address = client_address(request)
    journal = found.config.journal_path
    try:
        # An argon2 check takes a few hundred ms: in a worker thread, not on the event loop.
        user = await run_in_threadpool(log_in, journal, username, password, address, found.now())
    except (LoginRefusedError, LoginThrottledError) as error:
        status, headers = 401, {}
        if isinstance(error, LoginThrottledError):
            status, headers = 429, {"Retry-After": str(error.retry_after)}
        context = {"next": target, "error": str(error), "username": username[:64]}
        refused = login_page(request, context, status)
        refused.headers.update(headers)
        return refused
    config = found.config
    token, _ = await run_in_threadpool(
        start_session, config.journal_path, user, address, found.now(), config.policy
    )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token)
    return response


async def logout(request: Request) -> Response:
    who, _ = await changing(request)
    found = services(request)
    assert who.session is not None
    log_out(found.config.journal_path, who.session, who.origin, found.now())
    response = RedirectResponse("/login", status_code=303)
    end_session_cookie(response, request)
    return response


# --- letters and report ----------------------------------------------------------------


def letters_page(request: Request) -> Response:
    # A plain function: Starlette runs it in a worker thread, off the event loop.
    who = logged_in(request)
    found = services(request)
    summaries = found.shelf.overview(who.actor)
    progress = {s.key: found.operations.progress(who.actor, s.key, found.now()) for s in summaries}
    return render(request, "letters.html", {"letters": summaries, "progress": progress})


async def report_page(request: Request) -> Response:
    who = logged_in(request)
    found = services(request)
    key = request.path_params["key"]
    if not found.config.journal_path.exists():
        found.shelf.path_of(key)
        return render(request, "report.html", {"key": key, "report": None})
    letter_report = report(found.operations, who.actor, key, found.now())
    return render(request, "report.html", {"key": key, "report": letter_report})


async def report_csv(request: Request) -> Response:
    who = logged_in(request)
    key = request.path_params["key"]
    rows = report_rows(services(request).operations, who.actor, key)
    return Response(
        csv_text(rows),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": attachment(f"{key}-status.csv")},
    )


ROUTES = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/", letters_page, methods=["GET"]),
    Route("/letters/{key}/report", report_page, methods=["GET"]),
    Route("/letters/{key}/report.csv", report_csv, methods=["GET"]),
]
