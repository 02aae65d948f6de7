"""Work done once per language and reused: the bytes must be those of a render from scratch."""

from __future__ import annotations

from pathlib import Path

from missive.compose.composer import Composer, CoverMode
from missive.load import iter_recipients, load_letter
from missive.load.serials import assign_serials
from missive.model import ComposedLetter, Recipient
from missive.render.drawn import DRAWN, PLACED
from missive.render.pdf import Renderer, clear_caches

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "wsis20-invitation.yaml"


def _recipients(per_language: int) -> list[Recipient]:
    letter = load_letter(SAMPLE)
    chosen: dict[str, list[Recipient]] = {}
    for recipient in iter_recipients(letter.recipients_path):
        found = chosen.setdefault(recipient.language.value, [])
        if len(found) < per_language:
            found.append(recipient)
    return [recipient for group in chosen.values() for recipient in group]


def test_a_cached_render_is_byte_identical_to_a_render_from_scratch() -> None:
    letter = load_letter(SAMPLE)
    recipients = _recipients(3)
    assert len({r.language for r in recipients}) == 6
    serials = assign_serials(letter, (r.id for r in recipients), persist=False)
    shared = Composer(letter, serials, covers=CoverMode.NONE)
    renderer = Renderer()
    clear_caches()
    cached = []
    for index, recipient in enumerate(recipients):
        if index % 3 == 2:  # the third letter of a language
            placed_before, missed_before = PLACED.hits, PLACED.misses
        cached.append(renderer.render(shared.compose(recipient), created=letter.date).data)
        if index % 3 == 2:
            # placed again: all but the addressee's own lines and the header's values
            assert PLACED.hits - placed_before > 2 * (PLACED.misses - missed_before)
    assert DRAWN.hits > 0  # split paragraphs and personal lines reuse their text objects
    for recipient, data in zip(recipients, cached, strict=True):
        clear_caches()
        alone = Composer(letter, serials, covers=CoverMode.NONE).compose(recipient)
        assert Renderer().render(alone, created=letter.date).data == data, recipient.id


def test_a_body_without_recipient_variables_is_composed_once_per_language() -> None:
    letter = load_letter(SAMPLE)
    recipients = _recipients(2)
    composer = Composer(letter)
    letters: dict[str, list[ComposedLetter]] = {}
    for recipient in recipients:
        letters.setdefault(recipient.language.value, []).append(composer.compose(recipient))
    for first, second in letters.values():
        assert first.body is second.body  # the very same parsed blocks
        assert first.salutation != second.salutation or first.recipient != second.recipient
        # and identical to what a composer that never saw the language makes
        assert Composer(letter).compose(second.recipient) == second


def test_the_kit_tells_which_templates_read_the_recipient() -> None:
    composer = Composer(load_letter(SAMPLE))
    kit = next(iter(composer._kits.values()))
    assert not kit.personal_body  # the sample's bodies read only the letter's values
    assert kit.personal_cover  # its cover notes greet the recipient and cite the serial


def test_the_personal_fields_are_those_the_coverage_check_reads_per_recipient() -> None:
    from missive.render import fonts

    letter = load_letter(SAMPLE)
    for recipient in _recipients(1):
        composed = Composer(letter).compose(recipient)
        every = [name for name, _ in fonts._fields(composed)]
        personal = [name for name, _ in fonts._personal_fields(composed)]
        assert personal == [name for name in every if name.startswith(fonts._PERSONAL_FIELDS)]
