"""Dates in UN editorial style: every month, every language, intervals across months and years."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from babel import Locale

from missive.compose.composer import Composer
from missive.compose.dates import UnDates, close_date_points, mark_date
from missive.load import load_letter
from missive.load.letter import DEFAULT_LOCALES
from missive.model import Gender, Group, Language, Paragraph, Recipient

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters/wsis20-invitation.yaml"
NNBSP = "\u202f"

# Month names as UN documents print them after a day (Russian takes the genitive).
MONTHS = {
    Language.EN: "January February March April May June July August September October "
    "November December",
    Language.FR: "janvier février mars avril mai juin juillet août septembre octobre "
    "novembre décembre",
    Language.ES: "enero febrero marzo abril mayo junio julio agosto septiembre octubre "
    "noviembre diciembre",
    Language.RU: "января февраля марта апреля мая июня июля августа сентября октября "
    "ноября декабря",
    Language.AR: "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
}


def month(language: Language, number: int) -> str:
    return MONTHS[language].split()[number - 1]


def long_date(language: Language, day: int, number: int, year: int) -> str:
    """The expected UN long date, written out independently of the code under test."""
    if language is Language.ZH:
        return f"{year}年{number}月{day}日"
    name = month(language, number)
    if language is Language.FR and day == 1:
        return f"1er {name} {year}"
    return {
        Language.EN: f"{day} {name} {year}",
        Language.FR: f"{day} {name} {year}",
        Language.ES: f"{day} de {name} de {year}",
        Language.RU: f"{day} {name} {year}{NNBSP}г.",
        Language.AR: f"{day} {name} {year}",
    }[language]


def dates(language: Language) -> UnDates:
    return UnDates(language, Locale.parse(DEFAULT_LOCALES[language]))


MONTH_NUMBERS = range(1, 13)


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("number", MONTH_NUMBERS)
def test_long_dates_have_full_month_names(language: Language, number: int) -> None:
    for day in (1, 15):
        assert dates(language).format(dt.date(2025, number, day)) == long_date(
            language, day, number, 2025
        )


SAME_MONTH = {
    Language.EN: "8–11 {m} 2025",
    Language.FR: "8-11 {m} 2025",
    Language.ES: "8–11 de {m} de 2025",
    Language.RU: "8–11 {m} 2025\u202fг.",
    Language.AR: "8–11 {m} 2025",
}


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("number", MONTH_NUMBERS)
def test_interval_within_a_month(language: Language, number: int) -> None:
    text = dates(language).interval(dt.date(2025, number, 8), dt.date(2025, number, 11))
    if language is Language.ZH:
        assert text == f"2025年{number}月8日至11日"
    else:
        assert text == SAME_MONTH[language].format(m=month(language, number))


def _cross_month(language: Language, first: int, second: int) -> str:
    a, b = (month(language, first), month(language, second)) if language in MONTHS else ("", "")
    return {
        Language.EN: f"30 {a}–2 {b} 2025",
        Language.FR: f"30 {a}-2 {b} 2025",
        Language.ES: f"30 de {a}–2 de {b} de 2025",
        Language.RU: f"30 {a} – 2 {b} 2025{NNBSP}г.",
        Language.AR: f"30 {a} – 2 {b} 2025",
        Language.ZH: f"2025年{first}月30日至{second}月2日",
    }[language]


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("number", range(1, 12))
def test_interval_across_months(language: Language, number: int) -> None:
    # The 30th does not exist in February: start on the 28th there.
    start_day = 28 if number == 2 else 30
    text = dates(language).interval(dt.date(2025, number, start_day), dt.date(2025, number + 1, 2))
    assert text == _cross_month(language, number, number + 1).replace("30", str(start_day), 1)


CROSS_YEAR = {
    Language.EN: "28 December 2025–3 January 2026",
    Language.FR: "28 décembre 2025-3 janvier 2026",
    Language.ES: "28 de diciembre de 2025–3 de enero de 2026",
    Language.RU: f"28 декабря 2025{NNBSP}г. – 3 января 2026{NNBSP}г.",
    Language.AR: "28 ديسمبر 2025 – 3 يناير 2026",
    Language.ZH: "2025年12月28日至2026年1月3日",
}


@pytest.mark.parametrize("language", list(Language))
def test_interval_across_years(language: Language) -> None:
    assert (
        dates(language).interval(dt.date(2025, 12, 28), dt.date(2026, 1, 3))
        == (CROSS_YEAR[language])
    )


@pytest.mark.parametrize("language", list(Language))
def test_one_day_interval_is_the_long_date(language: Language) -> None:
    day = dt.date(2025, 7, 8)
    assert dates(language).interval(day, day) == dates(language).format(day)


def test_region_does_not_change_un_style() -> None:
    american = UnDates(Language.EN, Locale.parse("en_US"))
    assert american.format(dt.date(2025, 7, 8)) == "8 July 2025"
    assert american.interval(dt.date(2025, 7, 8), dt.date(2025, 7, 11)) == "8–11 July 2025"


def test_other_patterns_stay_babel() -> None:
    assert dates(Language.EN).format(dt.date(2025, 7, 8), "d") == "8"
    assert dates(Language.FR).format(dt.date(2025, 7, 1), "d") == "1er"
    assert dates(Language.FR).format(dt.date(2025, 7, 1), "full") == "mardi 1er juillet 2025"


def test_a_final_point_is_not_doubled() -> None:
    ru = "15 сентября 2025\u202fг."
    assert close_date_points(f"до {mark_date(ru)}.") == f"до {ru}"
    # As the markup escapes it: "г\\." then the sentence's own point.
    escaped = ru.replace(".", "\\.")
    assert close_date_points(f"до {mark_date(escaped)}.") == f"до {escaped}"
    assert close_date_points(f"{mark_date('15 July 2025')}.") == "15 July 2025."
    assert close_date_points(f"({mark_date(ru)}).") == f"({ru})."


@pytest.fixture(scope="module")
def sentence_letter(tmp_path_factory: pytest.TempPathFactory) -> Composer:
    """The sample letter with a body whose sentences end on dates, in every language."""
    folder = tmp_path_factory.mktemp("templates")
    body = (
        "Reply by {{ deadline }}.\n\nHeld {{ event_dates }}.\n\n"
        "Closing {{ event.end | date }}.\n\nSent {{ letter_date }}.\n"
    )
    for language in Language:
        (folder / f"t.{language}.md.j2").write_text(body, encoding="utf-8")
        (folder / f"t.cover.{language}.md.j2").write_text(body, encoding="utf-8")
    letter = dataclasses.replace(
        load_letter(SAMPLE),
        templates_dir=folder,
        template="t",
        deadline=dt.date(2025, 9, 15),
        subject={language: "Until {{ deadline }}." for language in Language},
    )
    return Composer(letter)


@pytest.mark.parametrize("language", list(Language))
def test_sentences_ending_on_a_date_end_in_one_point(
    sentence_letter: Composer, language: Language
) -> None:
    recipient = Recipient(
        id="r1",
        email="r@example.org",
        language=language,
        group=Group.GOVERNMENTS,
        name="R",
        gender=Gender.UNSPECIFIED,
        position="",
        organization="",
        country="CH",
    )
    composed = sentence_letter.compose(recipient)
    texts = ["".join(r.text for r in b.runs) for b in composed.body if isinstance(b, Paragraph)]
    for text in [*texts, composed.subject, composed.cover.text]:
        assert ".." not in text
        assert "\ue000" not in text
    if language is Language.RU:
        assert texts[0] == f"Reply by 15 сентября 2025{NNBSP}г."
        assert composed.subject == f"Until 15 сентября 2025{NNBSP}г."
    if language is Language.EN:
        assert texts[0] == "Reply by 15 September 2025."
