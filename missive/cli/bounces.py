"""`send.py bounces`: read the bounce mailbox and record bounces, delays and auto-replies."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from missive.app.bounces import BouncesResult, MailboxNotice
from missive.cli.options import add_journal, add_letter

EXAMPLE = """\
examples:
  python send.py bounces letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --maildir /var/mail/bounces/Maildir
  MISSIVE_IMAP_USERNAME=bounces MISSIVE_IMAP_PASSWORD=... \\
  python send.py bounces letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --imap imaps://imap.example.int/INBOX --move-processed Processed

Reads every message of the mailbox. A delivery status notification (RFC 3464 or one of the
common older formats) that reports a permanent failure marks the recipient `bounced`, with
its status and diagnostic (e.g. 5.1.1 unknown user); a delay (4.x.x, Action: delayed) marks it
`delayed`, which is not a failure; an auto-reply (out of office) marks it `replied`. A message
is matched to its recipient by its VERP bounce address (mail.bounce_address in the letter) or
by the Message-ID it quotes. What matches nothing is listed as unmatched and left in the
mailbox; with --move-processed, matched messages move to that folder. Running it twice
records nothing twice. IMAP credentials come only from MISSIVE_IMAP_USERNAME and
MISSIVE_IMAP_PASSWORD.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "bounces",
        help="read the bounce mailbox: record bounced, delayed and replied recipients",
        description="Match delivery notifications and auto-replies to the letter's recipients.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_letter(parser)
    add_journal(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--maildir", metavar="DIR", help="a Maildir (with cur/ and new/)")
    source.add_argument("--mbox", metavar="FILE", help="an mbox file")
    source.add_argument("--imap", metavar="URL", help="imaps://host[:port]/FOLDER")
    parser.add_argument(
        "--move-processed",
        metavar="FOLDER",
        help="move matched messages there (Maildir++ subfolder, mbox file beside, IMAP folder)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import MailboxKind, MailboxSpec, imap_credentials
    from missive.app.bounces import BouncesRequest, read_bounces

    if args.maildir is not None:
        spec = MailboxSpec(MailboxKind.MAILDIR, args.maildir)
    elif args.mbox is not None:
        spec = MailboxSpec(MailboxKind.MBOX, args.mbox)
    else:
        spec = MailboxSpec(MailboxKind.IMAP, args.imap)
    credentials = imap_credentials(os.environ) if spec.kind is MailboxKind.IMAP else None
    request = BouncesRequest(
        letter_path=args.letter,
        journal_path=args.journal,
        mailbox=spec,
        move_processed=args.move_processed,
        imap_credentials=credentials,
    )
    print_result(read_bounces(request))
    return 0


def print_result(result: BouncesResult) -> None:
    print(f"read {result.read} messages from {result.mailbox} for {result.letter_key}")
    for notice in result.matched:
        for f in notice.findings:
            what = f"{f.kind.value} (cc {f.address})" if f.cc else f.kind.value
            known = "" if f.new else "  (already recorded)"
            detail = " ".join(x for x in (f.status, f.diagnostic) if x)
            print(
                f"  {what:<8} {f.target.recipient_id}  {f.target.email}  {detail}"
                f"  [by {f.target.matched_by}]{known}"
            )
    if result.unmatched:
        print("unmatched (left in the mailbox):")
        for notice in result.unmatched:
            print("  " + _describe(notice))
    if result.other:
        print(f"not a notification nor an auto-reply (left in the mailbox): {len(result.other)}")
        for notice in result.other:
            print("  " + _describe(notice))
    new = result.new
    recorded = ", ".join(f"{new[k]} {k}" for k in ("bounced", "delayed", "replied") if new[k])
    print(
        f"recorded {recorded or 'nothing new'}; {result.already_recorded} already recorded; "
        f"{len(result.unmatched)} unmatched"
    )


def _describe(notice: MailboxNotice) -> str:
    failed = f" about {', '.join(notice.failed)}" if notice.failed else ""
    return f"{notice.key}  {notice.kind.value}{failed}  from {notice.sender}: {notice.subject}"
