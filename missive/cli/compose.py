"""`send.py compose`: print one recipient's composed letter as text."""

from __future__ import annotations

import argparse

from missive.cli.options import add_letter, add_recipients_file

EXAMPLE = """\
example:
  python send.py compose letters/wsis20-invitation.yaml --recipient es-gov-01
  python send.py compose letters/wsis20-invitation.yaml --recipient zh-civ-02 \\
      --recipients recipients/new-list.csv

The letter is printed in reading order (for Arabic, right-to-left text is printed in logical
order): header, addressee, distribution list, subject, salutation, body, closing, signatories,
then the cover e-mail that would carry the PDF.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "compose",
        help="print one recipient's composed letter as text",
        description=(
            "Compose the letter for one recipient, in the recipient's language, exactly as "
            "the PDF and the e-mail would carry it, and print it as plain text."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_letter(parser)
    parser.add_argument("--recipient", required=True, metavar="ID", help="the recipient's id")
    add_recipients_file(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import ComposeRequest, compose_letter

    result = compose_letter(ComposeRequest(args.letter, args.recipient, args.recipients))
    cover = result.composed.cover
    print(result.text)
    print("-" * 72)
    print(f"Subject: {cover.subject}")
    print(f"Attachment: {cover.attachment_name}")
    print()
    print(cover.text)
    return 0
