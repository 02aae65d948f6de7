"""Any letter, not only the sample: own groups and heading, no event, empty positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from letter_project import per_language, write_project
from pdf_reading import pdfium_pages

from missive.app.check import CheckRequest, check_letter
from missive.app.render_batch import BatchOptions, render_batch
from missive.compose.composer import Composer
from missive.errors import InputError
from missive.load import load_letter, load_recipients

FOUR = ["ar", "en", "fr", "es"]
OWN_GROUPS = {
    "groups": ["member-states", "sector-members", "governments"],
    "group_names": {
        "member-states": {
            "ar": "الدول الأعضاء",
            "en": "Member States",
            "fr": "États Membres",
            "es": "Estados Miembros",
        },
        "sector-members": {
            "ar": "أعضاء القطاعات",
            "en": "Sector Members",
            "fr": "Membres de Secteur",
            "es": "Miembros de Sector",
        },
    },
    "distribution_heading": {
        "ar": "إلى الدول الأعضاء في اللجنة:",
        "en": "To the members of the Commission:",
        "fr": "Aux membres de la Commission :",
        "es": "A los miembros de la Comisión:",
    },
}
ROWS = [
    "a1,a1@example.org,ar,member-states,سارة علي,female,,,وزارة الاتصالات,EG",
    "e1,e1@example.org,en,sector-members,John Smith,male,,,,GB",
    "f1,f1@example.org,fr,governments,Claire Martin,female,,,Ministère,FR",
    "s1,s1@example.org,es,member-states,Luis Pérez,male,,Director,,CL",
]
FAMILY_WORDS = ("WSIS", "SMSI", "CMSI", "ВВУИО", "القمة العالمية")


def problems_of(letter: Path) -> list[str]:
    with pytest.raises(InputError) as error:
        check_letter(CheckRequest(letter))
    return [str(problem) for problem in error.value.problems]


def test_own_groups_heading_july_and_empty_positions_render(tmp_path: Path) -> None:
    letter = write_project(tmp_path, {"languages": FOUR, **OWN_GROUPS}, ROWS)
    report = check_letter(CheckRequest(letter))
    assert report.recipients == 4
    assert report.groups == ("member-states", "sector-members", "governments")
    out = tmp_path / "pdf"
    render_batch(letter, out, BatchOptions(jobs=1, persist_serials=False))
    texts = {rid: "\n".join(pdfium_pages((out / f"{rid}1.pdf").read_bytes())) for rid in "aefs"}
    for text in texts.values():
        assert not any(word in text for word in FAMILY_WORDS)
    assert "To the members of the Commission:" in texts["e"]
    assert "Sector Members" in texts["e"] and "Member States" in texts["e"]
    assert "Aux membres de la Commission :" in texts["f"]
    assert "8–11 July 2025" in texts["e"]
    assert "8-11 juillet 2025" in texts["f"]
    assert "8–11 de julio de 2025" in texts["s"]


def test_empty_position_and_organization_leave_no_line(tmp_path: Path) -> None:
    letter_path = write_project(tmp_path, {"languages": FOUR, **OWN_GROUPS}, ROWS)
    letter = load_letter(letter_path)
    composer = Composer(letter)
    by_id = {r.id: r for r in load_recipients(letter.recipients_path, letter)}
    uk = "United Kingdom of Great Britain and Northern Ireland"  # the UN's name, not CLDR's
    assert composer.compose(by_id["e1"]).addressee == ("Mr John Smith", uk)
    assert composer.compose(by_id["s1"]).addressee == ("Sr. Luis Pérez", "Director", "Chile")
    for recipient in by_id.values():
        lines = composer.compose(recipient).addressee
        assert all(line.strip() and not line.rstrip().endswith(",") for line in lines)


def test_without_groups_no_distribution_list_and_no_group_column(tmp_path: Path) -> None:
    header = "id,email,language,name,gender,position,organization,country"
    rows = ["e1,e1@example.org,en,John Smith,male,,,GB"]
    letter_path = write_project(tmp_path, {}, rows, header=header)
    report = check_letter(CheckRequest(letter_path))
    assert report.recipients == 1
    recipients = load_recipients(report.recipients_path, report.letter)
    composed = Composer(report.letter).compose(recipients[0])
    assert composed.distribution_heading == ""
    assert composed.distribution == ()


def test_groups_without_heading_get_the_neutral_one(tmp_path: Path) -> None:
    rows = ["e1,e1@example.org,en,governments,John Smith,male,,,,GB"]
    letter = load_letter(write_project(tmp_path, {"groups": ["governments"]}, rows))
    composed = Composer(letter).compose(load_recipients(letter.recipients_path, letter)[0])
    assert composed.distribution_heading == "To:"
    assert composed.distribution == ("Governments",)


def test_group_mistakes_are_located(tmp_path: Path) -> None:
    rows = ["e1,e1@example.org,en,member-state,John Smith,male,,,,GB"]
    letter = write_project(
        tmp_path,
        {
            "languages": ["en", "fr"],
            "groups": ["member-states", "govrnments"],
            "group_names": {
                "member-states": per_language(["en", "fr"], "Member States"),
                "observers": per_language(["en", "fr"], "Observers"),
            },
        },
        rows,
    )
    found = problems_of(letter)
    assert any("unknown group 'govrnments', did you mean 'governments'?" in p for p in found)
    assert any("'observers' is named but not listed in groups" in p for p in found)
    rows_only = write_project(
        tmp_path / "second",
        {"groups": ["governments", "academia"]},
        ["e1,e1@example.org,en,goverments,John Smith,male,,,,GB"],
    )
    (problem,) = problems_of(rows_only)
    assert problem.endswith(
        "recipients/forum.csv:2:4: unknown group 'goverments', did you mean 'governments'?"
    )


def test_heading_without_groups_is_refused(tmp_path: Path) -> None:
    header = "id,email,language,name,gender,position,organization,country"
    letter = write_project(
        tmp_path,
        {"distribution_heading": per_language(["en", "fr"], "To all:")},
        ["e1,e1@example.org,en,John Smith,male,,,GB"],
        header=header,
    )
    (problem,) = problems_of(letter)
    assert "distribution_heading without groups" in problem


def test_a_letter_without_event_composes_and_event_use_is_located(tmp_path: Path) -> None:
    rows = ["e1,e1@example.org,en,governments,John Smith,male,,,,GB"]
    body = {
        "en": "Please reply by {{ deadline }}.",
        "fr": "Veuillez répondre avant le {{ deadline }}.",
    }
    fine = write_project(
        tmp_path / "fine",
        {"event": None, "deadline": "2025-09-15", "groups": ["governments"]},
        rows,
        body=body,
    )
    assert check_letter(CheckRequest(fine)).letter.event is None
    broken = write_project(
        tmp_path / "broken",
        {
            "event": None,
            "groups": ["governments"],
            "subject": {"en": "On {{ event_dates }}", "fr": "x"},
        },
        rows,
    )
    found = problems_of(broken)
    hint = "undefined variable 'event_dates' (the letter has no 'event:')"
    assert any(p.endswith(f"forum.yaml:26:1: subject (en): {hint}") for p in found)
    assert any(p.endswith(f"templates/forum.fr.md.j2:1:1: {hint}") for p in found)
