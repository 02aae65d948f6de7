"""Groups kept together across a page break, the way a letter's logic asks.

Platypus groups a flowable marked `keepWithNext` with the one after it and, when the group
does not fit, moves it whole to the next page. For a letter that is too blunt twice:

- the closing formula and the signatures, moved alone, leave a page 2 with nothing else
  (the closing must keep with at least the last two lines of the body): the body's last
  two paragraphs are marked `keep_last_lines`, and when their group does not fit, the last
  (or, if it has a single line, the one before) is split so that its last lines (two at
  least) go to the next page with the closing and the signatures;
- a subject and salutation kept with the first paragraph would take a whole long paragraph
  with them: the paragraph is split instead, its first lines (two at least) staying with
  the heading.

`KeepLines` is the document's `keepTogetherClass`: platypus makes every such group with it.
Anything else, or a paragraph too short to split, is moved whole as before.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether

from missive.render.richtext import RichText

MIN_LINES = 2  # no widow, no orphan: at least two lines on each side of a break


class KeepLines(KeepTogether):
    def __init__(self, flowables: list[Flowable], maxHeight: float | None = None) -> None:  # noqa: N803 (platypus API)
        super().__init__(flowables, maxHeight)
        self.group = list(flowables)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(avail_width, avail_height)
        if len(parts) == len(self.group):
            return parts  # it fits: laid out as it is
        content = self.group
        first, last = content[0], content[-1]
        if isinstance(first, RichText) and first.keep_last_lines:
            ending = self._split_ending(first, content[1:], avail_width, avail_height)
            if ending is not None:
                return ending
        if isinstance(last, RichText):
            heading = self._split_after_heading(content[:-1], last, avail_width, avail_height)
            if heading is not None:
                return heading
        return parts

    def _split_ending(
        self, paragraph: RichText, rest: list[Flowable], width: float, height: float
    ) -> list[Flowable] | None:
        """What of `paragraph` fits here; the rest, kept together, on the next page. When
        the paragraph after it has lines enough to keep with the closing, this one breaks
        as any other; else its last lines (two at least) go with the rest."""
        following = rest[0] if rest else None
        if (
            isinstance(following, RichText)
            and following.keep_last_lines
            and following.line_count(width) >= MIN_LINES
        ):
            if paragraph.wrap(width, height)[1] <= height:
                return [paragraph, KeepLines(rest)]
            free = paragraph.split(width, height)  # [] when it would leave a widow or orphan
            return [*free, KeepLines(rest)] if free else None
        lines = paragraph.line_count(width)
        keep = min(int(height // paragraph.style.leading), lines - MIN_LINES)
        if keep < MIN_LINES:
            return None
        head, tail = paragraph.split(width, keep * paragraph.style.leading)
        return [head, KeepLines([tail, *rest])]

    def _split_after_heading(
        self, heading: list[Flowable], paragraph: RichText, width: float, height: float
    ) -> list[Flowable] | None:
        """The heading and the paragraph's first lines here, the others on the next page."""
        used = 0.0
        for index, flowable in enumerate(heading):
            _, flowable_height = flowable.wrap(width, height)
            used += flowable_height + flowable.getSpaceAfter()
            if index:
                used += flowable.getSpaceBefore()
        room = height - used - paragraph.getSpaceBefore()
        if room < MIN_LINES * paragraph.style.leading:
            return None
        parts = paragraph.split(width, room)
        if not parts:
            return None
        return [*heading, *parts]
