"""Office hours in each recipient's time zone, so that letters arrive during the working day.

A recipient's zone is the `timezone` column of its row (an IANA name such as
`America/La_Paz`), or else the zone of its country's capital from a small table. A
recipient whose zone is unknown is never held back: a window only delays, and a delay
without a reason would be a recipient silently left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from missive.errors import JobRequestError, ScheduleError
from missive.model import Recipient

WORKDAYS = frozenset(range(5))  # Monday to Friday
SEARCH_DAYS = 8  # any window opens within a week and a day

# The capital's zone: for a country spanning several zones, a recipient row can say better.
# fmt: off
COUNTRY_ZONES: Mapping[str, str] = {
    "AE": "Asia/Dubai", "AM": "Asia/Yerevan", "AR": "America/Argentina/Buenos_Aires",
    "AT": "Europe/Vienna", "AU": "Australia/Sydney", "BD": "Asia/Dhaka",
    "BE": "Europe/Brussels", "BF": "Africa/Ouagadougou", "BO": "America/La_Paz",
    "BR": "America/Sao_Paulo", "BY": "Europe/Minsk", "CA": "America/Toronto",
    "CH": "Europe/Zurich", "CI": "Africa/Abidjan", "CL": "America/Santiago",
    "CM": "Africa/Douala", "CN": "Asia/Shanghai", "CO": "America/Bogota",
    "CR": "America/Costa_Rica", "CU": "America/Havana", "DE": "Europe/Berlin",
    "DZ": "Africa/Algiers", "EC": "America/Guayaquil", "EG": "Africa/Cairo",
    "ES": "Europe/Madrid", "ET": "Africa/Addis_Ababa", "FR": "Europe/Paris",
    "GB": "Europe/London", "GH": "Africa/Accra", "GT": "America/Guatemala",
    "HT": "America/Port-au-Prince", "ID": "Asia/Jakarta", "IN": "Asia/Kolkata",
    "IQ": "Asia/Baghdad", "IR": "Asia/Tehran", "IT": "Europe/Rome", "JM": "America/Jamaica",
    "JO": "Asia/Amman", "JP": "Asia/Tokyo", "KE": "Africa/Nairobi", "KG": "Asia/Bishkek",
    "KR": "Asia/Seoul", "KW": "Asia/Kuwait", "KZ": "Asia/Almaty", "LB": "Asia/Beirut",
    "MA": "Africa/Casablanca", "MX": "America/Mexico_City", "MY": "Asia/Kuala_Lumpur",
    "NG": "Africa/Lagos", "NL": "Europe/Amsterdam", "NZ": "Pacific/Auckland",
    "OM": "Asia/Muscat", "PE": "America/Lima", "PH": "Asia/Manila", "PK": "Asia/Karachi",
    "PY": "America/Asuncion", "QA": "Asia/Qatar", "RU": "Europe/Moscow",
    "SA": "Asia/Riyadh", "SG": "Asia/Singapore", "SN": "Africa/Dakar",
    "SY": "Asia/Damascus", "TH": "Asia/Bangkok", "TJ": "Asia/Dushanbe",
    "TN": "Africa/Tunis", "TR": "Europe/Istanbul", "UA": "Europe/Kyiv",
    "US": "America/New_York", "UY": "America/Montevideo", "UZ": "Asia/Tashkent",
    "VE": "America/Caracas", "VN": "Asia/Ho_Chi_Minh", "ZA": "Africa/Johannesburg",
}
# fmt: on


@dataclass(frozen=True)
class SendWindow:
    """Local opening hours on working days, e.g. 08:00-18:00."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> SendWindow:
        try:
            start_text, end_text = text.split("-")
            window = cls(_clock_time(start_text), _clock_time(end_text))
        except ValueError as exc:
            raise JobRequestError(f"send window {text!r} is not like 08:00-18:00") from exc
        if window.start >= window.end:
            raise JobRequestError(f"send window {text!r} closes before it opens")
        return window

    def is_open(self, zone: ZoneInfo, now: dt.datetime) -> bool:
        local = now.astimezone(zone)
        return local.weekday() in WORKDAYS and self.start <= local.time() < self.end

    def next_opening(self, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
        """`now` if open, else the next local opening time, in UTC."""
        if self.is_open(zone, now):
            return now
        day = now.astimezone(zone).date()
        for offset in range(SEARCH_DAYS):
            date = day + dt.timedelta(days=offset)
            opening = dt.datetime.combine(date, self.start, tzinfo=zone)
            # A start inside a DST gap resolves forward; is_open checks the result.
            if opening.astimezone(dt.UTC) >= now and self.is_open(zone, opening):
                return opening.astimezone(dt.UTC)
        raise ScheduleError(f"send window {self} never opens")  # unreachable for start < end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _clock_time(text: str) -> dt.time:
    """`8:00` or `08:00` (fromisoformat alone wants two digits)."""
    hours, minutes = text.strip().split(":")
    return dt.time(int(hours), int(minutes))


def recipient_zone(recipient: Recipient) -> ZoneInfo | None:
    """The `timezone` column if it names a zone, else the country's capital, else None."""
    for name in (recipient.extra.get("timezone", "").strip(), COUNTRY_ZONES.get(recipient.country)):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return None


def split_by_window(
    recipients: Iterable[Recipient], window: SendWindow, now: dt.datetime
) -> tuple[tuple[Recipient, ...], dict[str, dt.datetime]]:
    """Those to send now, and for the others the UTC time their window next opens."""
    ready: list[Recipient] = []
    later: dict[str, dt.datetime] = {}
    for recipient in recipients:
        zone = recipient_zone(recipient)
        if zone is None or window.is_open(zone, now):
            ready.append(recipient)
        else:
            later[recipient.id] = window.next_opening(zone, now)
    return tuple(ready), later
