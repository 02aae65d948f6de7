"""The worker: runs due scheduled sends, one at a time, renewing a lease while each runs.

Claiming, holding and the job rows themselves live in `missive.schedule`; this module is the
loop around them and what happens when a job ends (done, failed, queued again, or held when
the worker is interrupted).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from missive.schedule.jobs import (
    DEFAULT_GRACE,
    DEFAULT_LEASE,
    Clock,
    Job,
    JobState,
    claim_due,
    hold_stale,
    jobs_connection,
    read_job,
)
from missive.storage import shared_file as ledger

DEFAULT_POLL_SECONDS = 30.0

INTERRUPTED = (
    "the worker was interrupted while running it; release it to resume:"
    " what was sent is in the journal and is not sent again"
)

Sleep = Callable[[float], None]
# Runs a job; returns None when it is done, or the UTC time to run it again.
RunJob = Callable[[Job], dt.datetime | None]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_worker(
    journal_path: Path,
    clock: Clock,
    sleep: Sleep,
    run_job: RunJob,
    *,
    once: bool = False,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    grace: dt.timedelta = DEFAULT_GRACE,
    lease: dt.timedelta = DEFAULT_LEASE,
    name: str | None = None,
    stop: threading.Event | None = None,
    on_finish: Callable[[Job], None] | None = None,
) -> tuple[Job, ...]:
    """Run due jobs until stopped (or, with `once`, until none is due); returns those run.

    `run_job` raises to fail a job (its message is recorded), returns None when it is done
    or a time to queue it again (recipients waiting for their send window).
    `on_finish` is told of each job as it ends (the command line prints it).
    """
    me = name or worker_name()
    finished: list[Job] = []
    while stop is None or not stop.is_set():
        hold_stale(journal_path, clock(), grace=grace, lease=lease)
        job = claim_due(journal_path, me, clock())
        if job is not None:
            ended = _execute(journal_path, job, me=me, clock=clock, run_job=run_job, lease=lease)
            finished.append(ended)
            if on_finish is not None:
                on_finish(ended)
            continue
        if once:
            break
        sleep(poll_seconds)
    return tuple(finished)


def _execute(
    journal_path: Path,
    job: Job,
    *,
    me: str,
    clock: Clock,
    run_job: RunJob,
    lease: dt.timedelta,
) -> Job:
    error: str | None = None
    again: dt.datetime | None = None
    with _heartbeat(journal_path, job.id, me, clock, lease):
        try:
            again = run_job(job)
        # A worker outlives the jobs it runs: whatever one raises is recorded on that job.
        except Exception as exc:
            error = str(exc) or type(exc).__name__
        except KeyboardInterrupt:
            _finish(journal_path, job.id, me, JobState.HELD, now=clock(), error=INTERRUPTED)
            raise
    if error is None and again is not None:
        # Never due before now: a long run must not make its own continuation overdue.
        return _requeue(journal_path, job.id, me, max(again, clock()))
    state = JobState.FAILED if error else JobState.DONE
    return _finish(journal_path, job.id, me, state, now=clock(), error=error)


def _requeue(journal_path: Path, job_id: int, me: str, due_at: dt.datetime) -> Job:
    with jobs_connection(journal_path) as conn:
        conn.execute(
            "UPDATE jobs SET state = ?, due_at = ?, claimed_by = NULL, heartbeat_at = NULL,"
            " error = ? WHERE id = ? AND claimed_by = ?",
            (
                JobState.QUEUED.value,
                ledger.to_text(due_at),
                "recipients wait for their send window: runs again when it opens",
                job_id,
                me,
            ),
        )
        return read_job(conn, job_id)


def _finish(
    journal_path: Path,
    job_id: int,
    me: str,
    state: JobState,
    *,
    now: dt.datetime,
    error: str | None,
) -> Job:
    with jobs_connection(journal_path) as conn:
        conn.execute(
            "UPDATE jobs SET state = ?, finished_at = ?, error = ? WHERE id = ? AND claimed_by = ?",
            (state.value, ledger.to_text(now), error, job_id, me),
        )
        return read_job(conn, job_id)


@contextmanager
def _heartbeat(
    journal_path: Path, job_id: int, me: str, clock: Clock, lease: dt.timedelta
) -> Iterator[None]:
    """Renew the job's lease from a thread while it runs (a send may take hours)."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(lease.total_seconds() / 3):
            with jobs_connection(journal_path) as conn:
                conn.execute(
                    "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND claimed_by = ?",
                    (ledger.to_text(clock()), job_id, me),
                )

    thread = threading.Thread(target=beat, name=f"missive-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
