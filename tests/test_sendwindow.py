"""Office-hours windows in recipients' time zones."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from missive.errors import ScheduleError
from missive.model import Gender, Group, Language, Recipient
from missive.schedule.window import COUNTRY_ZONES, SendWindow, recipient_zone, split_by_window

OFFICE = SendWindow.parse("08:00-18:00")
WEDNESDAY_NOON_UTC = dt.datetime(2024, 1, 31, 12, 0, tzinfo=dt.UTC)


def person(rid: str, country: str, **extra: str) -> Recipient:
    return Recipient(
        id=rid,
        email=f"{rid}@example.org",
        language=Language.EN,
        group=Group.ACADEMIA,
        name=rid,
        gender=Gender.UNSPECIFIED,
        position="p",
        organization="o",
        country=country,
        extra=extra,
    )


def test_every_country_zone_exists() -> None:
    assert all(ZoneInfo(name) for name in COUNTRY_ZONES.values())


def test_parse_refuses_nonsense() -> None:
    assert str(SendWindow.parse("8:00-17:30")) == "08:00-17:30"
    with pytest.raises(ScheduleError, match="not like 08:00-18:00"):
        SendWindow.parse("morning")
    with pytest.raises(ScheduleError, match="closes before it opens"):
        SendWindow.parse("18:00-08:00")


def test_zone_from_column_then_country_then_none() -> None:
    assert recipient_zone(person("a", "US", timezone="America/Los_Angeles")) == ZoneInfo(
        "America/Los_Angeles"
    )
    assert recipient_zone(person("b", "US", timezone="Not/AZone")) == ZoneInfo("America/New_York")
    assert recipient_zone(person("c", "XX")) is None


def test_split_sends_those_in_office_hours_and_says_when_the_others_open() -> None:
    geneva, tokyo, lima, nowhere = (
        person("geneva", "CH"),
        person("tokyo", "JP"),
        person("lima", "PE"),
        person("x", "XX"),
    )
    ready, later = split_by_window([geneva, tokyo, lima, nowhere], OFFICE, WEDNESDAY_NOON_UTC)
    # 13:00 in Geneva, 21:00 in Tokyo, 07:00 in Lima; an unknown zone is never held back.
    assert [r.id for r in ready] == ["geneva", "x"]
    assert later == {
        "tokyo": dt.datetime(2024, 1, 31, 23, 0, tzinfo=dt.UTC),  # Thursday 08:00 JST
        "lima": dt.datetime(2024, 1, 31, 13, 0, tzinfo=dt.UTC),  # 08:00 PET, the same day
    }


def test_weekend_waits_for_monday_across_a_dst_change() -> None:
    saturday = dt.datetime(2024, 3, 30, 10, 0, tzinfo=dt.UTC)  # Europe moves to CEST Sunday
    zurich = ZoneInfo("Europe/Zurich")
    assert not OFFICE.is_open(zurich, saturday)
    opening = OFFICE.next_opening(zurich, saturday)
    assert opening == dt.datetime(2024, 4, 1, 6, 0, tzinfo=dt.UTC)  # Monday 08:00 CEST
    assert OFFICE.next_opening(zurich, opening) == opening


def test_a_recipient_row_can_override_the_capital() -> None:
    vladivostok = dataclasses.replace(person("v", "RU"), extra={"timezone": "Asia/Vladivostok"})
    ready, later = split_by_window([vladivostok, person("m", "RU")], OFFICE, WEDNESDAY_NOON_UTC)
    assert [r.id for r in ready] == ["m"]  # 15:00 in Moscow, 22:00 in Vladivostok
    assert set(later) == {"v"}
