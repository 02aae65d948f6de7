"""`send.py render`: every selected recipient's PDF into a folder, with a manifest."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from missive.cli.options import add_letter, add_recipient_selection
from missive.model import Language, PageSize

if TYPE_CHECKING:
    from missive.app.check import CheckReport
    from missive.app.render_batch import Manifest

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
    from missive.app.check import check_letter
    from missive.app.render_batch import BatchOptions, render_batch

    report = check_letter(args.letter, args.recipients, covers=False)
    options = BatchOptions(
        languages=tuple(args.lang),
        groups=tuple(args.group),
        limit=args.limit,
        jobs=args.jobs,
        page_size=args.page_size,
    )
    total = expected_count(report, options.languages, options.groups, args.limit)
    bar = ProgressBar(total) if sys.stderr.isatty() else None
    manifest = render_batch(
        args.letter,
        args.out,
        options,
        recipients_path=args.recipients,
        progress=bar.update if bar else None,
    )
    if bar:
        bar.close()
    print(summary(manifest))
    return 0


def expected_count(
    report: CheckReport,
    languages: Collection[Language],
    groups: Collection[str],
    limit: int | None,
) -> int:
    total = sum(
        report.count(language, group)
        for language in report.letter.languages
        for group in report.groups
        if (not languages or language in languages) and (not groups or group in groups)
    )
    return total if limit is None else min(total, limit)


def summary(manifest: Manifest) -> str:
    per_language = ", ".join(
        f"{language.value} {count}" for language, count in manifest.per_language.items()
    )
    size = manifest.total_bytes / max(manifest.letters, 1) / 1024
    return (
        f"Rendered {manifest.letters} letters into {manifest.out_dir} ({per_language or 'none'}),"
        f" {size:.0f} KB each on average.\nManifest: {manifest.path}"
    )


class ProgressBar:
    """A one-line bar on stderr, for terminals only."""

    WIDTH = 30
    INTERVAL = 0.1  # seconds between redraws: 100,000 writes would slow the batch down

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.started = time.monotonic()
        self.drawn = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.drawn < self.INTERVAL and done < self.total:
            return
        self.drawn = now
        filled = self.WIDTH * min(done, self.total) // self.total
        rate = done / max(time.monotonic() - self.started, 1e-6)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        print(f"\r[{bar}] {done}/{self.total} {rate:.0f} letters/s", end="", file=sys.stderr)

    def close(self) -> None:
        print(file=sys.stderr)
