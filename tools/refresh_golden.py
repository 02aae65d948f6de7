"""Render both sample letters again and write their hashes to tests/golden/sample_pdfs.json.

    .venv/bin/python tools/refresh_golden.py [--png DIR]

A change of a sample PDF's bytes is a reviewed change: run this in the commit that makes
it, look at the page images it writes (pages 1 and 2 of one letter per language of each
sample, `pdftoppm -r 90`, into DIR, by default out/golden-png/), and commit the new hashes
with the code. It prints which PDFs changed. See docs/render.md, "Golden hashes".
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from golden_samples import GOLDEN, languages_of, render_samples, sha256_of  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--png", type=Path, default=ROOT / "out" / "golden-png")
    args = parser.parse_args()
    before: dict[str, str] = {}
    if GOLDEN.exists():
        before = json.loads(GOLDEN.read_text(encoding="utf-8"))["sha256"]
    with tempfile.TemporaryDirectory(prefix="missive-golden-") as folder:
        pdfs = render_samples(Path(folder))
        hashes = sha256_of(pdfs)
        _write_pngs(pdfs, languages_of(Path(folder)), args.png)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"sha256": dict(sorted(hashes.items()))}, indent=1) + "\n"
    GOLDEN.write_text(text, encoding="utf-8")
    changed = sorted(k for k in hashes.keys() | before.keys() if hashes.get(k) != before.get(k))
    for key in changed:
        what = "new" if key not in before else "gone" if key not in hashes else "changed"
        print(f"{what}: {key}")
    print(f"{len(hashes)} PDFs, {len(changed)} changed; pages in {args.png}")
    return 0


def _write_pngs(pdfs: dict[str, Path], languages: dict[str, str], folder: Path) -> None:
    """Pages 1 and 2 of the first letter of each language of each sample."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    done: set[tuple[str, str]] = set()
    for key, path in pdfs.items():
        letter = key.split("/")[0]
        if (letter, languages[key]) in done:
            continue
        done.add((letter, languages[key]))
        prefix = folder / f"{letter}-{languages[key]}"
        command = ["pdftoppm", "-r", "90", "-png", "-f", "1", "-l", "2", str(path), str(prefix)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    sys.exit(main())
