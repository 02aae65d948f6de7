"""The admin's pages: the audit log (paginated, filtered by actor, action and date) and the
sessions in force, each of which an admin can end at once."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from missive.access.audit import AuditQuery
from missive.app.people import audit_log, list_sessions, revoke_session
from missive.web.context import services
from missive.web.errors import BadRequestError
from missive.web.views import changing, logged_in, query_number, render

FILTERS = ("actor", "action", "since", "until")


def audit_query(request: Request) -> AuditQuery:
    params = request.query_params
    since, until = _day(params.get("since")), _day(params.get("until"))
    return AuditQuery(
        actor=params.get("actor", "")[:64],
        action=params.get("action", "")[:64],
        since=since,
        until=until + dt.timedelta(days=1) if until else None,  # the whole last day
        page=query_number(request, "page"),
    )


def _day(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text) if text.isascii() else None
    except ValueError:
        day = None
    if day is None:
        raise BadRequestError(f"{text[:20]!r} is not a date like 2026-03-02")
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


async def audit_page(request: Request) -> Response:
    who = logged_in(request)
    found = services(request)
    page = audit_log(found.config.journal_path, who.actor, audit_query(request))
    kept = {k: request.query_params[k] for k in FILTERS if request.query_params.get(k)}

    def link(number: int) -> str:
        return "/audit?" + urlencode({**kept, "page": number})

    context = {"page": page, "filters": kept, "link": link}
    return render(request, "audit.html", context)


async def sessions_page(request: Request) -> Response:
    who = logged_in(request)
    found = services(request)
    config = found.config
    live = list_sessions(config.journal_path, who.actor, found.now(), config.policy)
    context = {"sessions": live, "own": who.session.id if who.session else ""}
    return render(request, "sessions.html", context)


async def revoke(request: Request) -> Response:
    who, _ = await changing(request)
    found = services(request)
    session_id = request.path_params["id"]
    revoke_session(found.config.journal_path, who.actor, session_id, who.origin, found.now())
    return RedirectResponse("/sessions", status_code=303)


ROUTES = [
    Route("/audit", audit_page, methods=["GET"]),
    Route("/sessions", sessions_page, methods=["GET"]),
    Route("/sessions/{id}/revoke", revoke, methods=["POST"]),
]
