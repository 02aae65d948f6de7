"""`send.py jobs`: list scheduled sends; cancel or release one."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from missive.cli.options import add_journal

if TYPE_CHECKING:
    from missive.app import Job

EXAMPLE = """\
example:
  python send.py jobs --journal out/wsis20.sqlite
  python send.py jobs --journal out/wsis20.sqlite --cancel 3
  python send.py jobs --journal out/wsis20.sqlite --release 4

A job overdue by more than the grace period (default 1 h), or left running by a worker
that stopped, is `held`: nothing is sent until you release it (it then runs at the next
poll of a worker, and resumes from the journal without sending anything twice).
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "jobs",
        help="list scheduled sends; cancel or release one",
        description="List the scheduled sends of a journal with their state, or change one.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_journal(parser)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--cancel", type=int, metavar="ID", help="cancel a queued or held job")
    action.add_argument("--release", type=int, metavar="ID", help="let a held job run")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import cancel_job, jobs_of, release_job

    if args.cancel is not None:
        job = cancel_job(args.journal, args.cancel)
        print(f"job {job.id} cancelled")
    elif args.release is not None:
        job = release_job(args.journal, args.release)
        print(f"job {job.id} released: a worker runs it at its next poll")
    print(format_jobs(jobs_of(args.journal)))
    return 0


def format_jobs(jobs: Sequence[Job]) -> str:
    if not jobs:
        return "no scheduled sends"
    rows = [["id", "state", "due", "letter", "options", "worker"]]
    notes: list[str] = []
    for job in jobs:
        due = f"{job.local_due:%Y-%m-%d %H:%M} {job.tz}"
        rows.append(
            [
                str(job.id),
                job.state.value,
                due,
                str(job.letter_path),
                " ".join(job.options) or "-",
                job.claimed_by or "-",
            ]
        )
        if job.error:
            notes.append(f"job {job.id}: {job.error}")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join([*lines, *([""] if notes else []), *notes])
