"""The sample letters rendered as a user renders them, for the golden hashes.

`tests/test_golden.py` compares what this renders with `tests/golden/sample_pdfs.json`;
`tools/refresh_golden.py` writes that file again (and page images for the reviewer) when
a change of bytes is meant. Both render the same way: `render_letters`, one process,
serials read from the letter's registry and never written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from missive.app.render_batch import BatchOptions, RenderRequest, render_letters

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ("wsis20-invitation", "egov-survey-reminder")
GOLDEN = ROOT / "tests" / "golden" / "sample_pdfs.json"


def render_samples(out: Path, jobs: int = 1) -> dict[str, Path]:
    """Every PDF of both sample letters (all recipients, all languages), rendered into
    `out/<letter>/` by `jobs` processes, by "<letter>/<recipient id>"."""
    found: dict[str, Path] = {}
    for name in SAMPLES:
        options = BatchOptions(jobs=jobs, persist_serials=False)
        request = RenderRequest(ROOT / "letters" / f"{name}.yaml", out / name, options)
        manifest = render_letters(request)
        for entry in json.loads(manifest.path.read_text(encoding="utf-8")):
            found[f"{name}/{entry['recipient']}"] = manifest.out_dir / entry["pdf"]
    return found


def languages_of(out: Path) -> dict[str, str]:
    """ "<letter>/<recipient id>" -> the letter's language, from the manifests in `out`."""
    languages: dict[str, str] = {}
    for name in SAMPLES:
        manifest = json.loads((out / name / "manifest.json").read_text(encoding="utf-8"))
        languages.update({f"{name}/{e['recipient']}": e["language"] for e in manifest})
    return languages


def sha256_of(pdfs: dict[str, Path]) -> dict[str, str]:
    return {key: hashlib.sha256(path.read_bytes()).hexdigest() for key, path in pdfs.items()}


def golden() -> dict[str, str]:
    """The hashes held in the golden file."""
    held: dict[str, str] = json.loads(GOLDEN.read_text(encoding="utf-8"))["sha256"]
    return held
