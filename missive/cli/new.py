"""`send.py new`: start a new letter from marked skeletons (optionally like another)."""

from __future__ import annotations

import argparse
from pathlib import Path

from missive.model import Language

EXAMPLE = """\
examples:
  python send.py new annual-report-reminder --languages ar,en,fr
  python send.py new annual-reminder --languages ar,zh,en,fr,ru,es --like wsis20-invitation

Writes letters/KEY.yaml (every required key), templates/KEY.<lang>.md.j2 and
templates/KEY.cover.<lang>.md.j2 for each language, and recipients/KEY.csv (the header).
Every open place reads [[TO WRITE: ...]]: `check` refuses the letter until each is written.
With --like, the organisation, contact, signatories, groups, sender and paper are taken
from that letter; its prose never is. Nothing is overwritten.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "new",
        help="start a new letter: YAML, templates and list, with the open places marked",
        description="Write the skeleton of a new letter, to be completed, then checked.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("key", metavar="KEY", help="the new letter's key, e.g. annual-report")
    parser.add_argument(
        "--languages",
        required=True,
        type=_languages,
        metavar="L,L",
        help="languages offered, comma-separated, from ar,zh,en,fr,ru,es",
    )
    parser.add_argument("--like", metavar="LETTER", help="key of a letter to take settings from")
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="the project folder holding letters/ and templates/ (default: here)",
    )
    parser.set_defaults(handler=run)


def _languages(text: str) -> tuple[Language, ...]:
    codes = [code.strip() for code in text.split(",") if code.strip()]
    try:
        chosen = tuple(Language(code) for code in codes)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}; use ar, zh, en, fr, ru, es") from exc
    if len(set(chosen)) != len(chosen):
        raise argparse.ArgumentTypeError("a language is listed twice")
    return chosen


def run(args: argparse.Namespace) -> int:
    from missive.app import NewLetterRequest, start_letter

    result = start_letter(NewLetterRequest(args.root, args.key, args.languages, args.like))
    for path in result.written:
        print(f"wrote {path}")
    print(f"Next: write every place marked TO WRITE, add recipients, then\n"
          f"  python send.py check {result.letter_path}")  # fmt: skip
    return 0
