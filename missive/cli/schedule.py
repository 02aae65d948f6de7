"""`send.py schedule`: store a send of a letter to run at a given time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from missive.cli.jobs import format_jobs
from missive.cli.options import add_journal, add_recipient_selection, selection_of

EXAMPLE = """\
example:
  python send.py schedule letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --at "2024-02-01 09:00" --tz Europe/Zurich --rate 600/min
  python send.py schedule letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --at 2024-02-01T08:00:00Z --lang fr --group governments
  python send.py schedule letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --at "2024-02-01 06:00" --relay bulk --window 08:00-18:00

`--at` takes YYYY-MM-DD HH:MM with optional :SS, or ISO 8601 (an offset in it wins over
--tz). The job stores what to send as typed data, and names a relay at most: the relay's
URL and credentials are the worker's configuration (`worker --smtp URL`, `--relay
NAME=URL`, `--relays FILE`). A worker
(`python send.py worker`) runs it; the send then refuses any language not approved.
With --window, each run sends only to recipients in office hours in their own time zone
(Monday to Friday); the job is then queued again for the next opening until all are sent.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "schedule",
        help="schedule a send of a letter at a given time",
        description="Store a job that a worker runs at --at: a real send (--no-dry-run).",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("letter", type=Path, metavar="LETTER", help="the letter's YAML file")
    add_journal(parser)
    parser.add_argument("--at", required=True, metavar="TIME", help='e.g. "2024-02-01 09:00"')
    parser.add_argument(
        "--tz", default="UTC", metavar="ZONE", help="time zone of --at (default: UTC)"
    )
    send = parser.add_argument_group("send options (stored with the job, passed to `send`)")
    send.add_argument(
        "--relay", metavar="NAME", help="a relay of the worker's configuration (default: its own)"
    )
    add_recipient_selection(send)
    send.add_argument("--rate", metavar="R", help="e.g. 600/min")
    send.add_argument("--connections", type=int, metavar="N")
    send.add_argument(
        "--window",
        metavar="HH:MM-HH:MM",
        help="recipients' local hours to send in, e.g. 08:00-18:00",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import ScheduleRequest, parse_due, schedule_send

    request = ScheduleRequest(
        letter_path=args.letter,
        journal_path=args.journal,
        due=parse_due(args.at, args.tz),
        tz=args.tz,
        relay=args.relay,
        recipients_path=args.recipients,
        selection=selection_of(args),
        rate=args.rate,
        connections=args.connections,
        window=args.window,
    )
    scheduled = schedule_send(request)
    job = scheduled.job
    print(
        f"job {job.id} scheduled for {job.local_due:%Y-%m-%d %H:%M:%S} {job.tz}"
        f" ({job.due_at:%Y-%m-%d %H:%M:%S} UTC)",
        flush=True,
    )
    if scheduled.warning is not None:
        print(
            f"warning: the send will refuse until this is fixed: {scheduled.warning}",
            file=sys.stderr,
        )
    print()
    print(format_jobs(scheduled.jobs))
    return 0
