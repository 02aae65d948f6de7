"""What an operator gives `schedule`: the time to send at, in a time zone."""

from __future__ import annotations

import datetime as dt
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
