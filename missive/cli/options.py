"""Options shared by several commands, so each means the same everywhere."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from missive.model import Language

if TYPE_CHECKING:
    from missive.app import BatchRequest, Selection


def add_letter(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("letter", type=Path, metavar="LETTER", help="the letter's YAML file")


def add_recipients_file(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--recipients", type=Path, metavar="FILE", help="a recipients CSV instead of the letter's"
    )


def add_recipient_selection(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, lang_help: str | None = None
) -> None:
    """--recipients, --lang, --group and --limit: which recipients of the letter a run takes."""
    add_recipients_file(parser)
    parser.add_argument(
        "--lang",
        action="append",
        type=Language,
        choices=list(Language),
        metavar="L",
        default=[],
        help=lang_help or "only this language (repeatable; default: all the letter offers)",
    )
    parser.add_argument(
        "--group",
        action="append",
        metavar="G",
        default=[],
        help="only this group of the letter's groups (repeatable)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N selected")


def add_journal(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal", type=Path, required=True, metavar="PATH", help="the journal (SQLite file)"
    )


def add_batch_selection(parser: argparse.ArgumentParser, *, lang_help: str | None = None) -> None:
    """The letter, the journal, which recipients, and where the reviewed PDFs are."""
    add_letter(parser)
    add_journal(parser)
    add_recipient_selection(parser, lang_help=lang_help)
    parser.add_argument(
        "--rendered",
        type=Path,
        metavar="DIR",
        help="take the PDFs' digests from DIR/manifest.json (written by `render --out DIR`)"
        " instead of rendering now",
    )


def selection_of(args: argparse.Namespace) -> Selection:
    from missive.app import Selection

    return Selection(tuple(args.lang), tuple(args.group), args.limit)


def batch_request(args: argparse.Namespace) -> BatchRequest:
    from missive.app import BatchRequest

    return BatchRequest(
        args.letter, args.journal, args.recipients, selection_of(args), args.rendered
    )
