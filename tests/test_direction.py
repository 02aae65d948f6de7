"""direction: which runs of a paragraph are isolated, and where an RLM is due."""

from __future__ import annotations

import unicodedata
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from missive.compose.direction import RLM, isolates, mark_rtl_line, mark_rtl_text


def isolated(text: str, *, rtl: bool) -> list[tuple[str, str]]:
    return [(text[i.start : i.end], i.direction) for i in isolates(text, rtl=rtl)]


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("على العنوان wsis-info@itu.int.", ["wsis-info@itu.int"]),
        ("في العنوان التالي: www.wsis.org/forum.", ["www.wsis.org/forum"]),
        ("(المرجع: 2024/0001).", ["2024/0001"]),
        ("بالهاتف +41 22 730 6240، أو", ["+41 22 730 6240"]),
        ("الوثيقة ITU/WSIS/2024/0001 (rev. 1)", ["ITU/WSIS/2024/0001 (rev. 1)"]),
        ("بالسيدة Gitanjali Sah على", ["Gitanjali Sah"]),
        ("السيد (John Smith) المحترم", ["John Smith"]),
        # the sentence's own: a bare number, a range, a sign glued to an Arabic word
        ("من 27 إلى 31 مايو 2024", []),
        ("من 27–31 مايو", []),
        ("لمجتمع المعلومات+20 لعام 2024", []),
        # the Arabic comma is neutral (CS) for the algorithm but ends a Latin run
        ("WSIS، ITU", ["WSIS", "ITU"]),
    ],
)
def test_left_to_right_runs_in_arabic(text: str, runs: list[str]) -> None:
    assert isolated(text, rtl=True) == [(run, "ltr") for run in runs]


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("Dear عبد الله بن أحمد, welcome.", ["عبد الله بن أحمد"]),
        ("Monsieur (محمّدٌ) Ali", ["محمّدٌ"]),
        ("尊敬的 عبد الله 先生：", ["عبد الله"]),
        ("Dear Sir/Madam, 27–31 May 2024 +41 22", []),
    ],
)
def test_right_to_left_runs_in_left_to_right_letters(text: str, runs: list[str]) -> None:
    assert isolated(text, rtl=False) == [(run, "rtl") for run in runs]


def test_runs_never_cross_a_line_break() -> None:
    assert isolated("نص abc\ndef نص", rtl=True) == [("abc", "ltr"), ("def", "ltr")]


@given(st.text(alphabet="abZ19 +-/.،:()@سلامعب٣\n", max_size=40))
def test_every_latin_letter_in_arabic_is_isolated_and_no_arabic_is(text: str) -> None:
    found = isolates(text, rtl=True)
    covered = {index for run in found for index in range(run.start, run.end)}
    for index, character in enumerate(text):
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            assert index in covered
        if kind in ("R", "AL", "AN") or character in "،\n":
            assert index not in covered
    edges = [(run.start, run.end) for run in found]
    assert edges == sorted(edges)
    assert all(a[1] <= b[0] for a, b in pairwise(edges))


@pytest.mark.parametrize(
    ("line", "marked"),
    [
        ("حضرات السادة والسيدات،", "حضرات السادة والسيدات،"),
        ("- جدول الأعمال", RLM + "- جدول الأعمال"),
        ("WSIS+20: دعوة", RLM + "WSIS+20: دعوة"),
        ("(2024) دعوة", RLM + "(2024) دعوة"),
        ("", ""),
    ],
)
def test_rlm_only_where_an_arabic_line_opens_with_a_neutral_or_latin_run(
    line: str, marked: str
) -> None:
    assert mark_rtl_line(line) == marked


def test_marks_are_per_line() -> None:
    assert mark_rtl_text("نص\n\n- بند\nنص") == f"نص\n\n{RLM}- بند\nنص"
