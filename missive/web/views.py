"""What every page handler of the workspace shares: rendering a template for the visitor,
the login and CSRF checks, reading path and query parameters, and the page of an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from missive.access.permissions import Action, can
from missive.errors import NotFoundError, PermissionDeniedError
from missive.model import Language
from missive.web.context import CSRF_FIELD, Visitor, visitor
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
        assert who.actor is not None
        raise PermissionDeniedError(who.actor.name, "change anything without a valid CSRF token")
    return who, fields


def query_number(request: Request, name: str, default: int = 1) -> int:
    """A positive integer from the query string, or 404 (never a path built from it)."""
    text = request.query_params.get(name)
    if text is None:
        return default
    # ASCII digits only: "²".isdigit() is true, and int("²") raises.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_QUERY_NUMBER:
        raise NotFoundError(f"{name}={text!r} is not a page of this workspace")
    return int(text)


def attachment(filename: str) -> str:
    """Content-Disposition for a download (RFC 6266): an ASCII fallback that cannot break
    out of its quotes, and the exact name percent-encoded in `filename*`."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


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
