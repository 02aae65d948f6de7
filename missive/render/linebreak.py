"""Total-fit line breaking (Knuth and Plass, 1981), as TeX and Typst break paragraphs.

A paragraph is a sequence of boxes (what is drawn, unbreakable), glue (space that may
stretch or shrink, and where a line may break) and penalties (a possible break, with a cost;
`FORBIDDEN` never breaks, `FORCED` always does; a *flagged* penalty draws a hyphen). The
caller measures: this module knows no font, script or language, so the same engine serves
the six languages, whatever gives the widths (ReportLab's metrics now, shaped runs later).

Among all the ways to break the paragraph, `break_lines` picks the one with the least total
demerits, summed line by line:

    (line_penalty + badness)^2 + penalty^2          badness = 100 |ratio|^3

where `ratio` is how far a line's glue is stretched (> 0) or shrunk (< 0) to fill it. To
that are added, as TeX does: `double_hyphen_demerits` for two hyphenated lines in a row,
`final_hyphen_demerits` for a hyphen on the penultimate line, `fitness_demerits` for a
line two fitness classes (tight, decent, loose, very loose) away from the line before, and
`loose_demerits` for a line stretched past `loose_ratio` (what a reader calls loose).
Hard rules no demerits can buy: never more than `max_hyphens` hyphenated lines in a row,
never a hyphen on the penultimate line before a last line shorter than
`final_line_after_hyphen` of the width (if `final_hyphen_forbidden`), never a line shrunk
below its glue's shrink.

As TeX does, a first pass may try the paragraph without hyphenating any word, accepting
lines up to `pretolerance` (ratio); the next accepts lines up to `tolerance` with hyphens;
if no breaking fits, another accepts any stretch (a very loose line is better than an
overfull one) and, as a last resort, overfull lines (a word wider than the line):
`break_lines` always answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

INFINITY = 10_000.0  # TeX's: a penalty this high never breaks, this low always does
FORBIDDEN = INFINITY
FORCED = -INFINITY
_AWFUL = 1e12  # demerits of a line no tolerance accepts (the last resort only)


@dataclass(frozen=True, slots=True)
class Box:
    """What is drawn. A box may be a little wider or narrower as its line asks (glyphs
    scaled, as microtype's font expansion and InDesign's glyph scaling do): `stretch` and
    `shrink` count with the line's glue, at the same ratio."""

    width: float
    stretch: float = 0.0
    shrink: float = 0.0


@dataclass(frozen=True, slots=True)
class Glue:
    width: float
    stretch: float
    shrink: float


@dataclass(frozen=True, slots=True)
class Penalty:
    width: float  # drawn only if the line breaks here (a hyphen)
    cost: float
    flagged: bool = False


Item = Box | Glue | Penalty


class Fitness(IntEnum):
    TIGHT = 0
    DECENT = 1
    LOOSE = 2
    VERY_LOOSE = 3


@dataclass(frozen=True)
class Params:
    # TeX's \pretolerance: a first pass that hyphenates no word (a flagged penalty that
    # draws a hyphen is not a break), accepting lines up to this ratio; None: no such pass.
    pretolerance: float | None = None
    tolerance: float = 2.0  # largest stretch ratio of the (next) pass, hyphens allowed
    line_penalty: float = 10.0
    double_hyphen_demerits: float = 3_000.0
    final_hyphen_demerits: float = 5_000.0
    fitness_demerits: float = 3_000.0
    max_hyphens: int = 2  # hyphenated lines in a row
    # No paragraph ends on a hyphenated fragment: after a hyphen, the last line must fill
    # at least this share of its width ("tech-/nologies." never; "potenti-/al for ... all."
    # at `final_hyphen_demerits`).
    final_hyphen_forbidden: bool = True
    final_line_after_hyphen: float = 0.5
    # A line stretched past `loose_ratio` is one a reader calls loose: when no breaking
    # avoids every such line, the fewest of them, whatever the others' badness.
    loose_ratio: float = INFINITY
    loose_demerits: float = 0.0


@dataclass(frozen=True)
class Break:
    """Where a line ends: the index of the glue or penalty it breaks at (the paragraph's
    last item for the last line), the line's adjustment ratio, and its fitness."""

    position: int
    ratio: float
    fitness: Fitness
    flagged: bool


def fitness(ratio: float) -> Fitness:
    if ratio < -0.5:
        return Fitness.TIGHT
    if ratio <= 0.5:
        return Fitness.DECENT
    if ratio <= 1.0:
        return Fitness.LOOSE
    return Fitness.VERY_LOOSE


def badness(ratio: float) -> float:
    if ratio < -1.0:
        return INFINITY
    return min(100.0 * abs(ratio) ** 3, INFINITY)


@dataclass(slots=True)
class _Node:
    position: int  # the break's item index (-1: the paragraph's start)
    line: int  # lines before this break
    fitness: Fitness
    hyphens: int  # hyphenated lines in a row ending here
    totals: tuple[float, float, float]  # width, stretch, shrink of the items before it
    demerits: float
    ratio: float
    previous: _Node | None


class _Sums:
    """Running sums of width, stretch and shrink: a line's totals in constant time."""

    def __init__(self, items: Sequence[Item]) -> None:
        width = stretch = shrink = 0.0
        self.before: list[tuple[float, float, float]] = []
        for item in items:
            self.before.append((width, stretch, shrink))
            if not isinstance(item, Penalty):  # a box or glue
                width, stretch, shrink = (
                    width + item.width,
                    stretch + item.stretch,
                    shrink + item.shrink,
                )
        self.before.append((width, stretch, shrink))

    def after_break(self, items: Sequence[Item], position: int) -> tuple[float, float, float]:
        """Totals where the next line starts: glue and penalties after a break are dropped
        up to the next box or forced break."""
        index = position + 1
        while index < len(items):
            item = items[index]
            if isinstance(item, Box) or (isinstance(item, Penalty) and item.cost <= FORCED):
                break
            index += 1
        return self.before[index]


def _ratio(natural: float, stretch: float, shrink: float, width: float) -> float:
    if natural < width:
        return (width - natural) / stretch if stretch > 0 else INFINITY
    if natural > width:
        return (width - natural) / shrink if shrink > 0 else -INFINITY
    return 0.0


def break_lines(
    items: Sequence[Item],
    widths: Sequence[float],
    params: Params = Params(),
) -> list[Break]:
    """The best breaks of `items` (which must end with a forced break), one per line.

    Line n is `widths[n]` wide, and every line after the last of `widths` as wide as it
    (one width; two for a first-line indent).
    """
    if not items:
        return []
    if not widths:
        raise ValueError("a paragraph needs a line width")
    last = items[-1]
    if not (isinstance(last, Penalty) and last.cost <= FORCED):
        raise ValueError("a paragraph's items end with a forced break")
    passes = [(params.tolerance, True, False), (INFINITY, True, False), (INFINITY, True, True)]
    if params.pretolerance is not None:
        passes.insert(0, (params.pretolerance, False, False))
    for tolerance, hyphenate, overfull in passes:
        found = _Pass(
            items, tuple(widths), params, tolerance, overfull=overfull, hyphenate=hyphenate
        ).run()
        if found is not None:
            return found
    raise AssertionError("the last resort accepts every line")  # pragma: no cover


class _Pass:
    def __init__(
        self,
        items: Sequence[Item],
        widths: tuple[float, ...],
        params: Params,
        tolerance: float,
        *,
        overfull: bool,
        hyphenate: bool,
    ) -> None:
        self.items = items
        self.hyphenate = hyphenate
        self.widths = widths
        self.params = params
        self.tolerance = tolerance
        self.overfull = overfull
        self.sums = _Sums(items)
        # From this line on every line has the same width: lines are then interchangeable
        # (TeX's "easy lines") and one node per fitness class and hyphen count suffices.
        self.easy_line = len(widths) - 1

    def run(self) -> list[Break] | None:
        items = self.items
        start = _Node(-1, 0, Fitness.DECENT, 0, self.sums.before[0], 0.0, 0.0, None)
        active: list[_Node] = [start]
        for position, item in enumerate(items):
            if isinstance(item, Glue):
                if position == 0 or not isinstance(items[position - 1], Box):
                    continue
            elif not isinstance(item, Penalty) or item.cost >= FORBIDDEN:
                continue
            elif item.flagged and item.width and not self.hyphenate:
                continue  # a hyphen the word does not have
            active = self._try_break(active, position)
            if not active:
                return None
        best = min(
            (node for node in active if node.position == len(items) - 1),
            key=lambda node: node.demerits,
            default=None,
        )
        return None if best is None else _breaks(best, items)

    def _try_break(self, active: list[_Node], position: int) -> list[_Node]:
        """Lines from each active node to this break: the nodes that may still start a
        later line, and the best new node per (line class, fitness, hyphens in a row)."""
        item = self.items[position]
        penalty = item if isinstance(item, Penalty) else None
        forced = penalty is not None and penalty.cost <= FORCED
        end = self.sums.before[position]
        extra = penalty.width if penalty is not None else 0.0
        kept: list[_Node] = []
        candidates: dict[tuple[int, Fitness, int], _Node] = {}
        for node in active:
            natural = end[0] - node.totals[0] + extra
            width = self.widths[min(node.line, self.easy_line)]
            ratio = _ratio(natural, end[1] - node.totals[1], end[2] - node.totals[2], width)
            if (ratio >= -1.0 or self.overfull) and not forced:
                # A later break may still end a line started here (in the last resort,
                # however full: a hard rule may leave no other way).
                kept.append(node)
            if ratio < -1.0 and not self.overfull:
                continue
            if ratio > self.tolerance and not forced:
                continue
            short = width * self.params.final_line_after_hyphen
            demerits = self._demerits(node, ratio, penalty, forced, natural=natural, short=short)
            if demerits is None:
                continue
            if ratio < -1.0:
                demerits += _AWFUL * (1.0 + natural - width)
            flagged = penalty is not None and penalty.flagged
            line = node.line + 1
            fit = fitness(max(ratio, -1.0))
            key = (min(line, self.easy_line), fit, node.hyphens + 1 if flagged else 0)
            found = candidates.get(key)
            if found is None or demerits < found.demerits:
                totals = self.sums.after_break(self.items, position)
                candidates[key] = _Node(position, line, fit, key[2], totals, demerits, ratio, node)
        return kept + list(candidates.values())

    def _demerits(
        self,
        node: _Node,
        ratio: float,
        penalty: Penalty | None,
        forced: bool,
        *,
        natural: float,
        short: float,
    ) -> float | None:
        """The demerits of the paragraph up to a line from `node` to this break, or None
        if a hard rule forbids the line."""
        params = self.params
        flagged = penalty is not None and penalty.flagged
        if flagged and node.hyphens >= params.max_hyphens:
            return None
        after_hyphen = node.hyphens > 0
        if forced and after_hyphen and params.final_hyphen_forbidden and natural < short:
            return None
        demerits = (params.line_penalty + badness(max(ratio, -1.0))) ** 2
        cost = 0.0 if penalty is None or forced else penalty.cost
        demerits += cost * abs(cost)
        if flagged and after_hyphen:
            demerits += params.double_hyphen_demerits
        if forced and after_hyphen:
            demerits += params.final_hyphen_demerits
        if node.position >= 0 and abs(fitness(max(ratio, -1.0)) - node.fitness) > 1:
            demerits += params.fitness_demerits
        if ratio > params.loose_ratio and not forced:
            demerits += params.loose_demerits
        return node.demerits + demerits


def _breaks(node: _Node, items: Sequence[Item]) -> list[Break]:
    found: list[Break] = []
    current: _Node | None = node
    while current is not None and current.position >= 0:
        item = items[current.position]
        flagged = isinstance(item, Penalty) and item.flagged
        found.append(Break(current.position, current.ratio, current.fitness, flagged))
        current = current.previous
    found.reverse()
    return found


def line_ranges(items: Sequence[Item], breaks: Sequence[Break]) -> list[tuple[int, int]]:
    """The items each line draws: from after the previous break (glue and penalties
    dropped) up to its own break (excluded)."""
    ranges: list[tuple[int, int]] = []
    start = 0
    for found in breaks:
        while start < found.position and not isinstance(items[start], Box):
            start += 1
        ranges.append((start, found.position))
        start = found.position + 1
    return ranges


# The end of every paragraph (TeX's \parfillskip and \penalty-10000): the last line may
# stay short, and must end there.
PARAGRAPH_END = (Penalty(0.0, FORBIDDEN), Glue(0.0, 1e6, 0.0), Penalty(0.0, FORCED))
