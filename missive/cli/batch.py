"""`send.py batch`: a batch's hash, its recipients per language, and its approval state."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from missive.cli.options import add_batch_selection, batch_request

if TYPE_CHECKING:
    from missive.app import BatchReview

EXAMPLE = """\
example:
  python send.py batch letters/wsis20-invitation.yaml --journal out/wsis20.sqlite
  python send.py batch letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --lang fr --lang es --group governments --rendered out/proof

The hash covers the letter, its templates, the catalogs, signatories, recipients, fonts,
the missive version and every PDF. A send refuses any language not approved at this hash.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "batch",
        help="show a batch's hash, recipients per language and approval state",
        description=(
            "Render the batch (or read --rendered DIR), compute its content hash and show, "
            "per language, the recipients, who approved it at this hash, and what changed "
            "since an earlier approval."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_batch_selection(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import review_batch

    print(format_batch(review_batch(batch_request(args))))
    return 0


def format_batch(batch: BatchReview) -> str:
    digest = batch.digest
    required = batch.letter.reviewers_required
    lines = [
        f"letter      {batch.letter.path}",
        f"recipients  {len(batch.recipients)} from {batch.recipients_path}",
        f"hash        {digest.hash}",
        f"reviewers   {required} per language",
        "",
    ]
    rows = [["language", "recipients", "state", "approved by", "language hash"]]
    for language, status in batch.statuses.items():
        rows.append(
            [
                language.value,
                str(digest.languages[language].count),
                status.state.value,
                ", ".join(status.approvers) or "-",
                digest.languages[language].hash[:12],
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
    lines.append("")
    lines.append(batch.refusal or f"approved: every language at hash {digest.short}…")
    return "\n".join(lines)
