"""The sending report as HTML, from one template (`templates/report_body.html`): the
workspace's report page includes it, and so does the file `send.py status --html` writes
(`report_document`, a page of its own with its style inline, to read and forward).

Importing this module loads Jinja2 only, not Starlette: the command line renders the file
without the web server's modules.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from missive.app.report import LetterReport

TEMPLATES = Path(__file__).resolve().parent / "templates"


def add_filters(env: Environment) -> None:
    """The report's filters, for any environment that renders `report_body.html`."""
    env.filters["when"] = when
    env.filters["stamp"] = stamp


def report_document(report: LetterReport) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    add_filters(env)
    return env.get_template("report_document.html").render(report=report) + "\n"


def when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def stamp(text: str) -> str:
    """A journal time (ISO 8601) as people read it; left as is if it is not one."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
