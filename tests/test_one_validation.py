"""One validation: whatever `render`, `proof` or `send` would refuse, `check` reports first.

Each case is input that a later stage refuses with its own error class (RenderError,
CoverageError, MessageError, InputError from composition or from the proof); the test shows
the stage refusing it, then `check` reporting it located, with every other problem, in one run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from letter_project import write_project

from missive.app.check import CheckRequest, check_letter
from missive.app.proof import render_proof
from missive.app.render_batch import pdf_name
from missive.compose.composer import Composer
from missive.deliver.message import build_message, load_dkim_key
from missive.errors import (
    CoverageError,
    InputError,
    MessageError,
    MissiveError,
    RenderError,
)
from missive.load import load_letter
from missive.model import Gender, Language, Letter, Recipient
from missive.render.pdf import Renderer

GOOD = "e1,e1@example.org,en,governments,John Smith,male,,,,GB"
LETTER = {"groups": ["governments"]}


def check_problems(letter: Path) -> list[str]:
    with pytest.raises(InputError) as error:
        check_letter(CheckRequest(letter))
    return [str(problem) for problem in error.value.problems]


def someone(**changes: object) -> Recipient:
    base = Recipient(
        id="e1",
        email="e1@example.org",
        language=Language.EN,
        group="governments",
        name="John Smith",
        gender=Gender.MALE,
        position="",
        organization="",
        country="GB",
        line=2,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def refused_by_render(letter: Letter, recipient: Recipient) -> MissiveError:
    with pytest.raises(MissiveError) as error:
        Renderer().render(Composer(letter).compose(recipient))
    return error.value


def refused_by_send(letter: Letter, recipient: Recipient) -> MissiveError:
    composed = Composer(letter).compose(recipient)
    with pytest.raises(MessageError) as error:
        build_message(
            composed,
            b"%PDF-",
            mail=letter.mail,
            batch_id="b",
            date=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            dkim_key=load_dkim_key(letter.mail),
        )
    return error.value


def test_an_id_that_cannot_name_a_file(tmp_path: Path) -> None:
    with pytest.raises(RenderError):
        pdf_name("../../x")
    row = "../../x,x@example.org,en,governments,John Smith,male,,,,GB"
    problems = check_problems(write_project(tmp_path, LETTER, [GOOD, row]))
    assert problems == [
        f"{tmp_path}/recipients/forum.csv:3:1: id '../../x' cannot name a file: "
        "no '/' or '\\' allowed"
    ]
    long_id = "x" * 201
    row = f"{long_id},x@example.org,en,governments,John Smith,male,,,,GB"
    (problem,) = check_problems(write_project(tmp_path / "long", LETTER, [row]))
    assert problem.endswith("forum.csv:2:1: id cannot name a file: longer than 200 bytes")
    row = ".hidden,x@example.org,en,governments,John Smith,male,,,,GB"
    (problem,) = check_problems(write_project(tmp_path / "dot", LETTER, [row]))
    assert "forum.csv:2:1: id '.hidden' cannot name a file" in problem


def test_a_character_no_font_draws(tmp_path: Path) -> None:
    row = "e1,e1@example.org,en,governments,John \U00013000 Smith,male,,,,GB"
    letter_path = write_project(tmp_path, LETTER, [row])
    letter = load_letter(letter_path)
    error = refused_by_render(letter, someone(name="John \U00013000 Smith"))
    assert isinstance(error, CoverageError)
    (problem,) = check_problems(letter_path)
    assert problem.startswith(f"{tmp_path}/recipients/forum.csv:2:5: ")
    assert "U+13000" in problem


def test_an_image_render_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_text("not an image", encoding="utf-8")
    letter_path = write_project(
        tmp_path, {**LETTER, "logo": "logo.png", "logo_alt": "decorative"}, [GOOD]
    )
    error = refused_by_render(load_letter(letter_path), someone())
    assert isinstance(error, RenderError)
    (problem,) = check_problems(letter_path)
    assert problem.startswith(f"{tmp_path}/recipients/forum.csv:2:1: render would refuse")
    assert "cannot read the image" in problem


def test_a_dkim_key_that_cannot_sign(tmp_path: Path) -> None:
    (tmp_path / "dkim.pem").write_text("not a key", encoding="utf-8")
    mail = {
        "from": "forum@example.org",
        "from_name": {"en": "Forum", "fr": "Forum"},
        "dkim_key": "dkim.pem",
        "dkim_selector": "s1",
    }
    letter_path = write_project(tmp_path, {**LETTER, "mail": mail}, [GOOD])
    error = refused_by_send(load_letter(letter_path), someone())
    assert "DKIM" in str(error)
    (problem,) = check_problems(letter_path)
    assert "forum.csv:2:1: send would refuse the message: DKIM signing failed" in problem


def test_a_sender_name_with_a_line_break(tmp_path: Path) -> None:
    letter_path = write_project(tmp_path, LETTER, [GOOD])
    letter = load_letter(letter_path)
    broken = dataclasses.replace(
        letter,
        mail=dataclasses.replace(
            letter.mail, from_name={Language.EN: "Forum\nBcc: x@y.z", Language.FR: "F"}
        ),
    )
    assert "line break" in str(refused_by_send(broken, someone()))
    text = letter_path.read_text(encoding="utf-8").replace("en: Forum (en)", 'en: "Forum\\nBcc"')
    letter_path.write_text(text, encoding="utf-8")
    (problem,) = check_problems(letter_path)
    assert "line break in mail.from_name.en" in problem


def test_a_template_error_and_an_empty_list(tmp_path: Path) -> None:
    body = {"en": "Hello {{ recipient.nmae }}", "fr": "Bonjour"}
    letter_path = write_project(tmp_path, LETTER, [GOOD], body=body)
    with pytest.raises(InputError):
        Composer(load_letter(letter_path)).compose(someone())
    (problem,) = check_problems(letter_path)
    assert problem == (
        f"{tmp_path}/templates/forum.en.md.j2:1:1: undefined: 'dict object' has no attribute 'nmae'"
    )
    empty = write_project(tmp_path / "empty", LETTER, [])
    with pytest.raises(InputError):
        render_proof(empty)
    (problem,) = check_problems(empty)
    assert problem.endswith("forum.csv:1:1: no recipients: nothing to render, proof or send")


def test_everything_is_reported_in_one_run(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_text("not an image", encoding="utf-8")
    rows = [
        GOOD,
        "../x,x@example.org,en,governments,Ann Lee,female,,,,GB",
        "e3,e3@example.org,en,governmnets,Bob Lee,male,,,,GB",
        "e4,e4@example.org,en,governments,Bob \U00013000 Lee,male,,,,GB",
    ]
    letter_path = write_project(
        tmp_path, {**LETTER, "logo": "logo.png", "logo_alt": "decorative"}, rows
    )
    problems = check_problems(letter_path)
    kinds: list[Callable[[str], bool]] = [
        lambda p: ":3:1: id '../x' cannot name a file" in p,
        lambda p: ":4:4: unknown group 'governmnets'" in p,
        lambda p: ":5:5: " in p and "U+13000" in p,
        lambda p: ":2:1: render would refuse the letter: cannot read the image" in p,
    ]
    assert all(any(kind(p) for p in problems) for kind in kinds), problems


def test_a_serial_no_font_draws(tmp_path: Path) -> None:
    """The check composes each reference with its serial, as `render` numbers it."""
    letter_path = write_project(
        tmp_path, {**LETTER, "serial_pattern": "{reference}/\U00013000{serial:04d}"}, [GOOD]
    )
    letter = load_letter(letter_path)
    with pytest.raises(CoverageError):
        Renderer().render(Composer(letter, {"e1": 1}).compose(someone()))
    (problem,) = check_problems(letter_path)
    assert problem.startswith(f"{tmp_path}/recipients/forum.csv:2:1: ")
    assert "U+13000" in problem
