"""The Jinja2 sandbox of one letter language: Babel filters, literal values, located errors."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import jinja2.exceptions
from babel import Locale
from babel.dates import format_interval
from babel.lists import format_list
from babel.numbers import format_decimal
from jinja2.environment import TemplateModule
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import concat

from missive.compose.dates import UnDates, close_date_points, mark_date
from missive.compose.kept_templates import KeptBytecode
from missive.compose.markup import escape_markup
from missive.data.countries import country_name
from missive.errors import Problem
from missive.model import Language

_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
UN_INTERVAL = "yMMMMd"
# Variables a template may only use when the letter has the optional key that provides them.
_OPTIONAL_KEYS = {
    "event": "event",
    "event_dates": "event",
    "event_place": "event",
    "deadline": "deadline",
}


class BabelFilters:
    """Formatting in one Babel locale, exposed to templates as filters."""

    def __init__(self, locale: Locale, language: Language) -> None:
        self.locale = locale
        self.language = language
        self.dates = UnDates(language, locale)

    def date(self, value: dt.date, format: str = "long") -> str:
        """UN style for `long` (the default); Babel for other names and CLDR patterns."""
        return self.dates.format(value, format)

    def interval(self, start: dt.date, end: dt.date, skeleton: str = UN_INTERVAL) -> str:
        """UN style with full month names; another skeleton asks Babel's CLDR interval."""
        if skeleton == UN_INTERVAL:
            return self.dates.interval(start, end)
        return str(format_interval(start, end, skeleton, locale=self.locale))

    def printed_date(self, value: dt.date, format: str = "long") -> str:
        return mark_date(self.date(value, format))

    def printed_interval(self, start: dt.date, end: dt.date, skeleton: str = UN_INTERVAL) -> str:
        return mark_date(self.interval(start, end, skeleton))

    def join_list(self, items: Sequence[str], style: str = "standard") -> str:
        return format_list([str(item) for item in items], style=style, locale=self.locale)  # type: ignore[arg-type]

    def number(self, value: float, format: str | None = None) -> str:
        # Latin digits in every language, Arabic included, as UN documents print them.
        return format_decimal(value, format, locale=self.locale, numbering_system="latn")

    def without_scheme(self, url: str) -> str:
        """A web address as printed in prose: "www.example.org/forum"."""
        return url.split("://", 1)[-1].removeprefix("mailto:").rstrip("/")

    def country(self, code: str) -> str:
        """The UN's short name of the country or area, in the letter's language (not
        CLDR's: "Russian Federation", "Holy See"); the code itself if the UN has none."""
        return country_name(code, self.language) or code

    def literal(self, value: object) -> object:
        """Jinja2 `finalize`: what `{{ ... }}` prints is text, never markup."""
        if isinstance(value, str):
            return escape_markup(value)
        if isinstance(value, dt.date):
            return escape_markup(self.printed_date(value))
        return escape_markup(str(value))


class LetterTemplate(jinja2.Template):
    """A template whose output carries no date marks (see `missive.compose.dates`)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        return close_date_points(super().render(*args, **kwargs))

    def make_module(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> TemplateModule:
        context = self.new_context(vars, shared, locals)
        body = close_date_points(concat(self.root_render_func(context)))
        return TemplateModule(self, context, [body])


def build_environment(templates_dir: Path, filters: BabelFilters) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir),
        undefined=jinja2.StrictUndefined,
        # The markup parser, not HTML escaping, makes values literal (see `literal`).
        autoescape=False,
        finalize=filters.literal,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=KeptBytecode(),
    )
    env.template_class = LetterTemplate
    bound: Mapping[str, Callable[..., str]] = {
        "date": filters.printed_date,
        "interval": filters.printed_interval,
        "join_list": filters.join_list,
        "number": filters.number,
        "country": filters.country,
        "without_scheme": filters.without_scheme,
    }
    env.filters.update(bound)
    return env


def template_problem(exc: jinja2.TemplateError, path: Path, shown: Path) -> Problem:
    """Locate a Jinja2 error in the template file `path` (reported as `shown`)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Problem(shown, exc.lineno or 1, 1, f"template syntax error: {exc.message}")
    line = _template_line(exc.__traceback__, str(path))
    return Problem(shown, line, 1, error_message(exc))


def error_message(exc: jinja2.TemplateError) -> str:
    message = exc.message or type(exc).__name__
    if isinstance(exc, jinja2.UndefinedError):
        match = _UNDEFINED_NAME.match(message)
        if match is None:
            return f"undefined: {message}"
        name = match.group(1)
        key = _OPTIONAL_KEYS.get(name)
        hint = f" (the letter has no '{key}:')" if key else ""
        return f"undefined variable '{name}'{hint}"
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {message}"
    return f"template error: {message}"


def _template_line(tb: TracebackType | None, filename: str) -> int:
    """The deepest traceback frame in the template: Jinja2 rewrites its frames so that
    their file and line are the template's own."""
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
