"""What UN editorial usage keeps on one line, and what it never hyphenates."""

from __future__ import annotations

import pytest

from missive.model import Language
from missive.render.breakrules import NO_BREAK_SPACE, keep_together, no_hyphenation


def _groups(text: str, language: Language) -> list[str]:
    """The unbreakable groups of `text`: what lies between its breakable spaces."""
    return [
        group.replace(NO_BREAK_SPACE, " ") for group in keep_together(text, language).split(" ")
    ]


@pytest.mark.parametrize(
    ("language", "text", "group"),
    [
        (Language.FR, "au plus tard le 20 juin 2025.", "20 juin 2025."),
        (Language.FR, "à compter du 1er juin prochain", "1er juin"),
        (Language.FR, "à S.E. M. Dupont", "S.E. M. Dupont"),
        (Language.FR, "un budget de 5 000 USD", "5 000 USD"),
        (Language.RU, "не позднее 15 сентября 2025 г. просим", "15 сентября 2025 г."),
        (Language.RU, "начиная с 2003 года", "с 2003 года"),
        (Language.RU, "проводится в Женеве и в Нью-Йорке", "в Женеве"),
        (Language.RU, "науки и культуры", "и культуры"),
        (Language.RU, "материалов – 15 февраля", "материалов –"),
        (Language.FR, "du SMSI+20 – 2024/0032", "SMSI+20 –"),
        (Language.RU, "г-н И. П. Сидоров", "г-н И. П. Сидоров"),
        (Language.EN, "from 8–11 July 2025 in Geneva", "8–11 July 2025"),
        (Language.EN, "to H.E. Mr James Okafor", "H.E. Mr James"),
        (Language.EN, "Tel. +41 22 730 6240", "+41 22 730 6240"),
        (Language.EN, "a rise of 15 % a year", "15 %"),
        (Language.ES, "del 27 al 31 de mayo de 2024 en", "31 de mayo de 2024"),
        (Language.ES, "la Sra. García", "Sra. García"),
        (
            Language.AR,
            "من \u206627\u2069 إلى \u206631\u2069 مايو \u20662024\u2069 في",
            "\u206631\u2069 مايو \u20662024\u2069",
        ),
    ],
)
def test_groups_are_kept_on_one_line(language: Language, text: str, group: str) -> None:
    assert group in _groups(text, language)


def test_chinese_text_is_left_alone() -> None:
    assert keep_together("2024年5月27日 至 31日", Language.ZH) == "2024年5月27日 至 31日"


def test_ordinary_words_stay_breakable() -> None:
    text = "We look forward to your participation in this important event."
    assert keep_together(text, Language.EN) == text


@pytest.mark.parametrize(
    "word",
    [
        "UNITAR",
        "ЮНИТАР",
        "UNESCO's",
        "www.wsis.org/forum",
        "wsis-info@itu.int",
        "egov-survey.example.org/questionnaire",
        "https://example.org/a-long-path",
    ],
)
def test_acronyms_urls_and_addresses_are_never_hyphenated(word: str) -> None:
    text = f"see {word} now"
    spans = no_hyphenation(text)
    start = text.index(word)
    assert any(a <= start and start + len(word) <= b for a, b in spans), spans


def test_ordinary_words_may_be_hyphenated() -> None:
    assert no_hyphenation("Department of Economic and Social Affairs") == []
