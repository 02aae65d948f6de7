"""`send.py approve`: record that a reviewer approved a batch's languages at its hash.

Decisions at the terminal are made by accounts, as in the workspace: `--user NAME`, the
password on standard input (or asked at a terminal), and that account's role and
languages; the two-reviewer rule counts distinct accounts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from missive.cli.batch import format_batch
from missive.cli.options import add_batch_selection, batch_request

if TYPE_CHECKING:
    from missive.app import Decision

EXAMPLE = """\
example:
  printf '%s\\n' "$PASSWORD" | python send.py approve letters/wsis20-invitation.yaml \\
      --journal out/wsis20.sqlite --user nadia --lang ar --comment "checked every letter"
  python send.py approve letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --user li --lang zh --rendered out/proof          # asks for li's password

The decision is made by the account --user (a reviewer added with `send.py users add`),
for the languages of --lang, each of which must be one of the account's; without --lang,
for every language of the account that the batch has. The password is the first line of
standard input, or asked when it is a terminal. Approve the same selection (--recipients,
--group, --limit) that will be sent. The approval holds only while the batch hash stays
the same: any change to an input or a PDF needs a new approval.
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
    add_account(parser, "approves")
    parser.add_argument("--comment", default="", metavar="TEXT", help="a note kept with it")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import Decision

    return decide(args, Decision.APPROVED, comment=args.comment, shown="")


def add_account(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--user",
        required=True,
        metavar="NAME",
        help=f"the reviewer's account that {verb} (password on standard input)",
    )


def read_password() -> str:
    if sys.stdin.isatty():
        import getpass  # a terminal module: loaded only when a password is asked

        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


def decide(args: argparse.Namespace, decision: Decision, *, comment: str, shown: str) -> int:
    """Record one account's decision on its languages of the batch, then show the batch."""
    from missive.app import DecisionRequest
    from missive.app import decide as record
    from missive.app.people import reviewer_login

    asked = batch_request(args)
    now = dt.datetime.now(dt.UTC)
    user, languages, origin = reviewer_login(
        args.journal, args.user, read_password(), asked.selection.languages, now
    )
    batch = replace(asked, selection=replace(asked.selection, languages=languages))
    recorded_by = f"account {user.name} ({origin.address})"
    decided = record(DecisionRequest(batch, user.name, decision, comment, recorded_by, origin))
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
