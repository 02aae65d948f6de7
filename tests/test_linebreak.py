"""The total-fit line breaker on its own: items, widths and demerits, no fonts.

The property tests compare it with every possible breaking of small paragraphs, scored
by an independent reading of the rules (`_score`): what `break_lines` picks is never worse.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missive.render.linebreak import (
    FORBIDDEN,
    FORCED,
    PARAGRAPH_END,
    Box,
    Break,
    Glue,
    Item,
    Params,
    Penalty,
    badness,
    break_lines,
    fitness,
    line_ranges,
)

SPACE = Glue(3.0, 1.5, 1.0)
HYPHEN = Penalty(2.0, 50.0, flagged=True)


def paragraph(words: Sequence[Sequence[float]]) -> list[Item]:
    """Words (their syllables' widths), hyphenable between syllables, spaces between."""
    items: list[Item] = []
    for index, syllables in enumerate(words):
        if index:
            items.append(SPACE)
        for number, width in enumerate(syllables):
            if number:
                items.append(HYPHEN)
            items.append(Box(width))
    return [*items, *PARAGRAPH_END]


def _legal(items: Sequence[Item], position: int) -> bool:
    item = items[position]
    if isinstance(item, Glue):
        return position > 0 and isinstance(items[position - 1], Box)
    return isinstance(item, Penalty) and item.cost < FORBIDDEN


def _line(items: Sequence[Item], start: int, end: int) -> tuple[float, float, float]:
    """Natural width, stretch and shrink of a line from after `start` to `end`."""
    index = start + 1
    while index < end and not isinstance(items[index], Box):
        index += 1
    width = stretch = shrink = 0.0
    for item in items[index:end]:
        if isinstance(item, Box):
            width += item.width
        elif isinstance(item, Glue):
            width, stretch, shrink = (
                width + item.width,
                stretch + item.stretch,
                shrink + item.shrink,
            )
    end_item = items[end]
    if isinstance(end_item, Penalty):
        width += end_item.width
    return width, stretch, shrink


def _score(
    items: Sequence[Item], breaks: Sequence[int], widths: Sequence[float], params: Params
) -> float | None:
    """Total demerits of a breaking, or None if a rule forbids it."""
    total, start, previous_fitness, hyphens = 0.0, -1, None, 0
    for number, end in enumerate(breaks):
        natural, stretch, shrink = _line(items, start, end)
        width = widths[min(number, len(widths) - 1)]
        if natural < width:
            ratio = (width - natural) / stretch if stretch else FORBIDDEN
        elif natural > width:
            ratio = (width - natural) / shrink if shrink else FORCED
        else:
            ratio = 0.0
        last = end == len(items) - 1
        if ratio < -1 or (ratio > params.tolerance and not last):
            return None
        item = items[end]
        flagged = isinstance(item, Penalty) and item.flagged
        if flagged and hyphens >= params.max_hyphens:
            return None
        short = natural < width * params.final_line_after_hyphen
        if last and hyphens and params.final_hyphen_forbidden and short:
            return None
        demerits = (params.line_penalty + badness(ratio)) ** 2
        if isinstance(item, Penalty) and not last:
            demerits += item.cost * abs(item.cost)
        if flagged and hyphens:
            demerits += params.double_hyphen_demerits
        if last and hyphens:
            demerits += params.final_hyphen_demerits
        if previous_fitness is not None and abs(fitness(ratio) - previous_fitness) > 1:
            demerits += params.fitness_demerits
        total += demerits
        previous_fitness, hyphens, start = fitness(ratio), hyphens + 1 if flagged else 0, end
    return total


def _best(items: Sequence[Item], widths: Sequence[float], params: Params) -> float | None:
    legal = [i for i in range(len(items) - 1) if _legal(items, i)]
    scores = []
    for count in range(len(legal) + 1):
        for chosen in itertools.combinations(legal, count):
            score = _score(items, [*chosen, len(items) - 1], widths, params)
            if score is not None:
                scores.append(score)
    return min(scores, default=None)


words = st.lists(
    st.lists(st.floats(4.0, 30.0).map(lambda w: round(w, 1)), min_size=1, max_size=3),
    min_size=1,
    max_size=7,
)


@settings(max_examples=150, deadline=None)
@given(words, st.floats(40.0, 120.0), st.floats(0.0, 20.0))
def test_no_breaking_is_better_than_total_fit(
    syllables: list[list[float]], width: float, indent: float
) -> None:
    items = paragraph(syllables)
    widths = (width - indent, width)
    params = Params(tolerance=3.0)
    breaks = break_lines(items, widths, params)
    best = _best(items, widths, params)
    if best is not None:
        ours = _score(items, [found.position for found in breaks], widths, params)
        assert ours == pytest.approx(best)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.floats(2.0, 40.0), min_size=1, max_size=5), min_size=1, max_size=40),
    st.floats(20.0, 300.0),
)
def test_always_answers_with_legal_breaks_and_hard_rules_kept(
    syllables: list[list[float]], width: float
) -> None:
    items = paragraph(syllables)
    breaks = break_lines(items, (width,))
    positions = [found.position for found in breaks]
    assert positions == sorted(set(positions))
    assert positions[-1] == len(items) - 1
    assert all(_legal(items, position) for position in positions[:-1])
    flags = [found.flagged for found in breaks]
    assert not any(all(flags[i : i + 3]) for i in range(len(flags) - 2))
    if len(flags) > 1 and flags[-2]:
        assert _line(items, positions[-2], positions[-1])[0] >= width / 2


def test_a_line_is_shrunk_rather_than_left_loose() -> None:
    # Filled with natural spaces, line one holds "15 18" and is stretched 16 times its
    # glue's stretch; shrinking its spaces by half their shrink takes "22" in.
    items = paragraph([[15.0], [18.0], [22.0], [27.0], [25.0]])
    breaks = break_lines(items, (60.0,))
    assert breaks[0].position == 5
    assert breaks[0].ratio == pytest.approx(-0.5)


def test_no_third_hyphen_in_a_row_and_no_fragment_alone_on_the_last_line() -> None:
    # Words just too long for the line: each line wants to end in a hyphen.
    words = [[12.0, 12.0]] * 12
    items = paragraph(words)
    breaks = break_lines(items, (40.0,), Params(tolerance=10.0))
    flags = [found.flagged for found in breaks]
    assert not any(all(flags[i : i + 3]) for i in range(len(flags) - 2))
    last = _line(items, breaks[-2].position, breaks[-1].position)[0]
    assert not flags[-2] or last >= 20.0


def test_a_hyphen_before_a_full_last_line_is_only_discouraged() -> None:
    # "a bb ccc dd-" fills the line exactly; without the hyphen, "a bb ccc" is very loose.
    items = paragraph([[4.0], [8.0], [6.0], [6.0, 12.0], [8.0]])
    breaks = break_lines(items, (35.0,), Params(tolerance=1.0))
    assert breaks[0].flagged and breaks[0].ratio == pytest.approx(0.0)
    strict = break_lines(items, (35.0,), Params(tolerance=1.0, final_line_after_hyphen=1.0))
    assert not strict[0].flagged and strict[0].ratio > 1.0


def test_a_forbidden_penalty_is_never_a_break_and_a_forced_one_always_is() -> None:
    items: list[Item] = [Box(10), Penalty(0, FORBIDDEN), Glue(3, 1, 1), Box(10)]
    items += [Penalty(0, FORCED), Box(10), *PARAGRAPH_END]
    breaks = break_lines(items, (12.0,))
    assert [found.position for found in breaks] == [4, len(items) - 1]


def test_an_overfull_word_is_set_on_a_line_of_its_own() -> None:
    items = paragraph([[5.0], [80.0], [5.0]])
    breaks = break_lines(items, (30.0,))
    ranges = line_ranges(items, breaks)
    boxes = [[i for i in range(a, b) if isinstance(items[i], Box)] for a, b in ranges]
    assert [len(line) for line in boxes] == [1, 1, 1]


def test_the_first_line_may_be_narrower() -> None:
    items = paragraph([[10.0]] * 6)
    breaks = break_lines(items, (10.0, 30.0), Params(tolerance=10.0))
    first = line_ranges(items, breaks)[0]
    assert sum(1 for i in range(*first) if isinstance(items[i], Box)) == 1


def test_a_paragraph_must_end_with_a_forced_break() -> None:
    with pytest.raises(ValueError, match="forced break"):
        break_lines([Box(1.0)], (10.0,))


def test_breaks_carry_their_ratio_and_fitness() -> None:
    breaks = break_lines(paragraph([[10.0]] * 8), (40.0,))
    assert all(isinstance(found, Break) for found in breaks)
    assert all(found.fitness == fitness(found.ratio) for found in breaks)


def test_a_first_pass_without_hyphens_takes_lines_up_to_the_pretolerance() -> None:
    # "a bb ccc dd-" fills the line exactly; "a bb ccc" alone is stretched past ratio 1.
    items = paragraph([[4.0], [8.0], [6.0], [6.0, 12.0], [8.0]])
    loose = break_lines(items, (35.0,), Params(pretolerance=10.0, tolerance=1.0))
    assert not any(found.flagged for found in loose) and loose[0].ratio > 1.0
    strict = break_lines(items, (35.0,), Params(pretolerance=1.0, tolerance=1.0))
    assert strict[0].flagged and strict[0].ratio == pytest.approx(0.0)


def test_boxes_stretch_and_shrink_with_the_glue() -> None:
    # Glyphs that may be scaled: their stretch counts in the line's, at the same ratio.
    scaled = Box(20.0, 1.0, 1.0)
    items: list[Item] = [scaled, SPACE, scaled, SPACE, Box(30.0), *PARAGRAPH_END]
    wide = break_lines(items, (45.0,))
    assert wide[0].position == 3 and wide[0].ratio == pytest.approx(2.0 / 3.5)
    narrow = break_lines(items, (41.0,))
    assert narrow[0].position == 3 and narrow[0].ratio == pytest.approx(-2.0 / 3.0)
