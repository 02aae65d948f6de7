"""Scheduled sends: schedule one, list, cancel and release jobs, and run a worker.

A job stores the letter and the options of `send` as its command line spells them (never a
password: a worker reads the credentials from its own environment), so that what an
operator scheduled reads back exactly as the command it runs. `schedule_send` is the one
place a send is scheduled, whichever front end asks: the command line (`schedule`) and the
workspace (which first checks the person's permission and then writes the audit log,
`operations.Operations.schedule`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from missive.errors import MissiveError
from missive.load import load_letter, load_recipients
from missive.review.approvals import Selection, require_approved, select_recipients
from missive.schedule.jobs import DEFAULT_GRACE, Job, cancel, list_jobs, release
from missive.schedule.jobs import schedule as store_job
from missive.schedule.window import SendWindow
from missive.schedule.worker import DEFAULT_POLL_SECONDS, run_worker


@dataclass(frozen=True)
class ScheduleRequest:
    letter_path: Path
    journal_path: Path
    due: dt.datetime | None = None  # aware (`parse_due`); None: now
    tz: str = "UTC"  # the zone the job's time is shown in
    # The send's options, stored with the job:
    smtp: str | None = None
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
        options=job_options(request, window),
        now=moment,
    )
    return Scheduled(job, unapproved(request), list_jobs(request.journal_path))


def job_options(request: ScheduleRequest, window: str | None) -> list[str]:
    """The send's options as `send` spells them on its command line."""
    selection = request.selection
    values = (
        ("smtp", request.smtp),
        ("recipients", request.recipients_path),
        ("limit", selection.limit),
        ("rate", request.rate),
        ("connections", request.connections),
        ("window", window),
    )
    options = [
        item for name, value in values if value is not None for item in (f"--{name}", str(value))
    ]
    for language in selection.languages:
        options += ["--lang", language.value]
    for group in selection.groups:
        options += ["--group", group]
    if request.to_self:
        options += ["--to-self", request.to_self]
    if request.resend_ambiguous:
        options.append("--resend-ambiguous")
    return options


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
