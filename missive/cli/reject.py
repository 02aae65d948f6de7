"""`send.py reject`: record that a reviewer rejected a batch's languages, with the reason."""

from __future__ import annotations

import argparse

from missive.cli.batch import current_status, format_batch
from missive.cli.batchargs import add_selection, load_batch
from missive.review import Decision, record_decision

EXAMPLE = """\
example:
  python send.py reject letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --reviewer "Carmen Ruiz" --lang es --reason "la fecha límite dice 16 de febrero"

A rejection blocks the language at this hash, even if someone approved it, until the same
reviewer approves again or the batch changes and is approved anew.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "reject",
        help="reject a batch's languages at its current hash, with a reason",
        description="Record who rejected which languages of the batch, at which hash, and why.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_selection(parser, lang_help="reject this language (repeatable; default: all)")
    parser.add_argument("--reviewer", required=True, metavar="NAME", help="who rejects")
    parser.add_argument("--reason", required=True, metavar="TEXT", help="what is wrong")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    batch = load_batch(args)
    rows = record_decision(
        args.journal,
        batch.digest,
        reviewer=args.reviewer,
        decision=Decision.REJECTED,
        comment=args.reason,
    )
    hashes = ", ".join(f"{row.language.value} {row.hash[:12]}…" for row in rows)
    plural = "es" if len(rows) > 1 else ""
    print(f"{rows[0].reviewer} rejected {hashes} (language hash{plural}): {args.reason}")
    print()
    print(format_batch(batch, current_status(args, batch)))
    return 0
