"""Where every recipient of a letter's batches stands, from the journal.

Besides the counts a front end shows, the status can be written out as a CSV with one row
per recipient, and can carry the letter's report (`report.LetterReport`), which front ends
show as the one-page HTML report a person can read and forward. What came back after
delivery (`send.py bounces`: bounced, delayed, replied) is part of it, with each diagnostic,
and so are the rows an address correction replaced.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from missive.app.report import BatchReport, LetterReport, batch_report, collect_report
from missive.app.spreadsheet import write_rows
from missive.deliver.journal import BatchInfo, Delivery, Journal
from missive.load import load_letter

CSV_COLUMNS = (
    "batch",
    "recipient_id",
    "email",
    "language",
    "group",
    "state",
    "attempts",
    "last_code",
    "last_text",
    "message_id",
    "queued_at",
    "updated_at",
    "sent_at",
    "notice_status",
    "notice_text",
    "notice_at",
)


@dataclass(frozen=True)
class StatusRequest:
    letter_path: Path
    journal_path: Path
    csv_path: Path | None = None  # write one row per recipient here
    with_report: bool = False  # gather the letter's report too (approvals, jobs, times)


@dataclass(frozen=True)
class LetterStatus:
    letter_key: str
    batches: tuple[BatchReport, ...]
    report: LetterReport | None  # if asked
    csv_rows: int | None  # rows written to the CSV, if asked and there was a batch

    @property
    def complete(self) -> bool:
        return all(batch.complete for batch in self.batches)


def letter_status(request: StatusRequest) -> LetterStatus:
    letter = load_letter(request.letter_path)
    with Journal.open(request.journal_path, writer=False) as journal:
        report = None
        if request.with_report:
            report = collect_report(journal, letter.key, letter.path, now=dt.datetime.now(dt.UTC))
        infos = journal.batches(letter.key)
        batches = report.batches if report else tuple(batch_report(journal, i) for i in infos)
        rows = None
        if infos and request.csv_path is not None:
            rows = _write_csv(journal, infos, request.csv_path)
    return LetterStatus(letter.key, batches, report, rows)


def _write_csv(journal: Journal, batches: Sequence[BatchInfo], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        rows = itertools.chain([CSV_COLUMNS], status_rows(journal, batches))
        return write_rows(stream, rows) - 1


def status_rows(journal: Journal, batches: Sequence[BatchInfo]) -> Iterator[list[str]]:
    """One row per recipient of each batch, in the order of `CSV_COLUMNS`."""
    for batch in batches:
        for row in journal.rows(batch.id):
            yield _csv_row(batch.id, row)


def _csv_row(batch_id: str, row: Delivery) -> list[str]:
    return [
        batch_id,
        row.recipient_id,
        row.email,
        row.language,
        row.group,
        row.state.value,
        str(row.attempts),
        "" if row.last_code is None else str(row.last_code),
        row.last_text or "",
        row.message_id,
        row.queued_at,
        row.updated_at,
        row.sent_at or "",
        row.notice_status or "",
        row.notice_text or "",
        row.notice_at or "",
    ]
