"""`send.py compose`: print one recipient's composed letter as text."""

from __future__ import annotations

import argparse
from pathlib import Path

from missive.cli.options import add_letter, add_recipients_file
from missive.errors import InputError, Problem

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
    # Composition loads Jinja2 and Babel: only when this command runs.
    from missive.compose.composer import Composer, format_composed_text
    from missive.load import load_letter, load_recipients
    from missive.load.serials import assign_serials

    letter = load_letter(args.letter)
    path: Path = args.recipients or letter.recipients_path
    recipients = load_recipients(path, letter)
    chosen = [recipient for recipient in recipients if recipient.id == args.recipient]
    if not chosen:
        raise InputError([Problem(path, 1, 1, f"no recipient with id {args.recipient!r}")])
    # The serial is the one the recipient would get, without recording a new one.
    serials = assign_serials(letter, [r.id for r in recipients], persist=False)
    composed = Composer(letter, serials).compose(chosen[0])
    cover = composed.cover
    print(format_composed_text(composed))
    print("-" * 72)
    print(f"Subject: {cover.subject}")
    print(f"Attachment: {cover.attachment_name}")
    print()
    print(cover.text)
    return 0
