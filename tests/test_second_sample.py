"""The second sample letter: a reminder about no event, four languages, US Letter, own groups."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from pdf_reading import pdfium_pages

from missive.app.check import CheckRequest, check_letter
from missive.app.render_batch import BatchOptions, render_batch
from missive.model import Language, PageSize

ROOT = Path(__file__).resolve().parent.parent
REMINDER = ROOT / "letters/egov-survey-reminder.yaml"
FAMILY_WORDS = ("WSIS", "SMSI", "CMSI", "ВВУИО", "القمة العالمية", "信息社会世界峰会")
FIRST_OF = {"ar": "ar-pm-01", "zh": "zh-pm-01", "en": "en-pm-01", "fr": "fr-pm-01"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reminder") / "pdf"
    render_batch(REMINDER, out, BatchOptions(jobs=1, persist_serials=False))
    return out


def test_check_passes_with_its_own_groups() -> None:
    report = check_letter(CheckRequest(REMINDER))
    letter = report.letter
    assert letter.event is None and letter.deadline is not None
    assert letter.page_size is PageSize.LETTER
    assert letter.languages == (Language.AR, Language.ZH, Language.EN, Language.FR)
    assert report.groups == (
        "permanent-missions",
        "observer-missions",
        "international-organizations",
    )
    assert report.recipients == 13
    assert [s.key for s in letter.signatories] == ["egov-survey-director"]


def text_of(out: Path, recipient: str) -> str:
    return "\n".join(pdfium_pages((out / f"{recipient}.pdf").read_bytes()))


def test_render_writes_us_letter_pages_without_another_letters_wording(rendered: Path) -> None:
    assert not (ROOT / "letters/egov-survey-reminder.serials.csv").exists()
    for pdf in sorted(rendered.glob("*.pdf")):
        page = pypdf.PdfReader(pdf).pages[0]
        assert (round(page.mediabox.width), round(page.mediabox.height)) == (612, 792)
        text = text_of(rendered, pdf.stem)
        assert not any(word in text for word in FAMILY_WORDS), pdf.name


@pytest.mark.parametrize(
    ("language", "heading", "deadline"),
    [
        ("en", "To:", "no later than 15 September 2025."),
        ("fr", "Destinataires :", "au plus tard le 15 septembre 2025."),
        ("zh", "致：", "请于2025年9月15日前"),
        # pdfium reads this mixed line (URL, then Arabic) in visual order: the month suffices.
        ("ar", "إلى:", "سبتمبر"),
    ],
)
def test_each_language_has_the_neutral_heading_and_the_deadline(
    rendered: Path, language: str, heading: str, deadline: str
) -> None:
    text = text_of(rendered, FIRST_OF[language])
    assert heading in text
    assert " ".join(deadline.split()) in " ".join(text.split())


def test_empty_position_and_organization_leave_no_line(rendered: Path) -> None:
    lines = [line.strip() for line in text_of(rendered, "en-pm-02").splitlines()]
    start = lines.index("Mr Arjun Mehta")
    assert lines[start : start + 3] == ["Mr Arjun Mehta", "India", "To:"]
