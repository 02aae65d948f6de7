"""Work done once per language and reused: the bytes must be those of a render from scratch."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from render_samples import composed, with_name

from missive.compose.composer import Composer, CoverMode
from missive.load import iter_recipients, load_letter
from missive.load.serials import assign_serials
from missive.model import Block, ComposedLetter, Language, Paragraph, Recipient, Run
from missive.render import pdf as render_pdf
from missive.render.drawn import DRAWN, PLACED
from missive.render.pdf import Renderer, clear_caches
from missive.render.tails import ENDINGS

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "wsis20-invitation.yaml"


def _recipients(per_language: int) -> list[Recipient]:
    letter = load_letter(SAMPLE)
    chosen: dict[str, list[Recipient]] = {}
    for recipient in iter_recipients(letter.recipients_path, letter):
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
    forms = set()  # how each letter addresses its recipient
    for index, recipient in enumerate(recipients):
        if index % 3 == 2:  # the third letter of a language
            placed_before, missed_before = PLACED.hits, PLACED.misses
        composed = shared.compose(recipient)
        forms.add((composed.language, composed.salutation, composed.closing))
        cached.append(renderer.render(composed, created=letter.date).data)
        if index % 3 == 2:
            # placed again: all but the addressee's own lines and the header's values
            assert PLACED.hits - placed_before > 2 * (PLACED.misses - missed_before)
    assert DRAWN.hits > 0  # split paragraphs and personal lines reuse their text objects
    # The characters of the texts the letters of a language share are gathered once per
    # form of address (salutation and closing follow the recipient's rank and gender).
    assert len(render_pdf._shared_orders) <= len(forms) < len(recipients)
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


def test_fields_not_marked_personal_are_checked_once_per_variant() -> None:
    """The coverage check looks at the fields not marked personal once per
    `fixed_parts_key`: a field that differs between two recipients must be marked personal
    or change that key."""
    from missive.render import fonts

    letter = load_letter(SAMPLE)
    composer = Composer(letter)
    differing: set[str] = set()
    for first, second in zip(_recipients(2)[::2], _recipients(2)[1::2], strict=True):
        assert first.language == second.language
        letters = [composer.compose(r) for r in (first, second)]
        keys_differ = fonts.fixed_parts_key(letters[0]) != fonts.fixed_parts_key(letters[1])
        pair = [list(fonts._fields(composed)) for composed in letters]
        for (name, one, personal), (_, other, _) in zip(*pair, strict=True):
            if one != other:
                assert personal or keys_differ, f"{first.language}: {name} differs unchecked"
                differing.add(name)
    assert {"recipient.name", "addressee", "salutation"} <= differing


def _long_letters(language: Language) -> list[ComposedLetter]:
    """Letters of one language whose common ending spans one to four pages, with links,
    bullets and the signatures pushed to another page, for addressees of 3 and 4 lines."""
    base = composed(language, signatory_count=6)
    letters = []
    for paragraphs in (3, 14, 40):
        body: list[Block] = []
        for index in range(paragraphs):
            first = base.body[index % len(base.body)]
            if isinstance(first, Paragraph):
                runs = (Run(f"{index + 1}. "), *first.runs)
                body.append(Paragraph(runs))
            else:
                body.append(first)
        shared_body = tuple(body)  # one body per length, as composing gives
        for lines, name in ((3, "Ana Pérez"), (3, "Bo Li"), (4, "Chen Jing"), (4, "Dana Roy")):
            addressee = (name, *base.addressee[1:], "Geneva")[:lines]
            letters.append(replace(with_name(base, name), body=shared_body, addressee=addressee))
    return letters


@pytest.mark.parametrize("language", [Language.EN, Language.AR, Language.ZH])
def test_a_replayed_ending_is_byte_identical_to_one_laid_out(language: Language) -> None:
    letters = _long_letters(language)
    clear_caches()
    renderer = Renderer()
    warm = [renderer.render(letter) for letter in letters]
    # each length and addressee height: the second letter replays the first one's ending
    assert ENDINGS.hits == len(letters) // 2
    assert max(pdf.pages for pdf in warm) >= 4
    for letter, pdf in zip(letters, warm, strict=True):
        clear_caches()
        alone = Renderer().render(letter)
        assert alone.data == pdf.data, letter.recipient.name
        assert alone.pages == pdf.pages


def test_a_letter_that_changes_how_its_ending_starts_is_laid_out_again() -> None:
    letters = _long_letters(Language.FR)[:2]
    clear_caches()
    renderer = Renderer()
    renderer.render(letters[0])
    moved = replace(letters[1], subject=letters[1].subject + " " + "(rappel)" * 12)
    recorded = ENDINGS.hits
    data = renderer.render(moved).data
    assert ENDINGS.hits == recorded  # the subject takes another line: the ending moved down
    clear_caches()
    assert Renderer().render(moved).data == data


def test_primed_codes_are_the_codes_reportlab_assigns() -> None:
    from reportlab.pdfbase import pdfdoc, pdfmetrics

    from missive.render import fonts, writing

    fonts.register_all()
    font: Any = pdfmetrics.getFont(fonts.face(fonts.Family.NOTO_SANS).name)
    characters = "Dear Ms Lee, ÉéçПривет 2026/0001 ‘’–"
    documents = [pdfdoc.PDFDocument() for _ in range(3)]
    writing.prime_codes(font, characters, documents[0], reuse=True)  # kept
    writing.prime_codes(font, characters, documents[1], reuse=True)  # copied from what was kept
    font.splitString(characters, documents[2])  # ReportLab's own
    states = [font.state[document] for document in documents]
    for state in states[:2]:
        assert state.assignments == states[2].assignments
        assert state.subsets == states[2].subsets
        assert state.nextCode == states[2].nextCode
    assert states[0].assignments is not states[1].assignments  # each document its own
    assert font.splitString("Zz", documents[1]) == font.splitString("Zz", documents[2])
