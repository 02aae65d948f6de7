"""`send.py worker`: run scheduled sends when they are due."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from missive.cli.options import add_journal
from missive.errors import ScheduleError

if TYPE_CHECKING:
    from missive.app import Job
    from missive.app.jobs import WorkerRelays

SEND_INCOMPLETE = 3  # `send`'s exit status when some recipients failed or are held
DEFAULT_POLL_SECONDS = 30.0

EXAMPLE = """\
example:
  MISSIVE_SMTP_USERNAME=mailer MISSIVE_SMTP_PASSWORD=... \\
      python send.py worker --journal out/wsis20.sqlite --smtp smtps://relay.example.int:465
  python send.py worker --journal out/wsis20.sqlite --once     # run what is due, then exit
  python send.py worker --journal out/wsis20.sqlite --relays /etc/missive/relays.toml

The relays are the worker's: --smtp URL is the default one (smtp://localhost:25 if none
is given), --relay NAME=URL (repeatable), MISSIVE_RELAYS="NAME=URL ..." or a TOML file
([relays.NAME] url, username_env, password_env, plain_auth) add named ones; a job names a
relay, never a URL. Credentials (MISSIVE_SMTP_USERNAME/PASSWORD, or the relay's own
variables) are never sent without TLS, unless `plain_auth = true` for a loopback relay.
Several workers may share a journal: each job runs once. A job overdue by more than
--grace minutes is held for the operator (`jobs --release ID`); so is a job whose worker
stopped while running it. Each job is a real send of what it asks (a typed request).
A job scheduled with --window that leaves recipients outside their send window is queued
again for the next opening (shown by `jobs`), so a worker left running reaches everyone
in their office hours; it is done when the last recipient is sent.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run scheduled sends when they are due",
        description="Poll the journal for due jobs and run each as a real send.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_journal(parser)
    parser.add_argument("--once", action="store_true", help="run the due jobs, then exit")
    parser.add_argument(
        "--poll",
        type=float,
        default=DEFAULT_POLL_SECONDS,
        metavar="SECONDS",
        help=f"how often to look for due jobs (default {DEFAULT_POLL_SECONDS:g})",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=60.0,
        metavar="MINUTES",
        help="hold a job overdue by more than this (default 60)",
    )
    relays = parser.add_argument_group("relays (the worker's; a job names one)")
    relays.add_argument("--smtp", metavar="URL", help="the default relay")
    relays.add_argument(
        "--relay", action="append", default=[], metavar="NAME=URL", help="a named relay"
    )
    relays.add_argument("--relays", type=Path, metavar="FILE", help="relays in a TOML file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import JobState, WorkerRequest, work
    from missive.app.jobs import worker_relays
    from missive.app.send_audit import audited

    journal: Path = args.journal
    relays = worker_relays(args.smtp, args.relay, args.relays)

    def run_job(job: Job) -> dt.datetime | None:
        return run_send(journal, job, relays)

    def on_finish(job: Job) -> None:
        if job.state is JobState.QUEUED:
            detail = f" again for {job.due_at:%Y-%m-%d %H:%M} UTC (send window)"
        else:
            detail = f": {job.error}" if job.error else ""
        print(f"job {job.id} {job.state.value}{detail}", flush=True)

    print(f"worker on {journal}: polling every {args.poll:g} s", flush=True)
    grace = dt.timedelta(minutes=args.grace)
    work(WorkerRequest(journal, args.once, args.poll, grace), audited(journal, run_job), on_finish)
    return 0


def run_send(
    journal: Path, job: Job, relays: WorkerRelays, now: dt.datetime | None = None
) -> dt.datetime | None:
    """The job's send, in this process; MissiveError (e.g. not approved) fails the job.

    Returns when to run it again if recipients wait for their send window, else None.
    """
    from missive.app.jobs import job_send_request
    from missive.cli.send import execute

    request = job_send_request(journal, job, relays)
    relay = request.relay.name if request.relay else "default"
    print(f"job {job.id}: {job.letter_path} via relay {relay}: {' '.join(job.options)}", flush=True)
    outcome = execute(request, now)
    if outcome.resume_at is not None:
        # Failures so far stay in the journal; the last run reports them (status 3).
        return outcome.resume_at
    code = outcome.code
    if code == SEND_INCOMPLETE:
        raise ScheduleError(
            "the send finished with recipients failed or held: see `send.py status`"
        )
    if code != 0:
        raise ScheduleError(f"send exited with status {code}")
    return None
