"""Typographic faults of both sample letters, missive beside Typst, per language.

    .venv/bin/python bench/typography.py [--letter FILE]... [--markdown] [--keep DIR]

Every recipient of each sample letter is composed by missive, then typeset by missive's
renderer and by Typst (bench/letter.typ through bench/peers.py, same fonts, sizes and
margins). Both PDFs are read back the same way (tests/typeset_lines.py: glyph positions from
pdfplumber, blocks matched to the composed letter) and these are counted:

  hyphenated lines        lines of the body ending in a hyphen
  runs of 3+ hyphens      three or more hyphenated lines in a row
  ends on a fragment      paragraphs whose penultimate line is hyphenated and whose last
                          line is shorter than half the measure ("tech-/nologies.")
  loose lines             justified lines whose word spaces are over 150 % of the font's
                          own (Chinese: ideographs spaced more than a tenth of an em apart)
  1-character last lines  Chinese paragraphs whose last line holds one character
  widows, orphans         a paragraph's last line alone at the top of a page, its first
                          alone at the foot
  page opens on closing   a page that starts with the closing formula
  runts                   a subject's or letterhead's last line of one word
  justified address lines an address line that wraps and is stretched
  blocks not found        blocks of the composed letter the reader could not find (a
                          check on the measure itself: it should be 0)

Target: zero for every rule, and fewer loose lines than Typst in every language.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from typeset_lines import Fault, faults  # noqa: E402

from bench.peers import TypstPeer  # noqa: E402
from missive.compose.composer import Composer, CoverMode  # noqa: E402
from missive.load import iter_recipients, load_letter  # noqa: E402
from missive.load.serials import assign_serials_over_list  # noqa: E402
from missive.render.pdf import Renderer  # noqa: E402

SAMPLES = (
    ROOT / "letters" / "wsis20-invitation.yaml",
    ROOT / "letters" / "egov-survey-reminder.yaml",
)
ENGINES = ("missive", "Typst")
TOTAL = "total"

Table = dict[str, dict[str, Counter[Fault]]]  # engine -> language -> fault counts


def measure(letters: list[Path], keep: Path | None) -> tuple[Table, Counter[str]]:
    """Fault counts per engine and language, and letters per language."""
    table: Table = {engine: defaultdict(Counter) for engine in ENGINES}
    letters_per_language: Counter[str] = Counter()
    typst = TypstPeer()
    for path in letters:
        letter = load_letter(path)
        serials = assign_serials_over_list(letter, letter.recipients_path, persist=False)
        composer = Composer(letter, serials, covers=CoverMode.NONE)
        renderer = Renderer(letter.page_size)
        for recipient in iter_recipients(letter.recipients_path, letter):
            composed = composer.compose(recipient)
            language = composed.language.value
            letters_per_language[language] += 1
            pdfs = {
                "missive": renderer.render(composed, created=letter.date).data,
                "Typst": typst.render(composed),
            }
            for engine, data in pdfs.items():
                found = faults(composed, data)
                table[engine][language].update(found)
                table[engine][TOTAL].update(found)
                if keep is not None:
                    folder = keep / engine / letter.key
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / f"{recipient.id}.pdf").write_bytes(data)
    return table, letters_per_language


def languages_of(letters_per_language: Counter[str]) -> list[str]:
    order = ["ar", "zh", "en", "fr", "ru", "es"]
    return [language for language in order if language in letters_per_language] + [TOTAL]


def render_table(table: Table, letters_per_language: Counter[str], markdown: bool) -> str:
    languages = languages_of(letters_per_language)
    counts = {**letters_per_language, TOTAL: letters_per_language.total()}
    head = ["rule (missive / Typst)"] + [f"{lang} ({counts[lang]})" for lang in languages]
    rows = [head]
    for fault in Fault:
        cells = [fault.value]
        for language in languages:
            ours, theirs = (table[engine][language][fault] for engine in ENGINES)
            cells.append(f"{ours} / {theirs}")
        rows.append(cells)
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "| --- |" + " ---: |" * len(languages)]
        lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        return "\n".join(lines)
    widths = [max(len(row[column]) for row in rows) for column in range(len(head))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--letter", type=Path, action="append", help="a letter (default: both samples)"
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--keep", type=Path, help="write every PDF under this folder")
    args = parser.parse_args()
    table, letters = measure(args.letter or list(SAMPLES), args.keep)
    print(render_table(table, letters, args.markdown))


if __name__ == "__main__":
    main()
