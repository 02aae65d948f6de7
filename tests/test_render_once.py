"""`render` composes each recipient once, checks it as `check` would, and on any problem
reports them all and publishes nothing, with one process or two."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from letter_project import write_project

from missive.app.render_batch import BatchOptions, RenderRequest, render_letters
from missive.compose.composer import Composer
from missive.errors import InputError
from missive.model import ComposedLetter, Language, Recipient

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "wsis20-invitation.yaml"
LETTER = {"groups": ["governments"]}


def row(n: int, name: str = "John Smith", language: str = "en") -> str:
    return f"e{n},e{n}@example.org,{language},governments,{name},male,,,,GB"


def test_each_recipient_is_composed_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    composed: Counter[str] = Counter()
    compose = Composer.compose

    def counted(self: Composer, recipient: Recipient) -> ComposedLetter:
        composed[recipient.id] += 1
        return compose(self, recipient)

    monkeypatch.setattr(Composer, "compose", counted)
    options = BatchOptions(limit=8, jobs=1, persist_serials=False)
    manifest = render_letters(RenderRequest(SAMPLE, tmp_path / "pdf", options))
    assert manifest.letters == 8
    assert len(composed) == 8 and set(composed.values()) == {1}, composed


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_problem_is_reported_and_nothing_published(tmp_path: Path, jobs: int) -> None:
    body = {"en": "Dear colleague.", "fr": "Bonjour {{ recipient.nmae }}"}
    rows = [
        row(1),
        row(2, "Ann \U00013000 Lee"),
        row(3),
        row(4, "Bob \U00013001 Lee"),
        row(5, language="fr"),
        row(6),
    ]
    letter = write_project(tmp_path, LETTER, rows, body=body)
    out = tmp_path / "out" / "pdf"
    options = BatchOptions(jobs=jobs, persist_serials=False)
    with pytest.raises(InputError) as error:
        render_letters(RenderRequest(letter, out, options))
    problems = [str(problem) for problem in error.value.problems]
    assert len(problems) == 3, problems
    assert problems[0].startswith(f"{tmp_path}/recipients/forum.csv:3:5: ")
    assert "U+13000" in problems[0]
    assert problems[1].startswith(f"{tmp_path}/recipients/forum.csv:5:5: ")
    assert "U+13001" in problems[1]
    assert problems[2].startswith(f"{tmp_path}/templates/forum.fr.md.j2:1:1: undefined")
    assert not out.exists()
    assert list((tmp_path / "out").iterdir()) == []  # no staging folder left behind


def test_a_letter_the_renderer_refuses_is_located(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_text("not an image", encoding="utf-8")
    letter = write_project(
        tmp_path, {**LETTER, "logo": "logo.png", "logo_alt": "decorative"}, [row(1), row(2)]
    )
    out = tmp_path / "pdf"
    options = BatchOptions(jobs=1, persist_serials=False)
    with pytest.raises(InputError) as error:
        render_letters(RenderRequest(letter, out, options))
    (problem,) = error.value.problems
    assert str(problem).startswith(
        f"{tmp_path}/recipients/forum.csv:2:1: render would refuse the letter: cannot read"
    )
    assert not out.exists()


def test_a_bad_row_anywhere_in_the_list_stops_a_filtered_render(tmp_path: Path) -> None:
    """Only the selection is drawn, but the whole list is validated, as its serials are."""
    rows = [row(1, language="fr"), "e2,not-an-address,en,governments,Ann,female,,,,GB"]
    letter = write_project(tmp_path, LETTER, rows)
    options = BatchOptions(languages=(Language.FR,), jobs=1, persist_serials=False)
    with pytest.raises(InputError) as error:
        render_letters(RenderRequest(letter, tmp_path / "pdf", options))
    assert [p.line for p in error.value.problems] == [3]
