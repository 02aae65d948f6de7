"""Page breaks before the closing, swept over every place the body's end can fall.

A French letter is rendered with a filler paragraph of 1 to 24 sentences before endings of
several shapes, so that the body's last two paragraphs, the closing and the signatures meet
the page's foot at every line; each PDF is read back (`typeset_lines`): it renders (a split
`KeepLines` offers fits, or platypus raises), the closing keeps two body lines and the
signatures, no widow, no orphan, and the page before the break holds what fits of the body
(`page_room`).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from page_room import page_heights, room_left
from render_samples import composed
from typeset_lines import Fault, Kind, faults, read_letter

from missive.model import Language, Paragraph, Run
from missive.render.pdf import Renderer

SENTENCE = "Le questionnaire peut être rempli dans l'une quelconque des langues officielles. "
# Sentences (some four fifths of a line each) of the body's last but one paragraph and of
# its last, by their lines: long and long, long and short (the closing then keeps a line
# of the one before), short and short.
ENDINGS = {"6+4": (7, 4), "6+1": (6, 1), "3+1": (3, 1)}
FILLER = range(1, 25)  # sentences: the ending from all on page 1 to all on page 2


def _body(filler: int, ending: tuple[int, int]) -> tuple[Paragraph, ...]:
    texts = [SENTENCE * filler, SENTENCE * ending[0], SENTENCE * ending[1]]
    return tuple(Paragraph((Run(text.strip()),)) for text in texts)


@pytest.mark.parametrize("ending", ENDINGS.values(), ids=ENDINGS.keys())
def test_the_body_ends_on_a_page_as_the_keeps_ask(ending: tuple[int, int]) -> None:
    letter = composed(Language.FR)
    renderer = Renderer()
    pages = set()
    for filler in FILLER:
        shaped = replace(letter, body=_body(filler, ending))
        data = renderer.render(shaped).data
        blocks = read_letter(shaped, data)
        found = faults(shaped, data)
        assert not found[Fault.WIDOW] and not found[Fault.ORPHAN], filler
        assert not found[Fault.CLOSING_OPENS_PAGE] and not found[Fault.UNMATCHED], filler
        closing = next(block for block in blocks if block.kind is Kind.CLOSING)
        page = closing.lines[0].page
        body = [line for block in blocks if block.kind is Kind.BODY for line in block.lines]
        assert sum(line.page == page for line in body) >= 2, filler
        assert {line.page for line in blocks[-1].lines} == {page}, filler
        assert all(room < 0 for room in room_left(blocks, page_heights(data)).values()), filler
        pages.add(page)
    assert pages == {1, 2}  # the sweep crossed the page's foot
