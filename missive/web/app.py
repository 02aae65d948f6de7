"""The workspace: one Starlette app with the JSON API, the pages and their static files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from missive.errors import MissiveError
from missive.web import admin_pages, api, pages, review_pages, send_pages
from missive.web.boundary import Boundary
from missive.web.context import Services, WorkspaceConfig, audit_refusal
from missive.web.errors import handler, http_handler
from missive.web.security import SecurityHeaders
from missive.web.views import error_page

STATIC = Path(__file__).resolve().parent / "static"


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    yield
    # The server stops: the journal's connections its worker threads kept are closed.
    services: Services = app.state.services
    services.close()


def create_app(config: WorkspaceConfig) -> Starlette:
    app = Starlette(
        routes=[
            *api.ROUTES,
            *pages.ROUTES,
            *review_pages.ROUTES,
            *send_pages.ROUTES,
            *admin_pages.ROUTES,
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ],
        # Outermost first: the headers go on every reply, the boundary's own refusals and
        # its last-resort 500 included.
        middleware=[
            Middleware(SecurityHeaders, hsts=config.secure_cookies),
            Middleware(Boundary, allowed_hosts=config.allowed_hosts, max_body=config.max_body),
        ],
        exception_handlers={
            MissiveError: handler(error_page, audit_refusal),
            HTTPException: http_handler(error_page),
        },
        lifespan=_lifespan,
    )
    app.state.services = Services(config)
    return app
