"""The workspace's use cases that change things: decisions, jobs, and a send's progress.

Each checks the actor against the permission matrix, then calls the one use case every
front end calls (`review.decide`, `jobs.schedule_send`, `jobs.cancel_job`, ...), with the
audit log written under the logged-in person and their address. Nothing here sends: a send
is a job in the journal, run by `send.py worker` in its own process.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from missive.access.permissions import Action, Actor, require
from missive.app.jobs import ScheduleRequest, cancel_job, jobs_of, release_job, schedule_send
from missive.app.letters import LetterShelf
from missive.app.people import Origin, record_decision
from missive.app.report import LetterReport, collect_report
from missive.app.review import BatchRequest, DecisionRequest, DigestedBatch, decide
from missive.app.status import CSV_COLUMNS, status_rows
from missive.deliver.journal import Delivery, Journal, SendState
from missive.errors import NotFoundError, ScheduleError
from missive.load import load_letter
from missive.model import Language
from missive.review.approvals import Approval, Decision, Selection
from missive.schedule import jobs
from missive.schedule.jobs import Job
from missive.storage import connections

RATE_SPAN = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class SendJobRequest:
    """The options of `schedule`, as a request: empty selections mean all."""

    letter_key: str
    due_at: dt.datetime | None = None  # None: now
    tz: str = "UTC"
    relay: str | None = None  # a relay named in the worker's configuration; None: its default
    languages: tuple[Language, ...] = ()
    groups: tuple[str, ...] = ()  # group keys of the letter
    limit: int | None = None
    rate: str | None = None
    window: str | None = None
    to_self: str | None = None
    resend_ambiguous: bool = False


@dataclass(frozen=True)
class SendProgress:
    batch_id: str | None
    total: int
    counts: dict[str, int]  # state -> recipients
    rate_per_minute: float
    eta_seconds: int | None
    failures: tuple[Delivery, ...]

    @property
    def sent(self) -> int:
        return self.counts.get(SendState.SENT.value, 0)

    @property
    def failed(self) -> int:
        return self.counts.get(SendState.FAILED_PERMANENT.value, 0) + self.counts.get(
            SendState.FAILED_TEMPORARY.value, 0
        )

    @property
    def held(self) -> int:
        return self.counts.get(SendState.AMBIGUOUS.value, 0)


class Operations:
    def __init__(self, shelf: LetterShelf, journal_path: Path) -> None:
        self.shelf = shelf
        self.journal_path = journal_path

    def close(self) -> None:
        """Close the journal's connections that this process's threads keep to reuse
        (`storage/connections.py`): the server is stopping."""
        connections.close_all()

    def decide(  # noqa: PLR0917 (one reviewer's decision: what, on what, why, by whom)
        self,
        actor: Actor | None,
        key: str,
        language: Language,
        decision: Decision,
        comment: str,
        origin: Origin,
        now: dt.datetime,
        *,
        seen_hash: str,
    ) -> Approval:
        """Record the decision at `seen_hash`, the language hash the reviewer saw: refused
        (StaleHashError) unless it is the language's current hash, rendered and unchanged."""
        who = require(actor, Action.REVIEW, language)
        path = self.shelf.path_of(key)
        inputs, digest = self.shelf.current(key, language, seen_hash)
        letter = load_letter(path)
        batch = DigestedBatch(letter, (), letter.recipients_path, inputs, digest)
        request = DecisionRequest(
            BatchRequest(path, self.journal_path, selection=Selection((language,))),
            reviewer=who.name,
            decision=decision,
            comment=comment,
            recorded_by=f"login {who.name} from {origin.address}",
            audit=origin,
        )
        (row,) = decide(request, batch, now).rows
        return row

    def schedule(
        self, actor: Actor | None, request: SendJobRequest, origin: Origin, now: dt.datetime
    ) -> Job:
        require(actor, Action.SEND)
        path = self.shelf.path_of(request.letter_key)
        scheduled = schedule_send(
            ScheduleRequest(
                letter_path=path,
                journal_path=self.journal_path,
                due=request.due_at,
                tz=request.tz,
                relay=request.relay,
                selection=Selection(request.languages, request.groups, request.limit),
                rate=request.rate,
                window=request.window,
                to_self=request.to_self,
                resend_ambiguous=request.resend_ambiguous,
            ),
            now,
        )
        job = scheduled.job
        record_decision(
            self.journal_path,
            origin,
            "schedule send",
            target=request.letter_key,
            detail=f"job {job.id} at {job.due_at:%Y-%m-%d %H:%M:%S} UTC: " + " ".join(job.options),
            now=now,
        )
        return job

    def jobs(self, actor: Actor | None, key: str | None = None) -> tuple[Job, ...]:
        require(actor, Action.VIEW)
        listed = jobs_of(self.journal_path)
        return tuple(j for j in listed if key is None or j.letter_path.stem == key)

    def job(self, actor: Actor | None, job_id: int) -> Job:
        require(actor, Action.VIEW)
        try:
            return jobs.get_job(self.journal_path, job_id)
        except ScheduleError as exc:
            raise NotFoundError(str(exc)) from exc

    def cancel(self, actor: Actor | None, job_id: int, origin: Origin, now: dt.datetime) -> Job:
        return self._change_job(actor, job_id, origin, now, change=cancel_job, what="cancel job")

    def release(self, actor: Actor | None, job_id: int, origin: Origin, now: dt.datetime) -> Job:
        return self._change_job(actor, job_id, origin, now, change=release_job, what="release job")

    def _change_job(
        self,
        actor: Actor | None,
        job_id: int,
        origin: Origin,
        now: dt.datetime,
        *,
        change: Callable[..., Job],
        what: str,
    ) -> Job:
        require(actor, Action.MANAGE_JOBS)
        self.job(actor, job_id)
        job = change(self.journal_path, job_id, now)
        detail = str(job.letter_path)
        record_decision(self.journal_path, origin, what, target=str(job_id), detail=detail, now=now)
        return job

    def progress(self, actor: Actor | None, key: str, now: dt.datetime) -> SendProgress:
        """The latest batch of the letter: counts per state, rate over the last minute, ETA."""
        require(actor, Action.VIEW)
        self.shelf.path_of(key)
        if not self.journal_path.exists():
            return SendProgress(None, 0, {}, 0.0, None, ())
        with Journal.open(self.journal_path, writer=False) as journal:
            batches = [b for b in journal.batches(key) if "-self-" not in b.id]
            if not batches:
                return SendProgress(None, 0, {}, 0.0, None, ())
            batch_id = batches[-1].id
            counts: Counter[str] = Counter()
            for state, _, _, n in journal.counts(batch_id):
                counts[state] += n
            recent = _sent_since(journal.rows(batch_id, (SendState.SENT,)), now - RATE_SPAN)
            failures = tuple(journal.rows(batch_id, _PROBLEMS))
        total = sum(counts.values())
        rate = recent / (RATE_SPAN.total_seconds() / 60)
        left = (
            total
            - counts.get(SendState.SENT.value, 0)
            - sum(counts.get(s.value, 0) for s in (SendState.FAILED_PERMANENT, SendState.AMBIGUOUS))
        )
        eta = int(left * 60 / rate) if rate and left else (0 if not left else None)
        return SendProgress(batch_id, total, dict(counts), rate, eta, failures)


_PROBLEMS = (SendState.FAILED_PERMANENT, SendState.FAILED_TEMPORARY, SendState.AMBIGUOUS)


def _sent_since(rows: Iterable[Delivery], since: dt.datetime) -> int:
    return sum(1 for row in rows if row.sent_at and _aware(row.sent_at) >= since)


def _aware(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def report(ops: Operations, actor: Actor | None, key: str, now: dt.datetime) -> LetterReport:
    """What `status --html` shows, for the letter's page in the workspace."""
    require(actor, Action.VIEW)
    path = ops.shelf.path_of(key)
    with Journal.open(ops.journal_path, writer=False) as journal:
        return collect_report(journal, key, path, now=now)


def report_rows(ops: Operations, actor: Actor | None, key: str) -> list[list[str]]:
    """One row per recipient of every batch of the letter: the rows of `status --csv`."""
    require(actor, Action.VIEW)
    ops.shelf.path_of(key)
    rows = [list(CSV_COLUMNS)]
    if not ops.journal_path.exists():
        return rows
    with Journal.open(ops.journal_path, writer=False) as journal:
        rows.extend(status_rows(journal, journal.batches(key)))
    return rows
