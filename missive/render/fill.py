"""A paragraph's characters as boxes, glue and penalties, broken by total fit, and back.

`missive.render.textflow` measures each character (in its face and size) and says where a
line may break; this module turns that into the items of `missive.render.linebreak`, asks
for the best breaks, and hands back the lines as character ranges. What the items say:

- a space is glue: its width, stretched by at most half of it at the tolerance and shrunk
  by at most a third (Typst and TeX shrink spaces too); a no-break space is the same glue
  where no line may end (a date, a title and a name: `breakrules`);
- a character is a box; in a justified Latin, Cyrillic or Arabic line its glyphs may also
  be scaled by up to 2 % of their width, at the line's ratio (InDesign's glyph scaling of
  98-102 %, microtype's font expansion): a line takes part of its slack in its letters,
  so fewer lines open their spaces past 150 %;
- a soft hyphen is a flagged penalty, as wide as the hyphen it draws if the line ends there;
  so is the place after the hyphen of a compound word, where nothing more is drawn;
- Chinese is justified between every two characters: each gap is glue of no width that
  stretches (up to a tenth of an em at the tolerance), a break where clreq allows one;
  a Latin run inside it may break at its punctuation (after `/` and `@`, before `-`, `_`
  and `~`) at a cost, rather than leave the line before it letter-spaced;
- a run wider than the line (a long URL) may break anywhere, at a high cost;
- a line break in the text is a forced break, and the line before it is not justified.

Paragraphs that are not justified (subjects, letterheads, addresses, signatures) are set
ragged and balanced: every line's empty end counts as stretch, so two lines of 65 % are
preferred to one of 100 % and one of 30 %, and no line may end before the last word of a
line of the text (Chinese: before its last two characters): no runt.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from missive.render.linebreak import (
    FORBIDDEN,
    FORCED,
    Box,
    Glue,
    Item,
    Params,
    Penalty,
    break_lines,
)

SOFT_HYPHEN = "\u00ad"
NO_BREAK_SPACE = "\u00a0"
SPACE_STRETCH = 0.5  # of a space: 150 % of its width at ratio 1
SPACE_SHRINK = 1 / 3  # as TeX's fonts: spaces shrink to two thirds at most
GLYPH_SCALING = 0.02  # of a glyph's width, at ratio 1 (wider) or -1 (narrower)
CJK_STRETCH = 0.1  # of the size, between two characters, at ratio 1
HYPHEN_COST = 100.0  # twice TeX's \hyphenpenalty (bench/typography.py: fewer hyphens)
LATIN_IN_CJK_COST = 300.0  # a break inside a Latin run of Chinese text, at its punctuation
EMERGENCY_COST = 5_000.0  # a break inside a word wider than the line
RAGGED_STRETCH = 0.5  # of the line: a ragged line half empty is at ratio 1
# Where a URL or an address may break (after The Chicago Manual of Style): after a slash
# or an at sign, before a hyphen, an underscore or a tilde (never a hyphen at a line's
# end, where it would read as hyphenation; never a full stop at a line's start).
_BREAK_AFTER_IN_LATIN = frozenset("/@")
_BREAK_BEFORE_IN_LATIN = frozenset("-_~")
# Spaces past 150 % of their width are loose (ratio 1): the first pass accepts none; when
# a paragraph cannot do without, the fewest of them.
JUSTIFIED = Params(pretolerance=1.0, tolerance=1.0, loose_ratio=1.0, loose_demerits=1e6)
RAGGED = Params(tolerance=2.0, final_hyphen_forbidden=False)


@dataclass(frozen=True)
class Text:
    """One paragraph as the line breaker sees it (logical order)."""

    chars: Sequence[str]
    widths: Sequence[float]  # of each character, in points (0 for invisible ones)
    size: float
    may_break: Callable[[str, str], bool]  # between two characters (not spaces)
    is_wide: Callable[[str], bool]  # an ideograph or full-width form
    cjk: bool  # justified between characters (Chinese)
    hyphen_width: float
    no_start: Collection[str] = ()  # what no line may start with (closing punctuation)
    scaling: float = 0.0  # of a glyph's width: how far a justified line may scale it


@dataclass(frozen=True)
class _End:
    end: int  # the line's last character + 1 (a soft hyphen ending it included)
    next_start: int  # where the next line starts
    forced: bool


def fill(text: Text, widths: tuple[float, float], *, justify: bool) -> list[tuple[int, int, bool]]:
    """(start, end, last) of each line; `widths`: the first line's and the others'."""
    if not text.chars:
        return []
    if "\n" not in text.chars and sum(text.widths) <= widths[0]:
        # One line (an address, a reference, a salutation): what total fit would choose.
        return [(0, _trim(text.chars, 0, len(text.chars)), True)]
    builder = _Builder(text, min(widths), justify=justify)
    items, ends = builder.build()
    breaks = break_lines(items, widths, JUSTIFIED if justify else RAGGED)
    lines: list[tuple[int, int, bool]] = []
    start = 0
    for found in breaks:
        end = ends[found.position]
        lines.append((start, _trim(text.chars, start, end.end), end.forced))
        start = end.next_start
    return lines


def _trim(chars: Sequence[str], start: int, end: int) -> int:
    while end > start and chars[end - 1] in " \n":
        end -= 1
    return end


def _countable(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


class _Builder:
    def __init__(self, text: Text, narrowest: float, *, justify: bool) -> None:
        self.text = text
        self.justify = justify
        self.scaling = text.scaling if justify else 0.0
        self.narrowest = narrowest
        self.items: list[Item] = []
        self.ends: dict[int, _End] = {}
        self.no_end = self._runt_guard()
        self.emergency = self._emergency_breaks()

    def build(self) -> tuple[list[Item], dict[int, _End]]:
        chars = self.text.chars
        for index, char in enumerate(chars):
            if char == " ":
                self._space(index)
            elif char == NO_BREAK_SPACE:
                self.items.append(Penalty(0.0, FORBIDDEN))
                self._glue(self.text.widths[index])
            elif char == SOFT_HYPHEN:
                self._break(Penalty(self.text.hyphen_width, HYPHEN_COST, flagged=True), index + 1)
            elif char == "\n":
                self._end(index)
            else:
                if index and chars[index - 1] not in " \n" + SOFT_HYPHEN + NO_BREAK_SPACE:
                    self._between(index)
                width = self.text.widths[index]
                self.items.append(Box(width, width * self.scaling, width * self.scaling))
        self._end(len(chars))
        return self.items, self.ends

    def _glue(self, width: float) -> None:
        if self.justify:
            self.items.append(Glue(width, width * SPACE_STRETCH, width * SPACE_SHRINK))
        else:
            self.items.append(Glue(width, 0.0, 0.0))

    def _space(self, index: int) -> None:
        width = self.text.widths[index]
        after = self.items[-1] if self.items else None
        if not isinstance(after, Box) or index + 1 in self.no_end:
            self.items.append(Penalty(0.0, FORBIDDEN))
            self._glue(width)
            return
        if self.justify:
            self.ends[len(self.items)] = _End(index, index + 1, False)
            self._glue(width)
            return
        # Ragged: the line that ends here keeps the stretch; inside a line it cancels out.
        self._ragged_break(0.0, index, index + 1, width)

    def _between(self, index: int) -> None:
        """A possible break between two characters that are not spaces (Chinese: and
        the glue that justifies between them)."""
        cost = self._cost_between(index)
        if self.text.cjk and self.justify:
            if cost is None:
                self.items.append(Penalty(0.0, FORBIDDEN))
            elif cost:
                self._break(Penalty(0.0, cost), index)
                self.items.append(Penalty(0.0, FORBIDDEN))
            else:
                self.ends[len(self.items)] = _End(index, index, False)
            self.items.append(Glue(0.0, self.text.size * CJK_STRETCH, 0.0))
        elif cost is not None and self.justify:
            self._break(Penalty(0.0, cost, flagged=self._after_hyphen(index)), index)
        elif cost is not None:
            self._ragged_break(cost, index, index, 0.0)

    def _cost_between(self, index: int) -> float | None:
        """The cost of a break before character `index` (None: no break there)."""
        chars = self.text.chars
        before, after = chars[index - 1], chars[index]
        if index not in self.no_end and self.text.may_break(before, after):
            return 0.0
        if self._after_hyphen(index) and self.justify:
            return HYPHEN_COST
        if index in self.emergency:
            return self.emergency[index]
        latin = not (self.text.is_wide(before) or self.text.is_wide(after))
        at_punctuation = before in _BREAK_AFTER_IN_LATIN or after in _BREAK_BEFORE_IN_LATIN
        if self.text.cjk and latin and at_punctuation and index not in self.no_end:
            return LATIN_IN_CJK_COST
        return None

    def _ragged_break(self, cost: float, end: int, next_start: int, width: float) -> None:
        """A break of ragged text: the line that ends here keeps the stretch of its empty
        end; inside a line, the two glues cancel out."""
        stretch = self.narrowest * RAGGED_STRETCH
        self.items += [Penalty(0.0, FORBIDDEN), Glue(0.0, stretch, 0.0)]
        self._break(Penalty(0.0, cost), end, next_start)
        self.items.append(Glue(width, -stretch, 0.0))

    def _after_hyphen(self, index: int) -> bool:
        """After the hyphen of a compound ("High-/Level", "информационно-/коммуникационных"):
        a hyphenated line like any other, but never in a URL or an e-mail address."""
        chars = self.text.chars
        if not (1 < index < len(chars) - 1 and chars[index - 1] == "-"):
            return False
        if not (chars[index - 2].isalpha() and chars[index].isalpha()):
            return False
        start, end = index, index
        while start > 0 and not chars[start - 1].isspace():
            start -= 1
        while end < len(chars) and not chars[end].isspace():
            end += 1
        word = "".join(chars[start:end])
        return not any(mark in word for mark in ("@", "/", "www.", ".org", ".int"))

    def _break(self, penalty: Penalty, end: int, next_start: int | None = None) -> None:
        self.ends[len(self.items)] = _End(end, end if next_start is None else next_start, False)
        self.items.append(penalty)

    def _end(self, index: int) -> None:
        """A forced break: a line break in the text, or the paragraph's end."""
        self.items.append(Penalty(0.0, FORBIDDEN))
        if self.justify:
            self.items.append(Glue(0.0, 1e6, 0.0))
        else:
            self.items.append(Glue(0.0, self.narrowest * RAGGED_STRETCH, 0.0))
        self.ends[len(self.items)] = _End(index, index + 1, True)
        self.items.append(Penalty(0.0, FORCED))

    def _runt_guard(self) -> set[int]:
        """Where no line may end because too little would be left for the last line of
        the text before its next line break: Chinese, one character (two when ragged);
        ragged Latin, Cyrillic and Arabic text, one word."""
        chars = self.text.chars
        guarded: set[int] = set()
        if not self.text.cjk and self.justify:
            return guarded
        least = (2 if self.justify else 3) if self.text.cjk else 0
        segment_end = len(chars)
        for index in range(len(chars) - 1, -1, -1):
            if chars[index] == "\n":
                segment_end = index
                continue
            if self.text.cjk:
                tail = sum(_countable(char) for char in chars[index:segment_end])
                if tail < least:
                    guarded.add(index)
            elif chars[index] == " " and " " not in chars[index + 1 : segment_end]:
                guarded.add(index + 1)
        return guarded

    def _emergency_breaks(self) -> dict[int, float]:
        """Inside a run with no break wider than the narrowest line, breaks anywhere
        (cheaper at its punctuation), so that nothing runs past the margin."""
        chars, widths = self.text.chars, self.text.widths
        found: dict[int, float] = {}
        start, width = 0, 0.0
        for index, char in enumerate([*chars, " "]):
            breakable = char in " \n" or (
                index
                and index < len(chars)
                and chars[index - 1] not in " \n"
                and self.text.may_break(chars[index - 1], char)
            )
            if breakable or index == len(chars):
                if width > self.narrowest:
                    for inside in range(start + 1, index):
                        if chars[inside] in self.text.no_start:
                            continue
                        punctuation = chars[inside - 1] in _BREAK_AFTER_IN_LATIN
                        found[inside] = EMERGENCY_COST / (5 if punctuation else 1)
                start, width = index + (char in " \n"), 0.0
            else:
                width += widths[index]
        return found
