"""`send.py status`: where every recipient of a letter's batches stands, from the journal."""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from missive.deliver.journal import BatchInfo, Journal

EXAMPLE = """\
examples:
  python send.py status letters/wsis20-invitation.yaml --journal out/wsis20.sqlite
  python send.py status letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --csv out/wsis20-status.csv --html out/wsis20-report.html

Counts per state, language and group for each batch of the letter in the journal, then
every failure or held message with its last SMTP code and reply. --csv writes one row per
recipient (batch, id, e-mail, language, group, state, attempts, code, reply, Message-ID,
times). --html writes a one-page report a person can read and forward: counts, failures,
who approved what and when, when it was sent. Exit status 0 when every recipient is sent,
3 otherwise.
"""

CSV_COLUMNS = (
    "batch",
    "recipient_id",
    "email",
    "language",
    "group",
    "state",
    "attempts",
    "last_code",
    "last_text",
    "message_id",
    "queued_at",
    "updated_at",
    "sent_at",
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="show how a letter's sends stand: counts per state, failures with SMTP replies",
        description="Report, from the journal, the state of every recipient of the letter.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("letter", type=Path, metavar="LETTER", help="the letter's YAML file")
    parser.add_argument(
        "--journal", type=Path, required=True, metavar="PATH", help="the journal (SQLite)"
    )
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write one row per recipient")
    parser.add_argument(
        "--html", type=Path, metavar="FILE", help="write a one-page report a person can forward"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.deliver.journal import Journal
    from missive.load import load_letter

    letter = load_letter(args.letter)
    with Journal.open(args.journal, writer=False) as journal:
        if args.html is not None:
            write_html(journal, letter.key, letter.path, args.html)
        batches = journal.batches(letter.key)
        if not batches:
            print(f"no batch of {letter.key} in {args.journal}")
            return 0
        complete = all([print_batch(journal, batch) for batch in batches])
        if args.csv is not None:
            rows = write_csv(journal, batches, args.csv)
            print(f"wrote {rows} rows to {args.csv}")
    return 0 if complete else 3


def print_batch(journal: Journal, batch: BatchInfo) -> bool:
    counts = journal.counts(batch.id)
    states = Counter[str]()
    for state, _, _, n in counts:
        states[state] += n
    print(f"batch {batch.id} (created {batch.created}, recipients {batch.recipients_path})")
    print("  " + ", ".join(f"{n} {state}" for state, n in sorted(states.items())))
    print_table("language", [(s, lang, n) for s, lang, _, n in counts])
    print_table("group", [(s, group, n) for s, _, group, n in counts])
    print_matrix(counts)
    print_failures(journal, batch.id)
    print()
    return set(states) <= {"sent"}


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
    """Language x group, each cell `sent/total`, so a gap in one corner shows at a glance."""
    sent: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for state, language, group, n in counts:
        total[(language, group)] += n
        if state == "sent":
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


def write_html(journal: Journal, letter_key: str, letter_path: Path, path: Path) -> None:
    import datetime as dt

    from missive.app.report import collect_report, render_html_report

    report = collect_report(journal, letter_key, letter_path, now=dt.datetime.now(dt.UTC))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html_report(report), encoding="utf-8")
    print(f"wrote {path}")


def print_failures(journal: Journal, batch_id: str) -> None:
    from missive.deliver.journal import SendState

    problem_states = (
        SendState.FAILED_PERMANENT,
        SendState.FAILED_TEMPORARY,
        SendState.AMBIGUOUS,
        SendState.SENDING,
    )
    failures = list(journal.rows(batch_id, problem_states))
    if not failures:
        return
    print("  not sent:")
    for row in failures:
        code = row.last_code if row.last_code is not None else "-"
        print(f"    {row.recipient_id}  {row.email}  {row.state.value}  {code}  {row.last_text}")


def write_csv(journal: Journal, batches: list[BatchInfo], path: Path) -> int:
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        for batch in batches:
            for row in journal.rows(batch.id):
                writer.writerow(
                    [
                        batch.id,
                        row.recipient_id,
                        row.email,
                        row.language,
                        row.group,
                        row.state.value,
                        row.attempts,
                        "" if row.last_code is None else row.last_code,
                        row.last_text or "",
                        row.message_id,
                        row.queued_at,
                        row.updated_at,
                        row.sent_at or "",
                    ]
                )
                count += 1
    return count
