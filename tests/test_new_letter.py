"""`send.py new`: a new letter's skeleton, refused by `check` until every open place is written."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from missive.app import CheckRequest, NewLetterRequest, check_letter, start_letter
from missive.errors import InputError
from missive.model import Language

ROOT = Path(__file__).resolve().parent.parent
OPEN_PLACE = re.compile(r"\[\[TO WRITE: [^\]]*\]\]")
AR_EN_FR = (Language.AR, Language.EN, Language.FR)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("letters", "templates", "recipients", "signatories"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def problems(letter: Path) -> list[str]:
    with pytest.raises(InputError) as error:
        check_letter(CheckRequest(letter))
    return [str(problem) for problem in error.value.problems]


def test_new_writes_every_file_and_check_refuses_each_open_place(project: Path) -> None:
    result = start_letter(NewLetterRequest(project, "annual-report", AR_EN_FR))
    names = sorted(path.relative_to(project).as_posix() for path in result.written)
    assert names == sorted(
        [
            "letters/annual-report.yaml",
            "recipients/annual-report.csv",
            *(f"templates/annual-report.{lang}.md.j2" for lang in ("ar", "en", "fr")),
            *(f"templates/annual-report.cover.{lang}.md.j2" for lang in ("ar", "en", "fr")),
        ]
    )
    found = problems(result.letter_path)
    for language in ("ar", "en", "fr"):
        for template in (f"annual-report.{language}", f"annual-report.cover.{language}"):
            assert any(
                f"templates/{template}.md.j2:" in p and "template still has placeholder text" in p
                for p in found
            ), template
    assert any(p.endswith("letter still has placeholder text") for p in found)


def fill(path: Path, text: str = "Written") -> None:
    written = path.read_text(encoding="utf-8").replace(
        "[[TO WRITE: singular or plural]]", "singular"
    )
    path.write_text(OPEN_PLACE.sub(text, written), encoding="utf-8")


def test_a_skeleton_like_another_letter_passes_once_written(project: Path) -> None:
    request = NewLetterRequest(
        project, "wsis21-invitation", AR_EN_FR, like="wsis20-invitation", today=dt.date(2025, 1, 9)
    )
    result = start_letter(request)
    text = result.letter_path.read_text(encoding="utf-8")
    assert "ch-detec" in text and "wsis-info@itu.int" in text  # settings taken
    assert "WSIS+20 Forum High-Level Event" not in text  # prose never
    for path in result.written:
        fill(path)
    csv = project / "recipients/wsis21-invitation.csv"
    assert csv.read_text(encoding="utf-8").startswith("id,email,language,group,")
    with csv.open("a", encoding="utf-8") as stream:
        stream.write("e1,e1@example.org,en,governments,John Smith,male,,,,GB\n")
    report = check_letter(CheckRequest(result.letter_path))
    assert report.recipients == 1
    assert report.letter.date == dt.date(2025, 1, 9)
    assert report.letter.languages == AR_EN_FR


def test_nothing_is_overwritten(project: Path) -> None:
    first = start_letter(NewLetterRequest(project, "circular", (Language.EN,)))
    fill(first.letter_path, "mine")
    before = first.letter_path.read_text(encoding="utf-8")
    with pytest.raises(InputError) as error:
        start_letter(NewLetterRequest(project, "circular", (Language.EN, Language.FR)))
    assert any("already exists" in str(p) for p in error.value.problems)
    assert first.letter_path.read_text(encoding="utf-8") == before
    assert not (project / "templates/circular.fr.md.j2").exists()


def test_bad_key_and_unknown_like_are_refused(project: Path) -> None:
    with pytest.raises(InputError) as error:
        start_letter(NewLetterRequest(project, "../evil", (Language.EN,)))
    assert "use lower-case letters" in str(error.value.problems[0])
    with pytest.raises(InputError) as error:
        start_letter(NewLetterRequest(project, "x", (Language.EN,), like="wsis19"))
    assert "no such letter" in str(error.value.problems[0])
    assert not (project / "letters/x.yaml").exists()


def test_the_command_line_route(project: Path) -> None:
    def send_py(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "send.py"), *args],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )

    made = send_py("new", "annual-report", "--languages", "ar,en,fr")
    assert made.returncode == 0, made.stderr
    assert "wrote letters/annual-report.yaml" in made.stdout
    checked = send_py("check", "letters/annual-report.yaml")
    assert checked.returncode == 1
    assert "templates/annual-report.fr.md.j2:4:1: template still has placeholder text" in (
        checked.stderr
    )
    assert "Traceback" not in checked.stderr
    again = send_py("new", "annual-report", "--languages", "en")
    assert again.returncode == 1 and "already exists" in again.stderr
    wrong = send_py("new", "x", "--languages", "en,xx")
    assert wrong.returncode == 2 and "use ar, zh, en, fr, ru, es" in wrong.stderr
