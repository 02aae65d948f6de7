"""Scheduled sends: jobs in the journal's SQLite file (the worker that runs them: `worker`).

A job is claimed with a conditional UPDATE inside `BEGIN IMMEDIATE`, so of several workers
on one journal exactly one runs it. A job overdue by more than the grace period (the
machine was off, no worker was running) is not fired: it is `held` until the operator
releases it. While a job runs its worker renews a lease (`heartbeat_at`); a `running`
job whose lease expired belongs to a worker that died, and it too becomes `held`,
never re-run on its own: the send journal knows what went out, and a released job
resumes from it without sending anything twice. A job whose send leaves recipients
waiting for their send window is queued again, due at the window's next opening.

What to send is typed data (`request.SendJob`, stored as versioned JSON), never a command
line and never a relay's URL or password: the relay is named, and its URL and credentials
are the worker's configuration. A row that cannot be read (an older missive's arguments
that `schedule` never wrote, a damaged request) is listed as failed, never run, and never
breaks a list.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from missive.errors import ScheduleError
from missive.schedule.jobspec import parse_due, zone_named
from missive.schedule.request import SendJob, from_arguments
from missive.storage import shared_file as ledger

__all__ = [
    "Job",
    "JobState",
    "cancel",
    "claim",
    "claim_due",
    "get_job",
    "hold_stale",
    "jobs_connection",
    "list_jobs",
    "parse_due",
    "read_job",
    "release",
    "schedule",
    "zone_named",
]

DEFAULT_GRACE = dt.timedelta(hours=1)
DEFAULT_LEASE = dt.timedelta(minutes=5)

Clock = Callable[[], dt.datetime]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    HELD = "held"  # waits for the operator: overdue past the grace, or its worker died


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    letter_path TEXT NOT NULL,
    options TEXT NOT NULL,
    due_at TEXT NOT NULL,
    tz TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ({", ".join(repr(s.value) for s in JobState)})),
    released INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    heartbeat_at TEXT,
    finished_at TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, due_at);
"""
# What to send, as `SendJob.to_json()`; NULL in rows an older missive wrote (`options`).
TYPED_REQUEST = "ALTER TABLE jobs ADD COLUMN request TEXT;"
MIGRATIONS = (SCHEMA, TYPED_REQUEST)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Job:
    id: int
    letter_path: Path
    request: SendJob | None  # None: the row could not be read (see `error`)
    due_at: dt.datetime  # UTC
    tz: str  # the zone the operator gave the time in, for display
    state: JobState
    released: bool
    claimed_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None

    @property
    def local_due(self) -> dt.datetime:
        return self.due_at.astimezone(ZoneInfo(self.tz))

    @property
    def options(self) -> tuple[str, ...]:
        """What the job sends, in short words (`relay default`, `lang fr`), for lists."""
        return self.request.describe() if self.request is not None else ("unreadable",)


# --- scheduling ---------------------------------------------------------------------


def schedule(
    journal_path: Path,
    letter_path: Path,
    due_at: dt.datetime,
    *,
    tz: str = "UTC",
    request: SendJob | None = None,
    now: dt.datetime,
) -> Job:
    """Store a job; refuses a time already past."""
    request = request or SendJob()
    zone_named(tz)
    if due_at <= now:
        raise ScheduleError(f"{due_at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M %Z} is in the past")
    with jobs_connection(journal_path) as conn:
        cursor = conn.execute(
            "INSERT INTO jobs (letter_path, options, request, due_at, tz, state, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                str(letter_path),
                json.dumps(list(request.describe())),
                request.to_json(),
                ledger.to_text(due_at),
                tz,
                JobState.QUEUED.value,
                ledger.to_text(now),
            ),
        )
        return read_job(conn, int(cursor.lastrowid or 0))


def list_jobs(journal_path: Path) -> tuple[Job, ...]:
    with jobs_connection(journal_path) as conn:
        rows = conn.execute("SELECT * FROM jobs ORDER BY due_at, id").fetchall()
    return tuple(_job(row) for row in rows)


def get_job(journal_path: Path, job_id: int) -> Job:
    with jobs_connection(journal_path) as conn:
        return read_job(conn, job_id)


def cancel(journal_path: Path, job_id: int, *, now: dt.datetime) -> Job:
    """Cancel a job that has not started (queued or held)."""
    return _transition(journal_path, job_id, (JobState.QUEUED, JobState.HELD), now, cancel=True)


def release(journal_path: Path, job_id: int, *, now: dt.datetime) -> Job:
    """Let a held job run at the next poll, however late it is."""
    return _transition(journal_path, job_id, (JobState.HELD,), now, cancel=False)


def _transition(
    journal_path: Path, job_id: int, allowed: tuple[JobState, ...], now: dt.datetime, cancel: bool
) -> Job:
    with jobs_connection(journal_path) as conn, ledger.immediate(conn):
        job = read_job(conn, job_id)
        if job.state not in allowed:
            verb = "cancelled" if cancel else "released"
            raise ScheduleError(
                f"job {job_id} is {job.state}: only a {' or '.join(allowed)} job can be {verb}"
            )
        if cancel:
            conn.execute(
                "UPDATE jobs SET state = ?, finished_at = ? WHERE id = ?",
                (JobState.CANCELLED.value, ledger.to_text(now), job_id),
            )
        else:
            conn.execute(
                "UPDATE jobs SET state = ?, released = 1, claimed_by = NULL WHERE id = ?",
                (JobState.QUEUED.value, job_id),
            )
        return read_job(conn, job_id)


# --- the worker ---------------------------------------------------------------------


def hold_stale(
    journal_path: Path, now: dt.datetime, *, grace: dt.timedelta, lease: dt.timedelta
) -> int:
    """Hold jobs overdue past the grace and running jobs whose worker stopped renewing."""
    with jobs_connection(journal_path) as conn, ledger.immediate(conn):
        overdue = conn.execute(
            "UPDATE jobs SET state = ?, error = ? WHERE state = ? AND released = 0 AND due_at < ?",
            (
                JobState.HELD.value,
                f"overdue by more than {_human(grace)}: release it to send now",
                JobState.QUEUED.value,
                ledger.to_text(now - grace),
            ),
        ).rowcount
        orphaned = conn.execute(
            "UPDATE jobs SET state = ?, error = 'worker ' || claimed_by || ' stopped while"
            " running it (no heartbeat since ' || heartbeat_at || '); release it to resume:"
            " what was sent is in the journal and is not sent again'"
            " WHERE state = ? AND heartbeat_at < ?",
            (JobState.HELD.value, JobState.RUNNING.value, ledger.to_text(now - lease)),
        ).rowcount
    return overdue + orphaned


def claim_due(journal_path: Path, me: str, now: dt.datetime) -> Job | None:
    """Take the earliest due job for this worker, or None; atomic across workers.

    None too while another job runs: every job sends through this journal, which admits
    one send at a time, so the next job waits rather than failing on the journal's lock.
    """
    with jobs_connection(journal_path) as conn, ledger.immediate(conn):
        row = conn.execute(
            "SELECT id FROM jobs WHERE state = ? AND due_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM jobs WHERE state = ?) ORDER BY due_at, id LIMIT 1",
            (JobState.QUEUED.value, ledger.to_text(now), JobState.RUNNING.value),
        ).fetchone()
        return None if row is None else _claim(conn, row["id"], me, now)


def claim(journal_path: Path, job_id: int, me: str, now: dt.datetime) -> Job | None:
    """Take job `job_id` if it is still queued: of workers racing for it, one gets it."""
    with jobs_connection(journal_path) as conn, ledger.immediate(conn):
        return _claim(conn, job_id, me, now)


def _claim(conn: sqlite3.Connection, job_id: int, me: str, now: dt.datetime) -> Job | None:
    stamp = ledger.to_text(now)
    # The state condition and the row count make the claim safe even for a worker that
    # chose this job from a read made before another worker claimed it.
    claimed = conn.execute(
        "UPDATE jobs SET state = ?, claimed_by = ?, started_at = ?, heartbeat_at = ?,"
        " error = NULL WHERE id = ? AND state = ?",
        (JobState.RUNNING.value, me, stamp, stamp, job_id, JobState.QUEUED.value),
    ).rowcount
    return read_job(conn, job_id) if claimed == 1 else None


# --- storage ------------------------------------------------------------------------


@contextmanager
def jobs_connection(journal_path: Path) -> Iterator[sqlite3.Connection]:
    with ledger.session(journal_path, "jobs", MIGRATIONS) as conn:
        yield conn


def read_job(conn: sqlite3.Connection, job_id: int) -> Job:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise ScheduleError(f"no job {job_id} in this journal")
    return _job(row)


def _job(row: sqlite3.Row) -> Job:
    """The row as a job; one that cannot be read is a failed job saying why, never an error
    (a list of jobs shows it, and no worker runs it)."""
    problems: list[str] = []

    def when(column: str) -> dt.datetime | None:
        text = row[column]
        try:
            return None if text is None else ledger.from_text(text)
        except (ValueError, TypeError) as exc:
            problems.append(f"{column}: {exc}")
            return EPOCH

    request = _request(row, problems)
    try:
        state = JobState(row["state"])
        zone_named(row["tz"])
    except (ValueError, ScheduleError) as exc:
        problems.append(str(exc))
        state = JobState.FAILED
    job = Job(
        id=int(row["id"]),
        letter_path=Path(str(row["letter_path"])),
        request=request,
        due_at=when("due_at") or EPOCH,
        tz=row["tz"] if not problems else "UTC",
        state=state,
        released=bool(row["released"]),
        claimed_by=row["claimed_by"],
        created_at=when("created_at") or EPOCH,
        started_at=when("started_at"),
        heartbeat_at=when("heartbeat_at"),
        finished_at=when("finished_at"),
        error=row["error"],
    )
    if not problems:
        return job
    why = "unreadable job: " + "; ".join(problems)
    return replace(job, request=None, state=JobState.FAILED, error=why[:500])


def _request(row: sqlite3.Row, problems: list[str]) -> SendJob | None:
    try:
        if row["request"] is not None:
            return SendJob.from_json(row["request"])
        options = json.loads(row["options"])
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise ScheduleError("its options are not a list of arguments")
        return from_arguments(options)
    except (ScheduleError, ValueError, TypeError) as exc:
        problems.append(str(exc))
        return None


def _human(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
