"""textflow and bidi: properties of line breaking and reordering on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missive.model import Language, Run
from missive.render.bidi import isolate_ltr
from missive.render.bidi_runs import levels, runs, visual_order
from missive.render.fill import GLYPH_SCALING
from missive.render.hyphens import SOFT_HYPHEN, hyphenate
from missive.render.textflow import (
    NO_START,
    Align,
    Line,
    TextStyle,
    _Breaker,
    char_width,
    layout,
    make_pieces,
)

WORDS = st.sampled_from(
    [
        "letter", "Forum", "WSIS+20", "2024", "+41", "(UIT)", "www.wsis.org/forum",
        "القمة", "العالمية", "لمجتمع", "(الأمانة)", "المعلومات،", "Gitanjali\u00a0Sah",
        "信息社会", "世界峰会", "（WSIS）", "，", "。", "：", "Иван", "Женева,", "élan",
    ]
)  # fmt: skip
TEXTS = st.lists(WORDS, min_size=1, max_size=40).map(" ".join)


@settings(max_examples=120, deadline=None)
@given(
    text=TEXTS,
    language=st.sampled_from(list(Language)),
    width=st.floats(40, 400),
    align=st.sampled_from(list(Align)),
)
def test_lines_cover_the_text_in_order_and_drop_only_spaces(
    text: str, language: Language, width: float, align: Align
) -> None:
    style = TextStyle(language, align=align)
    breaker = _Breaker(make_pieces((Run(text),), style), style)
    spans = breaker.lines(width)
    position = 0
    for start, end, _ in spans:
        assert all(char in " \n" for char in breaker.chars[position:start])
        assert start <= end
        position = end
    assert all(char in " \n" for char in breaker.chars[position:])
    kept = "".join("".join(breaker.chars[start:end]) for start, end, _ in spans)
    assert kept.replace(" ", "") == "".join(breaker.chars).replace(" ", "")
    for start, end, _ in spans[1:]:
        if end > start and breaker.chars[start] in NO_START:
            # Only a character that could not fit anywhere else may start a line.
            assert end - start == 1 or breaker.chars[start - 1] in " \n"


@settings(max_examples=120, deadline=None)
@given(text=TEXTS, rtl=st.booleans())
def test_runs_in_visual_order_cover_the_line_once(text: str, rtl: bool) -> None:
    shown = isolate_ltr(text) if rtl else text
    char_levels = levels(shown, rtl=rtl)
    found = runs(shown, char_levels, [0] * len(shown))
    covered = sorted(index for start, end, _, _ in found for index in range(start, end))
    assert covered == list(range(len(shown)))
    assert all(char_levels[i] == level for s, e, level, _ in found for i in range(s, e))


def test_a_sentence_of_one_direction_keeps_its_word_order_reversed_once() -> None:
    style = TextStyle(Language.AR)
    (line,) = layout(make_pieces((Run("أ ب ج"),), style), style, 400.0)
    (segment,) = line.segments
    assert segment.run.rtl and segment.text == "أ ب ج"
    assert visual_order([1, 2, 1]) == [2, 1, 0]


def test_justified_european_text_is_hyphenated_at_soft_hyphens_only() -> None:
    pytest.importorskip("pyphen")
    assert SOFT_HYPHEN in hyphenate("информационного", Language.RU)
    assert hyphenate("www.wsis.org/forum WSIS+20 2024", Language.EN) == (
        "www.wsis.org/forum WSIS+20 2024"
    )
    assert hyphenate("信息社会世界峰会", Language.ZH) == "信息社会世界峰会"
    style = TextStyle(Language.RU, align=Align.JUSTIFY)
    text = "Приглашение на Мероприятие высокого уровня Форума Всемирной встречи " * 4
    lines = layout(make_pieces((Run(text),), style), style, 150.0)
    ends = ["".join(s.text for s in line.segments) for line in lines]
    assert any(end.endswith("-") for end in ends)
    assert all(SOFT_HYPHEN not in end for end in ends)
    # Spaces may shrink to two thirds of their width when the line is drawn justified, and
    # glyphs by GLYPH_SCALING of theirs.
    space = char_width("NotoSans-Regular", " ") * style.size

    def narrowest(line: Line) -> float:
        glyphs = line.width - line.spaces * space
        return line.width - line.spaces * space / 3 - glyphs * GLYPH_SCALING

    assert all(narrowest(line) <= 150.0 + 1e-6 for line in lines)
