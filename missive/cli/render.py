"""`send.py render`: every selected recipient's PDF into a folder, with a manifest."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from missive.cli.options import add_letter, add_recipient_selection
from missive.cli.progress import ProgressBars
from missive.model import PageSize

if TYPE_CHECKING:
    from missive.app import Manifest

EXAMPLE = """\
example:
  python send.py render letters/wsis20-invitation.yaml --out out/pdf
  python send.py render letters/wsis20-invitation.yaml --out out/pdf-ar --lang ar --jobs 2
  python send.py render letters/wsis20-invitation.yaml --out out/gov --group governments \\
      --limit 10 --page-size Letter

The letter and recipients are checked first (as `send.py check` does): on any problem,
nothing is written. PDFs are written to a temporary folder next to DIR and moved into DIR
only when all rendered; DIR/manifest.json lists recipient, language, group, reference,
pdf, sha256, pages and bytes for each.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render each recipient's PDF into a folder, with a manifest of their hashes",
        description=(
            "Check the letter and its recipients, then render DIR/<recipient-id>.pdf for each "
            "selected recipient and DIR/manifest.json, spread over several processes."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_letter(parser)
    parser.add_argument("--out", type=Path, metavar="DIR", required=True, help="output folder")
    add_recipient_selection(parser)
    parser.add_argument(
        "--jobs", type=int, metavar="N", help="rendering processes (default: every core)"
    )
    parser.add_argument(
        "--page-size",
        type=PageSize,
        choices=list(PageSize),
        metavar="A4|Letter",
        help="override the letter's page size",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import BatchOptions, RenderRequest, render_letters

    options = BatchOptions(
        languages=tuple(args.lang),
        groups=tuple(args.group),
        limit=args.limit,
        jobs=args.jobs,
        page_size=args.page_size,
    )
    bars = ProgressBars()
    try:
        manifest = render_letters(
            RenderRequest(args.letter, args.out, options, args.recipients), on_progress=bars
        )
    finally:
        bars.close()
    print(summary(manifest))
    return 0


def summary(manifest: Manifest) -> str:
    per_language = ", ".join(
        f"{language.value} {count}" for language, count in manifest.per_language.items()
    )
    size = manifest.total_bytes / max(manifest.letters, 1) / 1024
    return (
        f"Rendered {manifest.letters} letters into {manifest.out_dir} ({per_language or 'none'}),"
        f" {size:.0f} KB each on average.\nManifest: {manifest.path}"
    )
