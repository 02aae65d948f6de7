"""The workspace in the browser and its JSON API (Starlette); a front end of missive.app."""

from missive.web.app import create_app
from missive.web.context import WorkspaceConfig

__all__ = ["WorkspaceConfig", "create_app"]
