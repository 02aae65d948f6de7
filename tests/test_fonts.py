"""fonts: what each shipped face can draw, per-character fallback, coverage errors."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pdf_reading import fonts as pdf_fonts
from pdf_reading import logical, texts
from render_samples import composed, with_name

from missive.errors import CoverageError
from missive.model import Language, Paragraph, Run
from missive.render import fonts
from missive.render.pdf import Renderer

HIEROGLYPH = "\U00013000"
PRIVATE_USE = "\ue000"


def test_each_language_draws_its_own_script_with_its_own_face() -> None:
    assert fonts.family_for("ب", fonts.chain_for(Language.AR)) is fonts.Family.AMIRI
    assert fonts.family_for("国", fonts.chain_for(Language.ZH)) is fonts.Family.WQY
    assert fonts.family_for("Ж", fonts.chain_for(Language.RU)) is fonts.Family.NOTO_SANS
    assert fonts.family_for("é", fonts.chain_for(Language.FR)) is fonts.Family.NOTO_SANS


def test_other_scripts_fall_back_to_a_face_that_has_them() -> None:
    assert fonts.family_for("ب", fonts.chain_for(Language.EN)) is fonts.Family.AMIRI
    assert fonts.family_for("王", fonts.chain_for(Language.FR)) is fonts.Family.WQY
    assert fonts.family_for(HIEROGLYPH, fonts.chain_for(Language.EN)) is None


def test_chinese_bold_is_simulated_on_the_single_face() -> None:
    bold = fonts.face(fonts.Family.WQY, bold=True)
    assert bold.fake_bold
    assert bold.name == fonts.face(fonts.Family.WQY).name
    assert not fonts.face(fonts.Family.NOTO_SANS, bold=True).fake_bold


def test_arabic_name_in_english_letter_is_drawn_in_amiri() -> None:
    name = "أحمد بن سليمان"
    data = Renderer().render(with_name(composed(Language.EN), name)).data
    names = [str(font["/BaseFont"]) for font in pdf_fonts(data)]
    assert any("Amiri" in found for found in names)
    assert any("NotoSans" in found for found in names)
    for text in texts(data):
        assert "".join(logical(name).split()) in "".join(logical(text).split())


def test_chinese_name_in_french_letter_is_drawn_in_the_cjk_face() -> None:
    data = Renderer().render(with_name(composed(Language.FR), "王小明")).data
    assert any("WenQuanYi" in str(font["/BaseFont"]) for font in pdf_fonts(data))
    assert all("王小明" in text for text in texts(data))


def test_a_clean_letter_has_no_uncovered_character() -> None:
    for language in Language:
        assert fonts.find_uncovered(composed(language)) == []


def test_uncovered_character_in_the_name_is_reported_on_the_recipient() -> None:
    letter = with_name(composed(Language.EN, signatory_count=1), f"Ann {HIEROGLYPH}")
    errors = fonts.find_uncovered(letter)
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, CoverageError)
    assert (error.recipient_id, error.field, error.character) == (
        "en-gov-01",
        "recipient.name",
        HIEROGLYPH,
    )
    assert "U+13000" in str(error)


def test_uncovered_character_in_the_body_names_the_field() -> None:
    letter = composed(Language.AR)
    body = (*letter.body, Paragraph((Run(f"نص {PRIVATE_USE}"),)))
    errors = fonts.find_uncovered(replace(letter, body=body))
    assert [(e.field, e.character) for e in errors] == [("body", PRIVATE_USE)]


def test_the_renderer_refuses_a_character_it_cannot_draw() -> None:
    letter = with_name(composed(Language.RU), f"Иван {PRIVATE_USE}")
    with pytest.raises(CoverageError) as caught:
        Renderer().render(letter)
    assert caught.value.field == "recipient.name"
