"""Print a tagged PDF's structure tree as an outline: each element's type, its language or
alternate description, and the start of its text (read through its marked content).

    .venv/bin/python tools/structure_tree.py FILE.pdf [--width 60]

Used for the comparison of missive's tree with Typst's in docs/render.md ("The structure
tree of a letter"); reads with pikepdf, as the tests do (tests/pdf_structure.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pikepdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pdf_structure import marked_texts  # noqa: E402


def outline(pdf: pikepdf.Pdf, width: int) -> list[str]:
    texts = marked_texts(pdf)
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    lines: list[str] = []

    def kids(element: Any) -> list[Any]:
        found = element.get("/K")
        if found is None:
            return []
        return list(found) if isinstance(found, pikepdf.Array) else [found]

    def walk(element: Any, depth: int, page: int | None) -> None:
        if not isinstance(element, pikepdf.Dictionary):
            return
        if "/Pg" in element:
            page = pages[element.Pg.objgen]
        own: list[str] = []
        for kid in kids(element):
            if isinstance(kid, int) and page is not None:
                own.append(texts.get((page, kid), ("", None, None))[0])
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == pikepdf.Name.MCR:
                own.append(texts.get((pages[kid.Pg.objgen], int(kid.MCID)), ("",))[0])
        notes = [f"{key[1:]}={element[key]}" for key in ("/Lang", "/Alt") if key in element]
        attributes = element.get("/A")
        for found in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
            if isinstance(found, pikepdf.Dictionary) and "/Scope" in found:
                notes.append(f"Scope={str(found.Scope)[1:]}")
        text = " ".join(" ".join(own).split())
        if len(text) > width:
            text = text[: width - 1] + "…"
        label = str(element.S)[1:] + (f" ({', '.join(notes)})" if notes else "")
        lines.append("  " * depth + label + (f": {text}" if text else ""))
        for kid in kids(element):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid, depth + 1, page)

    top = pdf.Root.StructTreeRoot.K
    for element in top if isinstance(top, pikepdf.Array) else [top]:
        walk(element, 0, None)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdf", type=Path)
    parser.add_argument("--width", type=int, default=60, help="characters of text shown")
    args = parser.parse_args()
    with pikepdf.open(args.pdf) as pdf:
        print("\n".join(outline(pdf, args.width)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
