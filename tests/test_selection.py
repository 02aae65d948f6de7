"""One recipient selection: what `render`, `send`, `batch`, `approve` and `schedule` select.

The render streams the list (`iter_selected`), sizes its progress and deals languages to
processes from the list's counts (`selected_counts`), and the others hold the selection
(`select_recipients`): all three must agree, on every selection of the sample list.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from missive.errors import SelectionError
from missive.load import load_letter, load_recipients
from missive.model import Language, Recipient
from missive.review.approvals import (
    Selection,
    iter_selected,
    select_recipients,
    selected_counts,
)

LETTER = Path(__file__).resolve().parent.parent / "letters" / "wsis20-invitation.yaml"

SELECTIONS = [
    Selection(languages, groups, limit)
    for languages in ((), (Language.FR,), (Language.AR, Language.ZH))
    for groups in ((), ("governments",), ("governments", "civil-society"))
    for limit in (None, 0, 1, 5, 1000)
]


@pytest.mark.parametrize("selection", SELECTIONS, ids=str)
def test_the_stream_the_list_and_the_counts_agree(selection: Selection) -> None:
    letter = load_letter(LETTER)
    everyone = load_recipients(letter.recipients_path, letter)
    held = select_recipients(letter, everyone, selection)
    assert tuple(iter_selected(letter, iter(everyone), selection)) == held
    counts = Counter((r.language, r.group) for r in everyone)
    whole = selected_counts(letter, counts, Selection(selection.languages, selection.groups))
    if selection.limit is None:
        assert whole == Counter(r.language for r in held)
    assert len(held) == min(
        whole.total(), selection.limit if selection.limit is not None else 10**9
    )


def test_the_stream_reads_no_further_than_the_limit() -> None:
    letter = load_letter(LETTER)
    everyone = load_recipients(letter.recipients_path, letter)
    read: list[str] = []

    def reading() -> Iterator[Recipient]:
        for recipient in everyone:
            read.append(recipient.id)
            yield recipient

    chosen = list(iter_selected(letter, reading(), Selection(limit=3)))
    assert [r.id for r in chosen] == read == [r.id for r in everyone[:3]]


def test_an_unknown_group_is_refused_at_the_call() -> None:
    letter = load_letter(LETTER)
    with pytest.raises(SelectionError):
        iter_selected(
            letter,
            itertools.repeat(load_recipients(letter.recipients_path, letter)[0]),
            Selection(groups=("nobody",)),
        )
