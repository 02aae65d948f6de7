"""`send.py status`: where every recipient of a letter's batches stands, from the journal."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from missive.app import BatchReport, LetterReport
from missive.cli.options import add_journal, add_letter

EXAMPLE = """\
examples:
  python send.py status letters/wsis20-invitation.yaml --journal out/wsis20.sqlite
  python send.py status letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --csv out/wsis20-status.csv --html out/wsis20-report.html

Counts per state, language and group for each batch of the letter in the journal, then
every failure or held message with its last SMTP code and reply, then what came back after
delivery (`send.py bounces`): bounced, delayed and replied per language x group and each
recipient's status and diagnostic, and the rows replaced by a corrected address. --csv writes
one row per recipient (batch, id, e-mail, language, group, state, attempts, code, reply,
Message-ID, times, notice status, diagnostic and time). --html writes a one-page report a
person can read and forward: counts, failures, bounces, who approved what and when, when it
was sent. Exit status 0 when every recipient is sent (delayed and replied count as sent), 3
otherwise.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show how a letter's sends stand: counts per state, failures with SMTP replies",
        description="Report, from the journal, the state of every recipient of the letter.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_letter(parser)
    add_journal(parser)
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write one row per recipient")
    parser.add_argument(
        "--html", type=Path, metavar="FILE", help="write a one-page report a person can forward"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import StatusRequest, letter_status

    request = StatusRequest(args.letter, args.journal, args.csv, with_report=args.html is not None)
    status = letter_status(request)
    if status.report is not None:
        write_report(status.report, args.html)
        print(f"wrote {args.html}")
    if not status.batches:
        print(f"no batch of {status.letter_key} in {args.journal}")
        return 0
    for batch in status.batches:
        print_batch(batch)
    if status.csv_rows is not None:
        print(f"wrote {status.csv_rows} rows to {args.csv}")
    return 0 if status.complete else 3


def write_report(report: LetterReport, path: Path) -> None:
    """The one-page report, from the template the workspace's report page shows."""
    from missive.web.report_view import report_document

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_document(report), encoding="utf-8")


def print_batch(batch: BatchReport) -> None:
    info, counts = batch.info, list(batch.counts)
    print(f"batch {info.id} (created {info.created}, recipients {info.recipients_path})")
    print("  " + ", ".join(f"{n} {state}" for state, n in sorted(batch.states.items())))
    print_table("language", [(s, lang, n) for s, lang, _, n in counts])
    print_table("group", [(s, group, n) for s, _, group, n in counts])
    print_matrix(counts)
    if batch.failures:
        print("  not sent:")
    for row in batch.failures:
        code = row.last_code if row.last_code is not None else "-"
        print(f"    {row.recipient_id}  {row.email}  {row.state.value}  {code}  {row.last_text}")
    print_notices(batch)
    print()


def print_notices(batch: BatchReport) -> None:
    """What came back after delivery, per language x group, then recipient by recipient."""
    if batch.notices:
        print_notice_matrix(batch.counts)
        print("  after delivery:")
    for row in batch.notices:
        detail = "  ".join(x for x in (row.notice_status, row.notice_text) if x)
        print(f"    {row.recipient_id}  {row.email}  {row.state.value}  {detail}")
    if batch.replaced:
        print("  corrected addresses (earlier rows, kept for the record):")
    for recipient_id, email, state, code, text in batch.replaced:
        print(f"    {recipient_id}  {email}  {state}  {code}  {text}")


def print_notice_matrix(counts: Sequence[tuple[str, str, str, int]]) -> None:
    """Language x group, each cell `bounced/delayed/replied`."""
    kinds = ("bounced", "delayed", "replied")
    cells: Counter[tuple[str, str, str]] = Counter()
    for state, language, group, n in counts:
        cells[(state, language, group)] += n
    languages = sorted({lang for _, lang, _, _ in counts})
    groups = sorted({group for _, _, group, _ in counts})
    label = "/".join(kinds)
    width = max([len(label), *(len(g) for g in groups)])
    print("  " + label.ljust(width) + "".join(f"  {lang:>7}" for lang in languages))
    for group in groups:
        row = ("/".join(str(cells[(k, lang, group)]) for k in kinds) for lang in languages)
        print("  " + group.ljust(width) + "".join(f"  {cell:>7}" for cell in row))


def print_table(label: str, entries: list[tuple[str, str, int]]) -> None:
    states = sorted({s for s, _, _ in entries})
    keys = sorted({k for _, k, _ in entries})
    cells: Counter[tuple[str, str]] = Counter()
    for state, key, n in entries:
        cells[(key, state)] += n
    width = max([len(label), *(len(k) for k in keys)])
    header = "  " + label.ljust(width) + "".join(f"  {s:>16}" for s in states)
    print(header)
    for key in keys:
        print("  " + key.ljust(width) + "".join(f"  {cells[(key, s)]:>16}" for s in states))


def print_matrix(counts: list[tuple[str, str, str, int]]) -> None:
    """Language x group, each cell `sent/total`, so a gap in one corner shows at a glance
    (delayed and replied count as sent: the relay took them and they were not returned)."""
    from missive.app.report import DONE_STATES

    sent: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for state, language, group, n in counts:
        total[(language, group)] += n
        if state in DONE_STATES:
            sent[(language, group)] += n
    languages = sorted({lang for lang, _ in total})
    groups = sorted({group for _, group in total})
    width = max([len("sent/total"), *(len(g) for g in groups)])
    print("  " + "sent/total".ljust(width) + "".join(f"  {lang:>7}" for lang in languages))
    for group in groups:
        cells = "".join(
            f"  {_cell(sent[(lang, group)], total[(lang, group)]):>7}" for lang in languages
        )
        print("  " + group.ljust(width) + cells)


def _cell(sent: int, total: int) -> str:
    return f"{sent}/{total}" if total else "-"
