"""Scheduled jobs on a real SQLite journal, with an injectable clock."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from missive.errors import JobRequestError, ScheduleError
from missive.schedule import jobs as jobs_schema
from missive.schedule.jobs import (
    Job,
    JobState,
    cancel,
    claim,
    claim_due,
    get_job,
    list_jobs,
    parse_due,
    release,
    schedule,
)
from missive.schedule.request import SendJob
from missive.schedule.worker import run_worker
from missive.storage.schema import apply_migrations, connect

T0 = dt.datetime(2024, 2, 1, 8, 0, tzinfo=dt.UTC)
LETTER = Path("letters/wsis20-invitation.yaml")


class FakeClock:
    """Time that moves only when the worker sleeps or the test says so."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class Recorder:
    def __init__(self, clock: FakeClock | None = None) -> None:
        self.runs: list[tuple[int, dt.datetime | None]] = []
        self.clock = clock

    def __call__(self, job: Job) -> None:
        self.runs.append((job.id, self.clock() if self.clock else None))


def test_parse_due_accepts_minutes_seconds_and_iso(tmp_path: Path) -> None:
    zurich = parse_due("2024-02-01 09:00", "Europe/Zurich")
    assert zurich == dt.datetime(2024, 2, 1, 8, 0, tzinfo=dt.UTC)
    assert parse_due("2024-02-01 09:00:30", "Europe/Zurich").second == 30
    assert parse_due("2024-02-01T09:00:00+01:00") == zurich
    assert parse_due("2024-02-01T08:00Z") == zurich
    with pytest.raises(ScheduleError, match="not a date and time"):
        parse_due("tomorrow at nine")
    with pytest.raises(ScheduleError, match="unknown time zone"):
        parse_due("2024-02-01 09:00", "Mars/Olympus")


def test_a_job_stores_typed_data_and_an_unreadable_row_shows_as_failed(tmp_path: Path) -> None:
    """Finding 9: jobs were `send` arguments parsed back by the worker (`rate: "--no-dry-run"`
    stored as `["--rate"]`, `limit: true` as `--limit True`)."""
    journal = tmp_path / "journal.sqlite"
    wanted = SendJob(relay="bulk", limit=5, rate="600/min")
    schedule(journal, LETTER, T0 + dt.timedelta(hours=1), request=wanted, now=T0)
    (job,) = list_jobs(journal)
    assert job.request == wanted and job.state is JobState.QUEUED
    assert job.options == ("relay bulk", "limit 5", "rate 600/min")
    with pytest.raises(JobRequestError):
        SendJob(rate="--no-dry-run")
    with pytest.raises(JobRequestError):
        SendJob(limit=True)
    # Rows an older missive wrote as arguments: read strictly, or shown as failed.
    with sqlite3.connect(journal) as conn:
        row = ("2026-01-01T00:00:00.000000+00:00", "UTC", "queued", "2026-01-01T00:00:00+00:00")
        for options in ('["--rate", "60/min", "--lang", "fr"]', '["--rate"]', '["--limit", "True"]',
                        "not json"):  # fmt: skip
            conn.execute(
                "INSERT INTO jobs (letter_path, options, due_at, tz, state, created_at)"
                " VALUES ('x.yaml', ?, ?, ?, ?, ?)",
                (options, *row),
            )
        conn.execute("INSERT INTO jobs (letter_path, options, request, due_at, tz, state,"
                     " created_at) VALUES ('x.yaml', '[]', '{\"version\": 1, \"relay\":"
                     " \"smtp://evil\"}', ?, ?, ?, ?)", row)  # fmt: skip
    listed = list_jobs(journal)
    assert [j.state for j in listed[1:]] == [JobState.QUEUED, *[JobState.FAILED] * 4]
    assert listed[1].options == ("relay default", "rate 60/min", "lang fr")
    assert all(j.error and j.error.startswith("unreadable job") for j in listed[2:])


def test_a_journal_of_untyped_jobs_migrates(tmp_path: Path) -> None:
    """A jobs table an older missive made (schema 1, `send` arguments) gains the typed
    request column; its jobs are read from their arguments, strictly."""
    journal = tmp_path / "old.sqlite"
    conn = connect(journal)
    apply_migrations(conn, "jobs", [jobs_schema.SCHEMA])
    conn.execute(
        "INSERT INTO jobs (letter_path, options, due_at, tz, state, created_at) VALUES"
        ' (\'x.yaml\', \'["--smtp", "smtps://ops@relay:465", "--group", "ngo"]\','
        " '2026-03-02T10:00:00.000000+00:00', 'UTC', 'queued', '2026-03-02T09:00:00+00:00')"
    )
    conn.close()
    (job,) = list_jobs(journal)
    assert job.state is JobState.QUEUED and job.options == ("relay default", "group ngo")
    schedule(journal, LETTER, T0 + dt.timedelta(hours=1), request=SendJob(limit=2), now=T0)
    assert ("relay default", "limit 2") in [j.options for j in list_jobs(journal)]


def test_refuses_a_time_in_the_past(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="in the past"):
        schedule(tmp_path / "j.sqlite", LETTER, T0 - dt.timedelta(minutes=1), now=T0)


def test_job_fires_at_its_time_not_before(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    clock = FakeClock(T0)
    due = T0 + dt.timedelta(seconds=95)
    job = schedule(journal, LETTER, due, tz="Europe/Zurich", now=T0)
    stop = threading.Event()
    recorder = Recorder(clock)

    def run_job(job: Job) -> None:
        recorder(job)
        stop.set()

    run_worker(journal, clock, clock.sleep, run_job, poll_seconds=30, stop=stop)
    assert len(recorder.runs) == 1
    ran_at = recorder.runs[0][1]
    assert ran_at is not None
    assert due <= ran_at < due + dt.timedelta(seconds=30)
    done = get_job(journal, job.id)
    assert done.state is JobState.DONE
    assert done.local_due.hour == 9


def test_overdue_job_is_held_until_released(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    job = schedule(journal, LETTER, T0 + dt.timedelta(minutes=5), now=T0)
    late = FakeClock(T0 + dt.timedelta(hours=1, minutes=6))
    recorder = Recorder()
    assert run_worker(journal, late, late.sleep, recorder, once=True) == ()
    held = get_job(journal, job.id)
    assert held.state is JobState.HELD
    assert held.error is not None and "overdue by more than 1 h" in held.error
    assert recorder.runs == []
    # Within the grace it would have fired; after release it fires however late it is.
    release(journal, job.id, now=late())
    ran = run_worker(journal, late, late.sleep, recorder, once=True)
    assert [j.state for j in ran] == [JobState.DONE]
    assert [r[0] for r in recorder.runs] == [job.id]


def test_job_within_grace_still_fires(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    schedule(journal, LETTER, T0 + dt.timedelta(minutes=5), now=T0)
    clock = FakeClock(T0 + dt.timedelta(minutes=50))
    recorder = Recorder()
    run_worker(journal, clock, clock.sleep, recorder, once=True)
    assert len(recorder.runs) == 1


def test_jobs_survive_a_worker_restart(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    job = schedule(journal, LETTER, T0 + dt.timedelta(minutes=10), now=T0)
    clock = FakeClock(T0)
    recorder = Recorder()
    # First worker: nothing due yet, then it stops (process ended).
    assert run_worker(journal, clock, clock.sleep, recorder, once=True) == ()
    clock.now += dt.timedelta(minutes=10)
    # A new worker on the same file finds the job and runs it once.
    run_worker(journal, clock, clock.sleep, recorder, once=True)
    run_worker(journal, clock, clock.sleep, recorder, once=True)
    assert [r[0] for r in recorder.runs] == [job.id]


def test_job_of_a_dead_worker_is_held_not_rerun(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    job = schedule(journal, LETTER, T0 + dt.timedelta(minutes=1), now=T0)
    clock = FakeClock(T0 + dt.timedelta(minutes=1))
    later = schedule(journal, LETTER, T0 + dt.timedelta(minutes=2), now=T0)
    # A worker claims the job, then dies without finishing or renewing its lease.
    assert claim_due(journal, "dead-worker", clock()) is not None
    recorder = Recorder()
    clock.now += dt.timedelta(minutes=2)
    run_worker(journal, clock, clock.sleep, recorder, once=True)
    assert get_job(journal, job.id).state is JobState.RUNNING  # lease still valid
    assert get_job(journal, later.id).state is JobState.QUEUED  # one send at a time
    clock.now += dt.timedelta(minutes=4)
    run_worker(journal, clock, clock.sleep, recorder, once=True)
    held = get_job(journal, job.id)
    assert held.state is JobState.HELD
    assert held.error is not None and "dead-worker stopped while running" in held.error
    # The dead worker's job is not run again; the next one no longer waits for it.
    assert [r[0] for r in recorder.runs] == [later.id]
    release(journal, job.id, now=clock())
    run_worker(journal, clock, clock.sleep, recorder, once=True)
    assert [r[0] for r in recorder.runs] == [later.id, job.id]
    assert get_job(journal, job.id).state is JobState.DONE


LEASE = dt.timedelta(seconds=0.6)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stuck_worker(journal: Path, started: Path) -> None:
    """A worker whose job never ends, renewing a short lease until it is killed."""

    def run_forever(job: Job) -> None:
        started.touch()
        threading.Event().wait()

    run_worker(journal, _utc_now, time.sleep, run_forever, once=True, lease=LEASE, name="doomed")


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the worker process did not get there"
        time.sleep(0.02)


def test_a_killed_worker_process_leaves_its_job_held_not_rerun(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    started = tmp_path / "started"
    now = dt.datetime.now(dt.UTC)
    job = schedule(journal, LETTER, now + dt.timedelta(milliseconds=10), now=now)
    _wait_for(lambda: dt.datetime.now(dt.UTC) >= job.due_at)
    process = multiprocessing.get_context("fork").Process(
        target=_stuck_worker, args=(journal, started)
    )
    process.start()
    _wait_for(started.exists)
    first_beat = get_job(journal, job.id).heartbeat_at
    _wait_for(lambda: get_job(journal, job.id).heartbeat_at != first_beat)  # lease renewed
    os.kill(process.pid or 0, signal.SIGKILL)
    process.join()
    recorder = Recorder()
    clock = FakeClock(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    run_worker(journal, clock, clock.sleep, recorder, once=True, lease=LEASE)
    held = get_job(journal, job.id)
    assert (held.state, recorder.runs) == (JobState.HELD, [])
    assert held.error is not None and "worker doomed stopped while running it" in held.error
    release(journal, job.id, now=clock())
    run_worker(journal, clock, clock.sleep, recorder, once=True, lease=LEASE)
    assert [r[0] for r in recorder.runs] == [job.id]
    assert get_job(journal, job.id).state is JobState.DONE


def test_job_interrupted_by_ctrl_c_is_held(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    job = schedule(journal, LETTER, T0 + dt.timedelta(minutes=1), now=T0)
    clock = FakeClock(T0 + dt.timedelta(minutes=1))

    def interrupted(job: Job) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_worker(journal, clock, clock.sleep, interrupted, once=True)
    held = get_job(journal, job.id)
    assert held.state is JobState.HELD
    assert held.error is not None and "interrupted while running it" in held.error


def test_failed_job_records_the_error(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    schedule(journal, LETTER, T0 + dt.timedelta(minutes=1), now=T0)
    clock = FakeClock(T0 + dt.timedelta(minutes=1))

    def refuse(job: Job) -> None:
        raise ScheduleError("batch not approved at hash 3f2a…: missing approval for ar")

    (failed,) = run_worker(journal, clock, clock.sleep, refuse, once=True)
    assert failed.state is JobState.FAILED
    assert failed.error == "batch not approved at hash 3f2a…: missing approval for ar"


def test_cancel_only_before_it_runs(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    first = schedule(journal, LETTER, T0 + dt.timedelta(minutes=1), now=T0)
    second = schedule(journal, LETTER, T0 + dt.timedelta(minutes=2), now=T0)
    assert cancel(journal, first.id, now=T0).state is JobState.CANCELLED
    clock = FakeClock(T0 + dt.timedelta(minutes=3))
    recorder = Recorder()
    run_worker(journal, clock, clock.sleep, recorder, once=True)
    assert [r[0] for r in recorder.runs] == [second.id]
    with pytest.raises(ScheduleError, match="is done"):
        cancel(journal, second.id, now=clock())
    with pytest.raises(ScheduleError, match="no job 99"):
        cancel(journal, 99, now=clock())
    assert [j.state for j in list_jobs(journal)] == [JobState.CANCELLED, JobState.DONE]


# --- racing workers -----------------------------------------------------------------

JOBS = 24
WORKERS = 4


def test_a_job_chosen_by_two_workers_is_claimed_by_one(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite"
    job = schedule(journal, LETTER, T0 + dt.timedelta(minutes=1), now=T0)
    now = T0 + dt.timedelta(minutes=2)
    # Both saw the job queued; the second claim comes after the first committed.
    first = claim(journal, job.id, "worker-a", now)
    second = claim(journal, job.id, "worker-b", now)
    assert first is not None and first.claimed_by == "worker-a"
    assert second is None
    assert get_job(journal, job.id).claimed_by == "worker-a"


def _record_run(journal: Path, job: Job, worker: str) -> None:
    with sqlite3.connect(journal, timeout=30) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS runs (job INTEGER, worker TEXT)")
        conn.execute("INSERT INTO runs VALUES (?, ?)", (job.id, worker))


def _worker_process(journal: Path, worker: str, start: threading.Barrier | None) -> None:
    clock = FakeClock(T0 + dt.timedelta(hours=1))
    if start is not None:
        start.wait()
    run_worker(
        journal, clock, clock.sleep, lambda job: _record_run(journal, job, worker), once=True
    )


def _race_setup(tmp_path: Path) -> Path:
    journal = tmp_path / "journal.sqlite"
    for minute in range(JOBS):
        schedule(journal, LETTER, T0 + dt.timedelta(minutes=minute + 1), now=T0)
    return journal


def _runs(journal: Path) -> list[int]:
    with sqlite3.connect(journal) as conn:
        return sorted(row[0] for row in conn.execute("SELECT job FROM runs"))


def test_racing_worker_threads_run_each_job_once(tmp_path: Path) -> None:
    journal = _race_setup(tmp_path)
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=_worker_process, args=(journal, name, start)) for name in ("a", "b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _runs(journal) == list(range(1, JOBS + 1))
    assert {j.state for j in list_jobs(journal)} == {JobState.DONE}


def test_racing_worker_processes_run_each_job_once(tmp_path: Path) -> None:
    journal = _race_setup(tmp_path)
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_worker_process, args=(journal, f"p{n}", None))
        for n in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    assert [p.exitcode for p in processes] == [0] * WORKERS
    assert _runs(journal) == list(range(1, JOBS + 1))
