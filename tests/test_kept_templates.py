"""Templates compiled and analysed in one run and read back by the next (`kept_templates`),
what Babel answered kept (`kept_babel`), and catalogs checked once per text."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
from babel import Locale
from babel.messages import pofile
from babel.messages.pofile import read_po

from missive.compose import catalogs, kept_templates
from missive.compose.catalogs import catalog_problems, po_path
from missive.compose.composer import Composer, CoverMode
from missive.compose.kept_babel import KeptLocaleResults
from missive.load import iter_recipients, load_letter
from missive.model import ComposedLetter, Language
from missive.storage import startcache

ROOT = Path(__file__).resolve().parent.parent
LETTER = "letters/wsis20-invitation.yaml"


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(startcache.CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def letter_path(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    for folder in ("letters", "templates", "signatories", "recipients"):
        shutil.copytree(ROOT / folder, project / folder)
    return project / LETTER


def compose_all(letter_path: Path) -> list[ComposedLetter]:
    letter = load_letter(letter_path)
    composer = Composer(letter, covers=CoverMode.FULL)
    return [composer.compose(r) for r in iter_recipients(letter.recipients_path, letter)]


def entries(cache: Path, kind: str) -> list[Path]:
    return sorted(cache.glob(f"{kind}-*.pickle"))


def count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources Jinja2 compiles from now on."""
    compiled: list[str] = []
    compile_source = jinja2.Environment.compile

    def counted(env: jinja2.Environment, source: str, *rest: Any, **options: Any) -> Any:
        compiled.append(source)
        return compile_source(env, source, *rest, **options)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return compiled


def test_a_warm_composer_reads_what_a_cold_one_kept_and_composes_the_same(
    letter_path: Path, cache_in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = compose_all(letter_path)
    # body, cover and subject x 6 languages
    assert len(entries(cache_in_tmp, kept_templates.CODE_KIND)) == 18
    assert len(entries(cache_in_tmp, kept_templates.FACTS_KIND)) == 18
    compiled = count_compiles(monkeypatch)
    monkeypatch.setattr(kept_templates, "_facts", lambda tree: pytest.fail("parsed again"))
    warm = compose_all(letter_path)
    assert compiled == []
    assert warm == cold


# Composes every letter of a project in a process of its own (Babel keeps what it read in
# the process), failing if Babel reads any locale's data.
NO_LOCALE_DATA = """
import sys
from pathlib import Path
import babel.localedata
def refuse(name, *rest, **options):
    raise SystemExit(f"locale data read: {name}")
babel.localedata.load = refuse
from missive.compose.composer import Composer, CoverMode
from missive.load import iter_recipients, load_letter
letter = load_letter(Path(sys.argv[1]))
composer = Composer(letter, covers=CoverMode.FULL)
for recipient in iter_recipients(letter.recipients_path, letter):
    composer.compose(recipient)
"""


def test_a_warm_process_reads_no_locale_data(letter_path: Path, cache_in_tmp: Path) -> None:
    compose_all(letter_path)
    assert compose_elsewhere(letter_path, cache_in_tmp).returncode == 0
    # The same script does read it when nothing is kept.
    cold = compose_elsewhere(letter_path, cache_in_tmp.parent / "empty")
    assert "locale data read" in cold.stderr


def compose_elsewhere(letter_path: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", NO_LOCALE_DATA, str(letter_path)]
    environment = {**os.environ, startcache.CACHE_ENV: str(cache)}
    return subprocess.run(
        command, env=environment, capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_an_edited_template_is_compiled_and_analysed_again(
    letter_path: Path, cache_in_tmp: Path
) -> None:
    before = {c.recipient.id: c for c in compose_all(letter_path)}
    body = letter_path.parent.parent / "templates" / "wsis20-invitation.en.md.j2"
    body.write_text(body.read_text(encoding="utf-8") + "\nFor {{ recipient.name }}.\n")
    after = compose_all(letter_path)
    assert len(entries(cache_in_tmp, kept_templates.CODE_KIND)) == 18  # replaced, not added
    assert len(entries(cache_in_tmp, kept_templates.FACTS_KIND)) == 18
    for composed in after:
        changed = composed.language is Language.EN
        assert (f"For {composed.recipient.name}." in repr(composed.body)) is changed
        assert (composed == before[composed.recipient.id]) is not changed


def test_an_edited_subject_is_compiled_and_analysed_again(
    letter_path: Path, cache_in_tmp: Path
) -> None:
    compose_all(letter_path)
    text = letter_path.read_text(encoding="utf-8")
    fixed = '  fr: "Invitation à la Manifestation'
    assert fixed in text
    letter_path.write_text(
        text.replace(fixed, '  fr: "{{ recipient.name }}: Invitation à la Manifestation'),
        encoding="utf-8",
    )
    for composed in compose_all(letter_path):
        personal = composed.language is Language.FR
        # French typography: a no-break space before the colon
        opening = (
            f"{composed.recipient.name}\u00a0: " if personal else f"{composed.recipient.name}: "
        )
        assert composed.subject.startswith(opening) is personal
    assert len(entries(cache_in_tmp, kept_templates.CODE_KIND)) == 18


def test_damaged_entries_are_only_work_done_again(letter_path: Path, cache_in_tmp: Path) -> None:
    cold = compose_all(letter_path)
    for kind, junk in ((kept_templates.CODE_KIND, b"junk"), (kept_templates.FACTS_KIND, "x")):
        for entry in entries(cache_in_tmp, kind):
            entry.write_bytes(pickle.dumps(junk))
    assert compose_all(letter_path) == cold


def test_catalog_problems_are_found_once_per_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locale_dir = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, locale_dir)
    assert catalog_problems(list(Language), locale_dir) == []
    monkeypatch.setattr(pofile, "read_po", lambda *a, **k: pytest.fail("read again"))
    assert catalog_problems(list(Language), locale_dir) == []
    path = po_path(Language.FR, locale_dir)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('msgstr "Page {page}"', 'msgstr "Page"'), encoding="utf-8")
    monkeypatch.setattr(pofile, "read_po", read_po)
    (problem,) = catalog_problems(list(Language), locale_dir)
    assert problem.path == path
    assert "must use {page}" in problem.message


def test_babel_answers_are_kept_per_language_and_locale(cache_in_tmp: Path) -> None:
    # A letter may give English the French locale; the UN date patterns stay English.
    french = Locale.parse("fr_FR")
    KeptLocaleResults(Language.FR, french).get("question", lambda: "1er juillet 2025")
    english = KeptLocaleResults(Language.EN, french)
    assert english.get("question", lambda: "1 juillet 2025") == "1 juillet 2025"
    again = KeptLocaleResults(Language.FR, french)
    assert again.get("question", lambda: pytest.fail("asked again")) == "1er juillet 2025"
