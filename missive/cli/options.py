"""Options shared by several commands, so each means the same everywhere."""

from __future__ import annotations

import argparse
from pathlib import Path

from missive.model import Language


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
