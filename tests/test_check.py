"""check: every problem of letter, recipients, templates and composition, all at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from missive.app.check import CheckReport, CheckRequest, check_letter
from missive.cli.check import format_report
from missive.errors import InputError
from missive.model import Group, Language

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("tests/data")
MINI = DATA / "letters/mini.yaml"
SAMPLE = Path("letters/wsis20-invitation.yaml")
HEADER = "id,email,language,group,name,gender,honorific,position,organization,country,cc\n"


@pytest.fixture(autouse=True)
def in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def check_problems(letter: Path, recipients: Path | None = None) -> list[str]:
    with pytest.raises(InputError) as error:
        check_letter(CheckRequest(letter, recipients))
    return [str(problem) for problem in error.value.problems]


def send_py(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "send.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_sample_letter_passes_with_every_recipient_composed() -> None:
    report = check_letter(CheckRequest(SAMPLE, None))
    assert report.recipients == 62
    assert {language for language, _ in report.counts} == set(Language)
    assert {group for _, group in report.counts} == set(Group)
    assert report.language_total(Language.AR) == 11
    assert sum(report.group_total(group) for group in Group) == 62
    assert report.glyphs_checked


def test_report_table_of_the_mini_letter() -> None:
    report = check_letter(CheckRequest(MINI, None))
    assert report.count(Language.EN, Group.ACADEMIA) == 1
    assert format_report(report).splitlines() == [
        "tests/data/letters/mini.yaml: 3 recipients in tests/data/recipients/mini.csv, "
        "no problems found.",
        "",
        # One column per group of the letter's distribution list, in its order.
        "language  governments  academia  total",
        "es                  1         0      1",
        "en                  1         1      2",
        "total               2         1      3",
    ]


def test_undefined_template_variable_is_located_in_the_template() -> None:
    assert check_problems(DATA / "letters/undefined-variable.yaml") == [
        "tests/data/templates/undefined.es.md.j2:3:1: undefined variable 'recipient_nmae'"
    ]


def test_a_language_nobody_reads_is_still_composed(tmp_path: Path) -> None:
    english_only = tmp_path / "en.csv"
    english_only.write_text(HEADER + "e1,e@example.org,en,academia,E,male,,P,O,GB,\n", "utf-8")
    assert check_problems(DATA / "letters/undefined-variable.yaml", english_only) == [
        "tests/data/templates/undefined.es.md.j2:3:1: undefined variable 'recipient_nmae'"
    ]


def test_recipient_in_a_language_the_letter_does_not_offer(tmp_path: Path) -> None:
    russian = tmp_path / "ru.csv"
    russian.write_text(HEADER + "r1,r@example.org,ru,academia,Р,male,,P,O,RU,\n", "utf-8")
    assert check_problems(MINI, russian) == [
        f"{russian}:2:3: language 'ru' is not offered by the letter"
    ]


def test_character_without_glyph_is_blamed_on_the_recipient_row(tmp_path: Path) -> None:
    recipients = tmp_path / "r.csv"
    recipients.write_text(
        HEADER
        + "e1,e@example.org,en,academia,Ann,female,,P,O,GB,\n"
        + "e2,f@example.org,en,academia,Abebe ሰ,male,,P,O,ET,\n",
        "utf-8",
    )
    (problem,) = check_problems(MINI, recipients)
    assert problem.startswith(
        f"{recipients}:3:5: recipient e2: field recipient.name: character 'ሰ' (U+1230) "
        "has no glyph in font"
    )


@pytest.mark.parametrize(
    ("recipients", "expected"),
    [
        (
            "bad-email.csv",
            "3:2: invalid e-mail address 'john@@example.org': "
            "The part after the @-sign contains invalid characters: '@'.",
        ),
        (
            "unknown-language.csv",
            "4:3: unknown language 'de'; expected one of ar, zh, en, fr, ru, es",
        ),
        ("duplicate-id.csv", "4:1: duplicate id 'm1' (first on line 2)"),
    ],
)
def test_recipient_problems(recipients: str, expected: str) -> None:
    path = DATA / "recipients" / recipients
    assert check_problems(MINI, path) == [f"{path}:{expected}"]


def test_bom_recipients_pass() -> None:
    report = check_letter(CheckRequest(MINI, DATA / "recipients/bom.csv"))
    assert isinstance(report, CheckReport)
    assert report.recipients == 3


def test_letter_and_recipient_problems_are_reported_together() -> None:
    assert check_problems(
        DATA / "letters/unknown-signatory.yaml", DATA / "recipients/line-break.csv"
    ) == [
        "tests/data/letters/unknown-signatory.yaml:28:20: "
        "unknown signatory 'unesko', did you mean 'unesco'?",
        "tests/data/recipients/line-break.csv:3:5: line break in name",
        "tests/data/recipients/line-break.csv:5:10: unknown country code 'XX': no UN name",
    ]


# --- the command line -----------------------------------------------------------------


def test_cli_prints_the_table_and_exits_0_for_the_sample() -> None:
    result = send_py("check", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("letters/wsis20-invitation.yaml: 62 recipients")
    assert lines[2].split() == ["language", *(group.value for group in Group), "total"]
    assert lines[-1].split() == ["total", "15", "12", "12", "12", "11", "62"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["tests/data/letters/malformed.yaml"],
            [
                "tests/data/letters/malformed.yaml:4:7: "
                "malformed YAML: expected ',' or ']', but got ':'"
            ],
        ),
        (
            ["tests/data/letters/missing-translation.yaml"],
            [
                "tests/data/letters/missing-translation.yaml:10:3: "
                "reference: missing translation for 'en'"
            ],
        ),
        (
            [
                "tests/data/letters/mini.yaml",
                "--recipients",
                "tests/data/recipients/line-break.csv",
            ],
            [
                "tests/data/recipients/line-break.csv:3:5: line break in name",
                "tests/data/recipients/line-break.csv:5:10: unknown country code 'XX': no UN name",
            ],
        ),
    ],
)
def test_cli_prints_every_problem_and_exits_1(args: list[str], expected: list[str]) -> None:
    result = send_py("check", *args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    count = len(expected)
    summary = f"{count} problem{'s' if count != 1 else ''} found; nothing was done."
    assert result.stderr.splitlines() == [*expected, summary]


def test_cli_help_shows_an_example() -> None:
    result = send_py("check", "--help")
    assert result.returncode == 0
    assert "python send.py check letters/wsis20-invitation.yaml" in result.stdout
