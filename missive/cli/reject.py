"""`send.py reject`: record that a reviewer rejected a batch's languages, with the reason."""

from __future__ import annotations

import argparse

from missive.cli.approve import add_account, decide
from missive.cli.options import add_batch_selection

EXAMPLE = """\
example:
  printf '%s\\n' "$PASSWORD" | python send.py reject letters/wsis20-invitation.yaml \\
      --journal out/wsis20.sqlite --user carmen --lang es \\
      --reason "la fecha límite dice 16 de febrero"

A rejection blocks the language at this hash, even if someone approved it, until the same
reviewer approves again or the batch changes and is approved anew. The decision is made by
the account --user (its password on standard input), for its own languages.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "reject",
        help="reject a batch's languages at its current hash, with a reason",
        description="Record who rejected which languages of the batch, at which hash, and why.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_batch_selection(parser, lang_help="reject this language (repeatable; default: all)")
    add_account(parser, "rejects")
    parser.add_argument("--reason", required=True, metavar="TEXT", help="what is wrong")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import Decision

    return decide(args, Decision.REJECTED, comment=args.reason, shown=f": {args.reason}")
