"""The workspace: one Starlette app with the JSON API, the pages and their static files."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from missive.errors import MissiveError
from missive.web import api, pages, review_pages, send_pages
from missive.web.context import Services, WorkspaceConfig
from missive.web.errors import handler
from missive.web.security import SecurityHeaders
from missive.web.views import error_page

STATIC = Path(__file__).resolve().parent / "static"


def create_app(config: WorkspaceConfig) -> Starlette:
    app = Starlette(
        routes=[
            *api.ROUTES,
            *pages.ROUTES,
            *review_pages.ROUTES,
            *send_pages.ROUTES,
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={MissiveError: handler(error_page)},
    )
    app.state.services = Services(config)
    return app
