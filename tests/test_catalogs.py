"""The gettext catalogs: complete in six languages, checked, compiled when stale."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from missive.compose.catalogs import LOCALE_DIR, Catalogs, catalog_problems, po_path
from missive.compose.composer import Composer
from missive.compose.messages import MESSAGES, REFERENCE
from missive.errors import InputError
from missive.load import load_letter
from missive.model import Gender, Group, Language, Recipient

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def locale_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    return copy


def edit_po(locale_dir: Path, language: Language, old: str, new: str) -> tuple[Path, int]:
    """Replace `old` in a catalog; return the file and the line where `old` began."""
    path = po_path(language, locale_dir)
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


def test_the_template_lists_exactly_the_declared_messages() -> None:
    with (LOCALE_DIR / "missive.pot").open("rb") as stream:
        template = read_po(stream)
    declared = {(m.context, m.msgid) for m in MESSAGES}
    assert {(m.context, m.id) for m in template if m.id} == declared


def test_every_language_is_completely_translated() -> None:
    assert catalog_problems(list(Language)) == []


def test_an_empty_translation_is_a_located_problem(locale_dir: Path) -> None:
    path, line = edit_po(
        locale_dir,
        Language.FR,
        'msgid "Reference:"\nmsgstr "Référence\u00a0:"',
        'msgid "Reference:"\nmsgstr ""',
    )
    expected = f"{path}:{line}:1: missing translation for 'Reference:'"
    assert [str(p) for p in catalog_problems([Language.FR, Language.ES], locale_dir)] == [expected]
    letter = load_letter(ROOT / "letters/wsis20-invitation.yaml")
    with pytest.raises(InputError) as error:
        Composer(letter, locale_dir=locale_dir)
    assert [str(p) for p in error.value.problems] == [expected]


def test_a_translation_must_keep_its_placeholders(locale_dir: Path) -> None:
    path, line = edit_po(locale_dir, Language.ES, 'msgstr "Página {page}"', 'msgstr "Página"')
    assert [str(p) for p in catalog_problems([Language.ES], locale_dir)] == [
        f"{path}:{line - 1}:1: translation of 'Page {{page}}' must use {{page}}"
    ]


def test_a_missing_catalog_is_reported(locale_dir: Path) -> None:
    shutil.rmtree(locale_dir / "ru")
    path = po_path(Language.RU, locale_dir)
    expected = [f"{path}:1:1: missing catalog for language ru"]
    assert [str(p) for p in catalog_problems([Language.RU], locale_dir)] == expected
    letter = load_letter(ROOT / "letters/wsis20-invitation.yaml")
    with pytest.raises(InputError) as error:
        Composer(letter, locale_dir=locale_dir)
    assert [str(p) for p in error.value.problems] == expected


def compile_with(locale_dir: Path, language: Language, reference: str) -> Path:
    """Compile the catalog to .mo with a different translation of "Reference:"."""
    po = po_path(language, locale_dir)
    with po.open("rb") as stream:
        catalog = read_po(stream)
    catalog[REFERENCE.msgid].string = reference
    mo = po.with_suffix(".mo")
    with mo.open("wb") as stream:
        write_mo(stream, catalog)
    return mo


def test_an_up_to_date_mo_is_used(locale_dir: Path) -> None:
    mo = compile_with(locale_dir, Language.EN, "Ref. (compiled):")
    later = po_path(Language.EN, locale_dir).stat().st_mtime + 10
    os.utime(mo, (later, later))
    assert Catalogs(Language.EN, locale_dir).text(REFERENCE) == "Ref. (compiled):"


def test_a_stale_mo_is_ignored_and_the_po_compiled_in_memory(locale_dir: Path) -> None:
    mo = compile_with(locale_dir, Language.EN, "Ref. (stale):")
    earlier = po_path(Language.EN, locale_dir).stat().st_mtime - 10
    os.utime(mo, (earlier, earlier))
    assert Catalogs(Language.EN, locale_dir).text(REFERENCE) == "Reference:"


def test_catalog_labels_reach_the_letter(locale_dir: Path) -> None:
    edit_po(locale_dir, Language.ES, 'msgstr "Correo-e:"', 'msgstr "Correo electrónico:"')
    letter = load_letter(ROOT / "letters/wsis20-invitation.yaml")
    spanish = dataclasses.replace(letter, languages=(Language.ES,))
    recipient = Recipient(
        id="es-1",
        email="ana@example.org",
        language=Language.ES,
        group=Group.ACADEMIA,
        name="Ana Pérez",
        gender=Gender.FEMALE,
        position="Rectora",
        organization="Universidad",
        country="ES",
    )
    composed = Composer(spanish, locale_dir=locale_dir).compose(recipient)
    assert composed.header_fields[3].label == "Correo electrónico:"
