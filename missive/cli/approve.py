"""`send.py approve`: record that a reviewer approved a batch's languages at its hash."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from missive.cli.batch import format_batch
from missive.cli.options import add_batch_selection, batch_request

if TYPE_CHECKING:
    from missive.app import Decision

EXAMPLE = """\
example:
  python send.py approve letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --reviewer "Nadia Haddad" --lang ar --comment "checked every Arabic letter"
  python send.py approve letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --reviewer "Li Wei" --lang zh --rendered out/proof

Approve the same selection (--recipients, --group, --limit) that will be sent. Without
--lang every language of the batch is approved. The approval holds only while the
batch hash stays the same: any change to an input or a PDF needs a new approval.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "approve",
        help="approve a batch's languages at its current hash",
        description="Record who approved which languages of the batch, at which hash.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_batch_selection(parser, lang_help="approve this language (repeatable; default: all)")
    parser.add_argument("--reviewer", required=True, metavar="NAME", help="who approves")
    parser.add_argument("--comment", default="", metavar="TEXT", help="a note kept with it")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import Decision

    return decide(args, Decision.APPROVED, comment=args.comment, shown="")


def decide(args: argparse.Namespace, decision: Decision, *, comment: str, shown: str) -> int:
    """Record one reviewer's decision on the selected languages, then show the batch."""
    from missive.app import DecisionRequest
    from missive.app import decide as record
    from missive.app.people import cli_origin

    # The declared name is not proof: keep beside it the operating-system user who ran this.
    origin = cli_origin()
    request = DecisionRequest(
        batch_request(args), args.reviewer, decision, comment, origin.name, audit=origin
    )
    decided = record(request)
    rows = decided.rows
    hashes = ", ".join(f"{row.language.value} {row.hash[:12]}…" for row in rows)
    plural = "es" if len(rows) > 1 else ""
    print(
        f"{rows[0].reviewer} {decision.value} {hashes} (language hash{plural}){shown}"
        f" [recorded by {rows[0].recorded_by}]"
    )
    print()
    print(format_batch(decided.review))
    return 0
