"""What an operator gives `schedule`: the time to send at, and send options without secrets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from missive.errors import ScheduleError


def parse_due(text: str, tz: str = "UTC") -> dt.datetime:
    """`2024-02-01 09:00`, with optional seconds or ISO 8601 with an offset, as UTC.

    A time without an offset is read in `tz`; one with an offset keeps its offset.
    """
    zone = zone_named(tz)
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ScheduleError(
            f"--at {text!r} is not a date and time like 2024-02-01 09:00 or ISO 8601"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def zone_named(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {tz!r} (use a name like Europe/Zurich)") from exc


def without_secrets(options: Sequence[str]) -> tuple[str, ...]:
    """Drop any password from an --smtp URL and the --no-dry-run the worker adds itself."""
    cleaned: list[str] = []
    after_smtp = False
    for option in options:
        if option == "--no-dry-run":
            continue
        if after_smtp:
            cleaned.append(_strip_password(option))
        elif option.startswith("--smtp="):
            cleaned.append("--smtp=" + _strip_password(option.removeprefix("--smtp=")))
        else:
            cleaned.append(option)
        after_smtp = option == "--smtp"
    return tuple(cleaned)


def _strip_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))
