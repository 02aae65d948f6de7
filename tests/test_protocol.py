"""What a letter says, as a UN editor reads it in the real PDFs of both samples (issue 25):
the UN's country names, salutations by rank, closings that agree with the letter's voice,
French and Chinese typography, the Chinese address block, and the cover e-mail's subject.

Both samples are rendered once, as `render` renders them; the text is read back with
poppler's `pdftotext`, as a reviewer's tool reads it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pdf_reading import has_pdftotext, poppler_text

from missive.app.render_batch import BatchOptions, render_batch

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ("wsis20-invitation", "egov-survey-reminder")

pytestmark = pytest.mark.skipif(not has_pdftotext(), reason="needs poppler's pdftotext")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ "<letter>/<recipient id>" -> its PDF, for every recipient of both samples."""
    found: dict[str, Path] = {}
    for name in SAMPLES:
        out = tmp_path_factory.mktemp(name)
        options = BatchOptions(jobs=1, persist_serials=False)
        render_batch(ROOT / "letters" / f"{name}.yaml", out, options)
        for entry in json.loads((out / "manifest.json").read_text(encoding="utf-8")):
            found[f"{name}/{entry['recipient']}"] = out / entry["pdf"]
    return found


def text(pdfs: dict[str, Path], key: str, page: int | None = None) -> str:
    return poppler_text(pdfs[key].read_bytes(), page=page)


def lines(pdfs: dict[str, Path], key: str, page: int | None = None) -> list[str]:
    return [" ".join(line.split()) for line in text(pdfs, key, page).splitlines()]


# --- defect 3: the UN's country names ----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "un_name", "cldr_name"),
    [
        ("wsis20-invitation/ru-gov-01", "Российская Федерация", "Россия"),
        ("wsis20-invitation/ru-int-01", "Кыргызстан", "Киргизия"),
        ("wsis20-invitation/es-int-01", "Bolivia (Estado Plurinacional de)", "Bolivia"),
        ("wsis20-invitation/en-civ-01", "United States of America", "United States"),
        ("wsis20-invitation/en-gov-02", "United Kingdom of Great Britain and Northern Ireland",
         "United Kingdom"),
        ("egov-survey-reminder/en-om-01", "Holy See", "Vatican City"),
        ("egov-survey-reminder/fr-om-01", "État de Palestine", "Territoires palestiniens"),
    ],
)  # fmt: skip
def test_the_addressee_block_ends_with_the_uns_name_of_the_country(
    pdfs: dict[str, Path], key: str, un_name: str, cldr_name: str
) -> None:
    page = lines(pdfs, key, page=1)
    assert un_name in page
    assert cldr_name not in page
