"""Scheduled sends: schedule one, list, cancel and release jobs, and run a worker.

A job stores the letter and what to send as typed data (`SendJob`, versioned JSON), never a
command line, a relay's URL or a password: the relay is named, and the worker's own
configuration gives its URL and credentials (`worker_relays`). The worker turns a job into
the send use case's request (`job_send_request`) and calls it. `schedule_send` is the one
place a send is scheduled, whichever front end asks: the command line (`schedule`) and the
workspace (which first checks the person's permission and then writes the audit log,
`operations.Operations.schedule`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from missive.app.send import SendRequest
from missive.deliver.relays import DEFAULT as DEFAULT_RELAY
from missive.deliver.relays import Relays, configure
from missive.errors import MissiveError, ScheduleError
from missive.load import load_letter, load_recipients
from missive.review.approvals import Selection, require_approved, select_recipients
from missive.schedule.jobs import DEFAULT_GRACE, Job, cancel, list_jobs, release
from missive.schedule.jobs import schedule as store_job
from missive.schedule.request import SendJob
from missive.schedule.window import SendWindow
from missive.schedule.worker import DEFAULT_POLL_SECONDS, run_worker


@dataclass(frozen=True)
class ScheduleRequest:
    letter_path: Path
    journal_path: Path
    due: dt.datetime | None = None  # aware (`parse_due`); None: now
    tz: str = "UTC"  # the zone the job's time is shown in
    # The send's options, stored with the job:
    relay: str | None = None  # a relay named in the worker's configuration; None: its default
    recipients_path: Path | None = None
    selection: Selection = field(default_factory=Selection)
    rate: str | None = None
    connections: int | None = None
    window: str | None = None
    to_self: str | None = None  # one sample per language to this address (needs no approval)
    resend_ambiguous: bool = False


@dataclass(frozen=True)
class Scheduled:
    job: Job
    warning: str | None  # why the send would refuse if it ran now (the job is kept)
    jobs: tuple[Job, ...]  # every job of the journal, after this one was added


@dataclass(frozen=True)
class WorkerRequest:
    journal_path: Path
    once: bool = False  # run what is due, then return
    poll_seconds: float = DEFAULT_POLL_SECONDS
    grace: dt.timedelta = DEFAULT_GRACE


LOCAL_RELAY = "smtp://localhost:25"  # `send`'s default relay
WorkerRelays = Relays  # the worker's named relays, for the front ends

# Runs a job's send; returns when to run it again (recipients waiting for their window).
RunJob = Callable[[Job], dt.datetime | None]


def schedule_send(request: ScheduleRequest, now: dt.datetime | None = None) -> Scheduled:
    moment = now or dt.datetime.now(dt.UTC)
    # "Now" is a second ahead: a job is stored for a time still to come.
    due = request.due or moment + dt.timedelta(seconds=1)
    window = None
    if request.window is not None:
        window = str(SendWindow.parse(request.window))  # refused now, not at send time
    job = store_job(
        request.journal_path,
        request.letter_path,
        due,
        tz=request.tz,
        request=send_job(request, window),
        now=moment,
    )
    return Scheduled(job, unapproved(request), list_jobs(request.journal_path))


def send_job(request: ScheduleRequest, window: str | None) -> SendJob:
    """What the job sends, as typed data (validated: ScheduleError for a bad value)."""
    selection = request.selection
    return SendJob(
        relay=request.relay,
        recipients=str(request.recipients_path) if request.recipients_path else None,
        languages=selection.languages,
        groups=selection.groups,
        limit=selection.limit,
        rate=request.rate,
        connections=request.connections,
        window=window,
        to_self=request.to_self,
        resend_ambiguous=request.resend_ambiguous,
    )


def worker_relays(
    smtp: str | None, named: Sequence[str] = (), config_file: Path | None = None
) -> Relays:
    """The worker's relays: `--smtp` the default, `--relay NAME=URL`, a TOML file, and
    MISSIVE_RELAYS in its environment; without a default, `send`'s (smtp://localhost:25)."""
    relays = configure(smtp, named, config_file)
    if DEFAULT_RELAY in relays.by_name:
        return relays
    return configure(LOCAL_RELAY, named, config_file)


def job_send_request(journal_path: Path, job: Job, relays: Relays) -> SendRequest:
    """The real send a job asks for, with the relay it names from the worker's own."""
    wanted = job.request
    if wanted is None:
        raise ScheduleError(job.error or f"job {job.id} cannot be read")
    selection = Selection(wanted.languages, wanted.groups, wanted.limit)
    defaults = SendRequest(job.letter_path, journal_path)
    return SendRequest(
        letter_path=job.letter_path,
        journal_path=journal_path,
        recipients_path=Path(wanted.recipients) if wanted.recipients else None,
        selection=selection,
        to_self=wanted.to_self,
        relay=relays.get(wanted.relay),
        rate=wanted.rate or defaults.rate,
        connections=wanted.connections or defaults.connections,
        dry_run=False,
        resend_ambiguous=wanted.resend_ambiguous,
        window=wanted.window,
    )


def unapproved(request: ScheduleRequest) -> str | None:
    """Say now, not at send time, that approvals are still missing (samples need none)."""
    if request.to_self:
        return None
    try:
        letter = load_letter(request.letter_path)
        path = request.recipients_path or letter.recipients_path
        chosen = select_recipients(letter, load_recipients(path, letter), request.selection)
        require_approved(request.journal_path, letter, chosen, recipients_path=path)
    except MissiveError as exc:
        return str(exc)
    return None


def jobs_of(journal_path: Path) -> tuple[Job, ...]:
    return list_jobs(journal_path)


def cancel_job(journal_path: Path, job_id: int, now: dt.datetime | None = None) -> Job:
    return cancel(journal_path, job_id, now=now or dt.datetime.now(dt.UTC))


def release_job(journal_path: Path, job_id: int, now: dt.datetime | None = None) -> Job:
    """Let a held job run: a worker takes it at its next poll."""
    return release(journal_path, job_id, now=now or dt.datetime.now(dt.UTC))


def work(
    request: WorkerRequest, run_job: RunJob, on_finish: Callable[[Job], None] | None = None
) -> tuple[Job, ...]:
    """Run due jobs as they fall due (with `once`, only those due now); returns those run."""
    return run_worker(
        request.journal_path,
        lambda: dt.datetime.now(dt.UTC),
        time.sleep,
        run_job,
        once=request.once,
        poll_seconds=request.poll_seconds,
        grace=request.grace,
        on_finish=on_finish,
    )
