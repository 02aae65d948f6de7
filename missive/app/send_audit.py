"""Real sends in the audit log: each start, and each end with the batch's counts; the
worker's jobs (`audited`) and the command line's `send --no-dry-run` (`audited_send`)."""

from __future__ import annotations

import datetime as dt
import socket
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from missive.app.people import Origin, cli_origin, os_user, record_decision
from missive.deliver.journal import Journal
from missive.errors import MissiveError
from missive.schedule.jobs import Job

RunJob = Callable[[Job], dt.datetime | None]


def worker_origin() -> Origin:
    return Origin(f"os:{os_user()}", f"worker@{socket.gethostname()}")


def audited(journal_path: Path, run_job: RunJob, origin: Origin | None = None) -> RunJob:
    """`run_job`, with its start and its end (state and the batch's counts) in the audit log."""
    who = origin or worker_origin()

    def run(job: Job) -> dt.datetime | None:
        key = job.letter_path.stem
        detail = f"job {job.id}: " + " ".join(job.options)
        _record(journal_path, who, "send start", key, detail)
        try:
            resume_at = run_job(job)
        except MissiveError as exc:
            _record(
                journal_path,
                who,
                "send end",
                key,
                f"job {job.id} failed: {exc}; {_counts(journal_path, key)}",
            )
            raise
        state = "waits for its window" if resume_at else "finished"
        _record(
            journal_path,
            who,
            "send end",
            key,
            f"job {job.id} {state}; {_counts(journal_path, key)}",
        )
        return resume_at

    return run


def audited_send(
    letter_path: Path, journal_path: Path, describe: str, send: Callable[[], int]
) -> int:
    """A real send at the command line (`send` returns its exit status), with its start
    and its end in the audit log under the operating-system user."""
    who = cli_origin()
    key = letter_path.stem
    journal_path.parent.mkdir(parents=True, exist_ok=True)
    _record(journal_path, who, "send start", key, f"command line: {describe}")
    try:
        code = send()
    except MissiveError as exc:
        _record(journal_path, who, "send end", key, f"failed: {exc}; {_counts(journal_path, key)}")
        raise
    _record(journal_path, who, "send end", key, f"exit {code}; {_counts(journal_path, key)}")
    return code


def _counts(journal_path: Path, key: str) -> str:
    """The counts per state of the letter's latest batch, e.g. `batch X: 60 sent, 1 bounced`."""
    try:
        with Journal.open(journal_path, writer=False) as journal:
            batches = journal.batches(key)
            if not batches:
                return "no batch"
            latest = batches[-1].id
            totals: Counter[str] = Counter()
            for state, _, _, n in journal.counts(latest):
                totals[state] += n
    except MissiveError as exc:
        return f"counts unreadable: {exc}"
    return f"batch {latest}: " + ", ".join(f"{n} {s}" for s, n in sorted(totals.items()))


def _record(journal_path: Path, origin: Origin, action: str, key: str, detail: str) -> None:
    now = dt.datetime.now(dt.UTC)
    record_decision(journal_path, origin, action, target=key, detail=detail, now=now)
