"""Cover notes written once per shape of the reference and filled with each recipient's
digits are the notes written whole; templates that do more with the reference than print it
are always written whole."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from letter_project import write_project

from missive.compose.composer import Composer, CoverMode
from missive.compose.cover_shapes import ReferenceShapes, WriteCover
from missive.compose.markup import DIGIT_STAND_IN
from missive.load import iter_recipients, load_letter
from missive.load.serials import assign_serials
from missive.model import CoverNote, Language, Letter

ROOT = Path(__file__).resolve().parent.parent
# References of one digit (e1 to e9), then two: "RC-7", "RC-12".
LETTER = {
    "groups": ["governments"],
    "reference": {"en": "RC", "fr": "RC"},
    "serial_pattern": "{reference}-{serial}",
}
ROWS = [f"e{n},e{n}@example.org,en,governments,Ann Lee,female,,,,GB" for n in range(1, 13)]


def written_whole(
    self: ReferenceShapes, key: object, context: Mapping[str, Any], write: WriteCover
) -> CoverNote:
    return write(context)


def covers(letter: Letter) -> list[CoverNote]:
    recipients = list(iter_recipients(letter.recipients_path, letter))
    serials = assign_serials(letter, (r.id for r in recipients), persist=False)
    composer = Composer(letter, serials, covers=CoverMode.FULL)
    return [composer.compose(recipient).cover for recipient in recipients]


def both_ways(
    letter: Letter, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[CoverNote], list[CoverNote]]:
    shaped = covers(letter)
    with monkeypatch.context() as patch:
        patch.setattr(ReferenceShapes, "note", written_whole)
        whole = covers(letter)
    return shaped, whole


@pytest.mark.parametrize("name", ["wsis20-invitation", "egov-survey-reminder"])
def test_sample_notes_are_the_notes_written_whole(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    letter = load_letter(ROOT / "letters" / f"{name}.yaml")
    kits = Composer(letter)._kits.values()
    assert all(kit.cover_by_reference for kit in kits)  # the samples take the shaped way
    shaped, whole = both_ways(letter, monkeypatch)
    assert shaped == whole


def project(tmp_path: Path, cover: str) -> Letter:
    path = write_project(tmp_path, LETTER, ROWS)
    (tmp_path / "templates/forum.cover.en.md.j2").write_text(cover, encoding="utf-8")
    return load_letter(path)


@pytest.mark.parametrize(
    "cover",
    [
        "{{ salutation }}\n\nOur reference: **{{ reference }}**, twice: {{ reference }}.\n",
        "{{ reference }}\n\n{{ reference }}. opens a line\n",
        "[{{ reference }}](https://example.org/?r={{ reference }})\n",
        "See https://example.org/{{ reference }} and"
        " [the letter](https://example.org/{{ reference }}).\n",
        "A printed stand-in \uff10 beside {{ reference }}\n",
        '{% set attachment_name = "Letter " ~ "x" %}{{ closing }} {{ reference }}\n',
        "حسن السيد {{ reference }} المعلومات+20\n",
    ],
)
def test_notes_from_shapes_are_the_notes_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cover: str
) -> None:
    letter = project(tmp_path, cover)
    shaped, whole = both_ways(letter, monkeypatch)
    assert shaped == whole
    assert len({note.text for note in shaped}) == len(ROWS)  # each names its own reference
    assert not any(DIGIT_STAND_IN in note.html for note in shaped if "\uff10" not in cover)


@pytest.mark.parametrize(
    ("cover", "by_reference"),
    [
        ("{{ salutation }} {{ reference }} {{ closing }}", True),
        ("{{ reference | upper }}", False),
        ("{% if reference %}x{% endif %}", False),
        ("{{ reference ~ '!' }}", False),
        ("{{ recipient.name }} {{ reference }}", False),
        ("{% set r = reference %}{{ r }}", False),
        ("{% include 'other.md.j2' %}", False),
    ],
)
def test_only_templates_that_print_the_reference_as_it_is(
    tmp_path: Path, cover: str, by_reference: bool
) -> None:
    letter = project(tmp_path, cover)
    kit = Composer(letter)._kits[Language.EN]
    assert kit.cover_by_reference is by_reference
