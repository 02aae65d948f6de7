"""`send.py batch`: a batch's hash, its recipients per language, and its approval state."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from missive.cli.batchargs import LoadedBatch, add_selection, load_batch
from missive.model import Language
from missive.review.approvals import (
    LanguageState,
    LanguageStatus,
    approval_status,
    list_approvals,
    refusal_message,
)

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
    add_selection(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    batch = load_batch(args)
    statuses = current_status(args, batch)
    print(format_batch(batch, statuses))
    return 0


def current_status(args: argparse.Namespace, batch: LoadedBatch) -> dict[Language, LanguageStatus]:
    history = list_approvals(args.journal, batch.letter.key)
    return approval_status(history, batch.digest, batch.letter.reviewers_required)


def format_batch(batch: LoadedBatch, statuses: Mapping[Language, LanguageStatus]) -> str:
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
    for language, status in statuses.items():
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
    blocking = [s for s in statuses.values() if s.state is not LanguageState.APPROVED]
    lines.append("")
    if blocking:
        lines.append(refusal_message(digest, blocking, required))
    else:
        lines.append(f"approved: every language at hash {digest.short}…")
    return "\n".join(lines)
