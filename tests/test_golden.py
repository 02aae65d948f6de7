"""Golden hashes: every PDF of both sample letters, byte for byte.

A change of these bytes is a reviewed change: `tools/refresh_golden.py` writes the new
hashes and page images of each language to look at, in the commit that changes them
(docs/render.md, "Golden hashes")."""

from __future__ import annotations

from pathlib import Path

from golden_samples import golden, render_samples, sha256_of

REFRESH = "a change of bytes is reviewed: run tools/refresh_golden.py and look at its pages"


def test_every_sample_pdf_has_its_golden_hash(tmp_path: Path) -> None:
    rendered = sha256_of(render_samples(tmp_path))
    held = golden()
    assert rendered.keys() == held.keys(), REFRESH
    changed = sorted(key for key in held if rendered[key] != held[key])
    assert not changed, f"{len(changed)} PDFs changed ({', '.join(changed[:5])}...); {REFRESH}"


def test_the_golden_file_covers_both_letters_and_every_language() -> None:
    held = golden()
    assert len(held) == 75
    languages = {key.split("/")[1][:2] for key in held if key.startswith("wsis20-invitation/")}
    assert languages == {"ar", "zh", "en", "fr", "ru", "es"}
    assert any(key.startswith("egov-survey-reminder/") for key in held)
