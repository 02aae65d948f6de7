"""Server-rendered pages: log in, letters, review, send, report, audit.

Handlers parse the path, query and form, call the application layer, and render a
template. Every path and query parameter is checked before use: an unknown letter,
language, recipient or page is a 404 that never reaches the file system.
"""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from missive.app.operations import report, report_rows
from missive.app.people import audit_log, log_in
from missive.errors import LoginRefusedError, LoginThrottledError
from missive.web.context import COOKIE, services, set_session_cookie
from missive.web.views import changing, logged_in, render, safe_next

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


ROUTES = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/", letters_page, methods=["GET"]),
    Route("/letters/{key}/report", report_page, methods=["GET"]),
    Route("/letters/{key}/report.csv", report_csv, methods=["GET"]),
    Route("/audit", audit_page, methods=["GET"]),
]
