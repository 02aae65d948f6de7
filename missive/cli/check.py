"""`send.py check`: validate a letter and its recipients, print who would receive it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from missive.cli.options import add_letter, add_recipients_file

if TYPE_CHECKING:
    from missive.app import CheckReport

EXAMPLE = """\
example:
  python send.py check letters/wsis20-invitation.yaml
  python send.py check letters/wsis20-invitation.yaml --recipients recipients/new-list.csv

Problems are printed as FILE:LINE:COLUMN: message (for a CSV file, LINE is the line where
the row starts and COLUMN the position of the field); the exit status is then 1.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate a letter, its recipients and templates; nothing is rendered or sent",
        description=(
            "Validate the letter YAML, its signatories, templates and catalogs, and every "
            "recipient row, then compose every recipient's letter. All problems are "
            "reported at once; on success, prints recipients per language and group."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_letter(parser)
    add_recipients_file(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import CheckRequest, check_letter  # loads Jinja2, Babel, ReportLab

    report = check_letter(CheckRequest(args.letter, args.recipients))
    print(format_report(report))
    return 0


def format_report(report: CheckReport) -> str:
    """The summary line and a table of recipients per language offered and group."""
    groups = [group for group in report.groups if group]
    header = ["language", *groups, "total"]
    rows = [
        [
            language.value,
            *(str(report.count(language, group)) for group in groups),
            str(report.language_total(language)),
        ]
        for language in report.letter.languages
    ]
    totals = [str(report.group_total(group)) for group in groups]
    rows.append(["total", *totals, str(report.recipients)])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    glyphs = "" if report.glyphs_checked else " (glyph coverage not checked: no font data)"
    summary = (
        f"{report.letter.path}: {report.recipients} recipients in {report.recipients_path}, "
        f"no problems found{glyphs}."
    )
    return "\n".join([summary, "", line(header), *(line(row) for row in rows)])
