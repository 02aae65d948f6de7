"""A letter's sending report, as data: what `status --html` and the workspace's report page
show, both through the one template (`missive/web/templates/report_body.html`).

It gathers, from the journal's file, every batch of the letter (counts per language and
group and state, the failures with their SMTP replies, when the first and last messages
went out, what came back afterwards: bounces, delays and auto-replies with their diagnostics,
and the rows an address correction replaced), who approved or rejected what and when, and the
scheduled sends.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from missive.deliver.journal import BatchInfo, Delivery, Journal, SendState
from missive.review.approvals import Approval, list_approvals
from missive.schedule.jobs import Job, list_jobs

PROBLEM_STATES = (
    SendState.FAILED_PERMANENT,
    SendState.FAILED_TEMPORARY,
    SendState.AMBIGUOUS,
    SendState.SENDING,
)
# Learned after the relay accepted the message, from the bounce mailbox (`send.py bounces`).
NOTICE_STATES = (SendState.BOUNCED, SendState.DELAYED, SendState.REPLIED)
# Where a recipient's letter is done with: it arrived, or is still on its way downstream.
DONE_STATES = frozenset({"sent", "delayed", "replied"})


@dataclass(frozen=True)
class BatchReport:
    info: BatchInfo
    counts: tuple[tuple[str, str, str, int], ...]  # (state, language, group, count)
    failures: tuple[Delivery, ...]
    first_sent: str | None
    last_sent: str | None
    notices: tuple[Delivery, ...] = ()  # bounced, delayed or replied, with the diagnostic
    replaced: tuple[tuple[str, str, str, str, str], ...] = ()  # see Journal.history

    @property
    def states(self) -> Counter[str]:
        """Recipients per state."""
        totals = Counter[str]()
        for state, _, _, n in self.counts:
            totals[state] += n
        return totals

    @property
    def complete(self) -> bool:
        return set(self.states) <= DONE_STATES

    @property
    def grid(self) -> Grid:
        """Languages down, groups across; each cell the states of its recipients."""
        cells: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for state, language, group, n in self.counts:
            cells.setdefault((language, group), []).append((state, n))
        return Grid(
            languages=tuple(sorted({lang for _, lang, _, _ in self.counts})),
            groups=tuple(sorted({group for _, _, group, _ in self.counts})),
            cells=cells,
        )


@dataclass(frozen=True)
class Grid:
    languages: tuple[str, ...]
    groups: tuple[str, ...]
    cells: dict[tuple[str, str], list[tuple[str, int]]]  # (language, group) -> (state, n)


@dataclass(frozen=True)
class DecisionRow:
    """One reviewer's decision, its languages together (one decision often covers several)."""

    decided_at: dt.datetime
    reviewer: str
    languages: tuple[str, ...]
    decision: str
    batch_hash: str
    comment: str
    recorded_by: str


@dataclass(frozen=True)
class LetterReport:
    letter_key: str
    letter_path: str
    journal_path: str
    generated_at: dt.datetime
    batches: tuple[BatchReport, ...]
    approvals: tuple[Approval, ...]
    jobs: tuple[Job, ...]

    @property
    def decisions(self) -> list[DecisionRow]:
        grouped: dict[tuple[dt.datetime, str, str, str, str, str], list[str]] = {}
        for a in self.approvals:
            key = (a.decided_at, a.reviewer, a.decision.value, a.batch_hash, a.comment,
                   a.recorded_by)  # fmt: skip
            grouped.setdefault(key, []).append(a.language.value)
        return [DecisionRow(*key[:2], tuple(langs), *key[2:]) for key, langs in grouped.items()]


def collect_report(
    journal: Journal, letter_key: str, letter_path: Path, *, now: dt.datetime
) -> LetterReport:
    """Read everything the report shows from an open journal (a reader is enough)."""
    batches = tuple(batch_report(journal, info) for info in journal.batches(letter_key))
    jobs = tuple(j for j in list_jobs(journal.path) if j.letter_path.stem == letter_key)
    return LetterReport(
        letter_key=letter_key,
        letter_path=str(letter_path),
        journal_path=str(journal.path),
        generated_at=now,
        batches=batches,
        approvals=list_approvals(journal.path, letter_key),
        jobs=jobs,
    )


def batch_report(journal: Journal, info: BatchInfo) -> BatchReport:
    sent_times = [d.sent_at for d in journal.rows(info.id, (SendState.SENT,)) if d.sent_at]
    return BatchReport(
        info=info,
        counts=tuple(journal.counts(info.id)),
        failures=tuple(journal.rows(info.id, PROBLEM_STATES)),
        first_sent=min(sent_times, default=None),
        last_sent=max(sent_times, default=None),
        notices=tuple(journal.rows(info.id, NOTICE_STATES)),
        replaced=tuple(journal.history(info.id)),
    )
