"""proof: one reviewers' PDF, a bookmarked letter per language plus the edge cases."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
from pdf_reading import SUBSET_TAG, fonts, logical, pdfium_pages

from missive.app.proof import write_proof
from missive.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "wsis20-invitation.yaml"


@pytest.fixture(scope="module")
def proof(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    target = tmp_path_factory.mktemp("proof") / "proof.pdf"
    write_proof(SAMPLE, target)
    return target.read_bytes()


def outline(data: bytes) -> list[tuple[str, int]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    entries: list[Any] = list(reader.outline)
    marks: list[tuple[str, int]] = []
    for item in entries:
        page = reader.get_destination_page_number(item)
        assert page is not None
        marks.append((str(item.title), page))
    return marks


def test_one_bookmark_per_letter_each_on_its_own_first_page(proof: bytes) -> None:
    marks = outline(proof)
    titles = [title for title, _ in marks]
    assert [title.split(":")[0] for title in titles[:6]] == ["ar", "zh", "en", "fr", "ru", "es"]
    assert any(title.startswith("Longest name") for title in titles)
    assert any(title.startswith("Longest organisation") for title in titles)
    assert any(title.startswith("Arabic name in an English letter") for title in titles)
    assert titles[-1] == "Six signatories"
    pages = [page for _, page in marks]
    assert pages == sorted(set(pages)) and pages[0] == 0
    texts = [logical(text) for text in pdfium_pages(proof)]
    for page in pages:
        # Every letter opens with the letterhead; page labels restart with each letter.
        assert "Page 2" not in texts[page] and "Página 2" not in texts[page]


def test_edge_cases_are_there(proof: bytes) -> None:
    texts = [logical(text) for text in pdfium_pages(proof)]
    marks = dict(outline(proof))
    six_from = marks["Six signatories"]
    tail = " ".join(texts[six_from:])
    assert "Mr Li Junhua" in tail
    assert tail.count("[Original signed]") == 6
    arabic_page = next(page for title, page in marks.items() if title.startswith("Arabic name"))
    arabic_name = next(t for t in marks if t.startswith("Arabic name")).split(": ", 1)[1]
    assert "".join(arabic_name.split()) in "".join(texts[arabic_page].split())


def test_proof_fonts_are_embedded_subsets(proof: bytes) -> None:
    for font in fonts(proof):
        assert SUBSET_TAG.match(str(font["/BaseFont"]))
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_proof_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "proof.pdf"
    assert main(["proof", str(SAMPLE), "--out", str(target)]) == 0
    assert target.read_bytes().startswith(b"%PDF")
    assert str(target) in capsys.readouterr().out


def test_proof_metadata_names_the_letter_and_several_languages(proof: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(proof))
    assert reader.metadata is not None
    assert reader.metadata.title == "Proof: wsis20-invitation"
    catalog: Any = reader.trailer["/Root"]
    assert str(catalog["/Lang"]) == "mul"
    assert catalog["/PageMode"] == "/UseOutlines"
