"""Reading rendered PDFs back, the way reviewers' tools do (poppler) and pip-only (pdfium)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2

SUBSET_TAG = re.compile(r"^/?[A-Z]{6}\+")


def has_pdftotext() -> bool:
    return shutil.which("pdftotext") is not None


def poppler_text(data: bytes, *, page: int | None = None) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "letter.pdf"
        path.write_bytes(data)
        pages = ["-f", str(page), "-l", str(page)] if page else []
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"],
            check=True,
            capture_output=True,
        )
    return result.stdout.decode("utf-8")


def pdfium_pages(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


def texts(data: bytes) -> list[str]:
    """The whole text by every extractor available (pdfium always, poppler if installed)."""
    found = ["\n".join(pdfium_pages(data))]
    if has_pdftotext():
        found.append(poppler_text(data))
    return found


def logical(text: str) -> str:
    """NFKC (Arabic presentation forms -> letters), no bidi controls, single spaces."""
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(char for char in folded if unicodedata.category(char) != "Cf")
    return " ".join(visible.split())


def fonts(data: bytes) -> list[dict[str, Any]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    found: dict[str, dict[str, Any]] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            found[str(font["/BaseFont"])] = dict(font)
    return list(found.values())


def links(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    uris: list[str] = []
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            action = annotation.get_object().get("/A", {})
            if "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def render_page(data: bytes, index: int = 0, scale: float = 1.0) -> Any:
    """Page `index` as a greyscale PIL image (72 dpi * scale)."""
    document = pypdfium2.PdfDocument(data)
    try:
        bitmap = document[index].render(scale=scale, grayscale=True)
        return bitmap.to_pil().convert("L")
    finally:
        document.close()
