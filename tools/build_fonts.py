#!/usr/bin/env python3
"""Build the fonts shipped in `missive/fonts/` from wheels on PyPI (no system font, no apt).

Provenance (all fetched with `pip download --no-deps`, never from a web page):

- `fontpkg-noto-sans==2.15`: variable `NotoSans[wdth,wght].ttf` and
  `NotoSans-Italic[wdth,wght].ttf` (SIL OFL 1.1). ReportLab only draws the default instance of a
  variable font, so static Regular (wght 400), Bold (wght 700), Italic and Bold Italic are cut
  with `fontTools.varLib.instancer` at wdth 100.
- `fontpkg-amiri==1.2`: static `Amiri-Regular.ttf` and `Amiri-Bold.ttf` (SIL OFL 1.1), copied.
  Arabic has no italic tradition in official letters; italic runs use the upright face.
- `paperang-p2-fonts-cjk==0.1.0`: `wqy-microhei.ttc` (WenQuanYi Micro Hei 0.2.0-beta, a TrueType
  `glyf` face; its name table says Apache-2.0, upstream also offers GPLv3 with font exception).
  Face 0 (proportional) is extracted to a plain `.ttf`, which ReportLab loads without a
  subfont index. There is no bold WenQuanYi face: Chinese bold is drawn with the same face
  (Chinese official letters set subjects in a heavier size/face at most; ReportLab's fake bold
  would smear strokes), which is acceptable for these letters.

Every face is then stripped of OpenType layout tables and TrueType hinting (see `strip`),
which ReportLab does not use, so the subsets embedded in each PDF are small.

Timestamps are kept from the sources (`recalcTimestamp=False`), so a re-run gives the same
bytes. (The files committed first were saved with the build time in `head.modified`.)

Re-run with: .venv/bin/python tools/build_fonts.py [--wheels DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from fontTools.varLib import instancer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "missive" / "fonts"
WHEELS = {
    "fontpkg_noto_sans": "fontpkg-noto-sans==2.15",
    "fontpkg_amiri": "fontpkg-amiri==1.2",
    "paperang_p2_fonts_cjk": "paperang-p2-fonts-cjk==0.1.0",
}
NOTO_INSTANCES = {
    "NotoSans-Regular.ttf": ("NotoSans[wdth,wght].ttf", 400, "Regular"),
    "NotoSans-Bold.ttf": ("NotoSans[wdth,wght].ttf", 700, "Bold"),
    "NotoSans-Italic.ttf": ("NotoSans-Italic[wdth,wght].ttf", 400, "Italic"),
    "NotoSans-BoldItalic.ttf": ("NotoSans-Italic[wdth,wght].ttf", 700, "Bold Italic"),
}
APACHE_TEXT = Path("/usr/share/common-licenses/Apache-2.0")


def wheel_path(wheels: Path, stem: str) -> Path:
    found = sorted(wheels.glob(f"{stem}-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(wheels), WHEELS[stem]],
            check=True,
        )
        found = sorted(wheels.glob(f"{stem}-*.whl"))
    return found[-1]


def unpack(wheels: Path, work: Path) -> None:
    for stem in WHEELS:
        with zipfile.ZipFile(wheel_path(wheels, stem)) as archive:
            archive.extractall(work)


def set_names(font: TTFont, family: str, style: str) -> None:
    """Give the static instance its own names, so PDF viewers do not call it a variable font."""
    name = font["name"]
    full = f"{family} {style}"
    postscript = f"{family.replace(' ', '')}-{style.replace(' ', '')}"
    for name_id, value in ((1, family), (2, style), (4, full), (6, postscript)):
        name.setName(value, name_id, 3, 1, 0x409)
    for name_id in (16, 17, 25):
        name.removeNames(nameID=name_id)


def build_noto(work: Path) -> None:
    source_dir = work / "fontpkg_noto_sans" / "files"
    for target, (source, weight, style) in NOTO_INSTANCES.items():
        variable = TTFont(source_dir / source, recalcTimestamp=False)
        static = instancer.instantiateVariableFont(
            variable, {"wght": weight, "wdth": 100}, updateFontNames=False
        )
        set_names(static, "Noto Sans", style)
        static.save(OUT / target)
    shutil.copy(work / "fontpkg_noto_sans" / "LICENSE", OUT / "NotoSans-OFL.txt")


def build_amiri(work: Path) -> None:
    for style in ("Regular", "Bold"):
        shutil.copy(work / "fontpkg_amiri" / "files" / f"Amiri-{style}.ttf", OUT)
    shutil.copy(work / "fontpkg_amiri" / "LICENSE", OUT / "Amiri-OFL.txt")


def build_wqy(work: Path) -> None:
    collection = TTCollection(
        work / "paperang_p2_fonts_cjk" / "fonts" / "wqy-microhei.ttc", recalcTimestamp=False
    )
    face = collection.fonts[0]
    face.save(OUT / "WenQuanYiMicroHei.ttf")
    notice = "\n".join(str(face["name"].getDebugName(name_id)) for name_id in (0, 5, 13, 14))
    licence = APACHE_TEXT.read_text(encoding="utf-8") if APACHE_TEXT.exists() else ""
    (OUT / "WenQuanYiMicroHei-LICENSE.txt").write_text(
        "WenQuanYi Micro Hei, extracted from wqy-microhei.ttc (face 0) of the PyPI wheel\n"
        "paperang-p2-fonts-cjk 0.1.0. The font's own name table reads:\n\n"
        f"{notice}\n\n"
        "Upstream (http://wenq.org/) dual-licenses it under Apache-2.0 or GPLv3 with the\n"
        "font embedding exception; missive uses it under Apache-2.0, reproduced below.\n\n"
        f"{licence}",
        encoding="utf-8",
    )


def strip(path: Path) -> None:
    """Drop what ReportLab never uses, so every embedded subset is smaller.

    ReportLab draws glyphs by character map without shaping (Arabic is shaped to
    presentation forms beforehand), so the OpenType layout tables and glyphs reachable only
    through them are dead weight, and PDF viewers rasterise outlines without TrueType
    hinting. Every mapped character and its outline are kept.
    """
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["*"]  # HarfBuzz shapes with them (missive.render.shaping)
    options.drop_tables += ["STAT", "FFTM", "vhea", "vmtx"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    font = TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    font.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--wheels", type=Path, default=Path("/tmp/fontdl"))
    args = parser.parse_args()
    args.wheels.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        unpack(args.wheels, work)
        build_noto(work)
        build_amiri(work)
        build_wqy(work)
    for path in OUT.glob("*.ttf"):
        strip(path)
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>10,}  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
