"""A one-page HTML report of a letter's sending, for people to read and forward.

It gathers, from the journal's file, every batch of the letter (counts per language and
group and state, the failures with their SMTP replies, when the first and last messages
went out, what came back afterwards: bounces, delays and auto-replies with their diagnostics,
and the rows an address correction replaced), who approved or rejected what and when, and the
scheduled sends. Everything
printed comes from data (names, SMTP replies, comments), so all of it is escaped.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
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

STYLE = """
body { font-family: "Noto Sans", Arial, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #bbb; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eee; } td.n { text-align: right; }
.sent, .replied { color: #176b2c; } .failed_permanent, .rejected, .bounced { color: #a61b1b; }
.failed_temporary, .ambiguous, .sending, .queued, .held, .delayed { color: #8a5a00; }
"""


@dataclass(frozen=True)
class BatchReport:
    info: BatchInfo
    counts: tuple[tuple[str, str, str, int], ...]  # (state, language, group, count)
    failures: tuple[Delivery, ...]
    first_sent: str | None
    last_sent: str | None
    notices: tuple[Delivery, ...] = ()  # bounced, delayed or replied, with the diagnostic
    replaced: tuple[tuple[str, str, str, str, str], ...] = ()  # see Journal.history


@dataclass(frozen=True)
class LetterReport:
    letter_key: str
    letter_path: str
    journal_path: str
    generated_at: dt.datetime
    batches: tuple[BatchReport, ...]
    approvals: tuple[Approval, ...]
    jobs: tuple[Job, ...]


def collect_report(
    journal: Journal, letter_key: str, letter_path: Path, *, now: dt.datetime
) -> LetterReport:
    """Read everything the report shows from an open journal (a reader is enough)."""
    batches = tuple(_batch_report(journal, info) for info in journal.batches(letter_key))
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


def _batch_report(journal: Journal, info: BatchInfo) -> BatchReport:
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


def render_html_report(report: LetterReport) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>missive: {escape(report.letter_key)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Sending report: {escape(report.letter_key)}</h1>",
        f"<p>Letter {_code(report.letter_path)}, journal {_code(report.journal_path)}; "
        f"report made {escape(_when(report.generated_at))}.</p>",
    ]
    if not report.batches:
        parts.append("<p>Nothing has been sent for this letter yet.</p>")
    for batch in report.batches:
        parts.extend(_batch_section(batch))
    parts.extend(_approvals_section(report.approvals))
    parts.extend(_jobs_section(report.jobs))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _batch_section(batch: BatchReport) -> list[str]:
    totals = Counter[str]()
    for state, _, _, n in batch.counts:
        totals[state] += n
    summary = ", ".join(f"{n} {_state(s)}" for s, n in sorted(totals.items()))
    sent = (
        f"First message sent {escape(_stamp(batch.first_sent))},"
        f" last {escape(_stamp(batch.last_sent or batch.first_sent))}."
        if batch.first_sent
        else "No message sent yet."
    )
    return [
        f"<h2>Batch {escape(batch.info.id)}</h2>",
        f"<p>Started {escape(_stamp(batch.info.created))}, recipients "
        f"{_code(batch.info.recipients_path)}: {summary}. {sent}</p>",
        *_grid(batch.counts),
        *_failures(batch.failures),
        *_notices(batch.notices),
        *_replaced(batch.replaced),
    ]


def _grid(counts: Sequence[tuple[str, str, str, int]]) -> list[str]:
    """Languages down, groups across; each cell lists its states."""
    languages = sorted({lang for _, lang, _, _ in counts})
    groups = sorted({group for _, _, group, _ in counts})
    cells: dict[tuple[str, str], list[str]] = {}
    for state, lang, group, n in counts:
        cells.setdefault((lang, group), []).append(f"{n} {_state(state)}")
    rows = [_row(["language", *groups], header=True)]
    for lang in languages:
        values = [", ".join(cells.get((lang, g), [])) or "-" for g in groups]
        cells_html = "".join(f"<td>{v}</td>" for v in values)
        rows.append(f"<tr><th>{escape(lang)}</th>{cells_html}</tr>")
    return ["<table>", *rows, "</table>"]


def _failures(failures: Sequence[Delivery]) -> list[str]:
    if not failures:
        return ["<p>No failures.</p>"]
    rows = [_row(["recipient", "e-mail", "state", "attempts", "SMTP reply"], header=True)]
    for d in failures:
        reply = f"{d.last_code if d.last_code is not None else ''} {d.last_text or ''}".strip()
        rows.append(
            f"<tr><td>{escape(d.recipient_id)}</td><td>{escape(d.email)}</td>"
            f"<td>{_state(d.state.value)}</td><td class=n>{d.attempts}</td>"
            f"<td>{escape(reply) or '-'}</td></tr>"
        )
    return ["<h3>Not sent</h3>", "<table>", *rows, "</table>"]


def _notices(notices: Sequence[Delivery]) -> list[str]:
    if not notices:
        return []
    rows = [_row(["recipient", "e-mail", "language", "group", "state", "status", "diagnostic",
                  "when"], header=True)]  # fmt: skip
    for d in notices:
        rows.append(
            f"<tr><td>{escape(d.recipient_id)}</td><td>{escape(d.email)}</td>"
            f"<td>{escape(d.language)}</td><td>{escape(d.group)}</td>"
            f"<td>{_state(d.state.value)}</td><td>{escape(d.notice_status or '-')}</td>"
            f"<td>{escape(d.notice_text or '-')}</td>"
            f"<td>{escape(_stamp(d.notice_at or ''))}</td></tr>"
        )
    return ["<h3>After delivery: bounces, delays, replies</h3>", "<table>", *rows, "</table>"]


def _replaced(replaced: Sequence[tuple[str, str, str, str, str]]) -> list[str]:
    if not replaced:
        return []
    rows = [_row(["recipient", "old e-mail", "state", "status", "diagnostic"], header=True)]
    rows += [_row(list(entry)) for entry in replaced]
    return ["<h3>Corrected addresses (earlier rows, kept for the record)</h3>", "<table>", *rows,
            "</table>"]  # fmt: skip


def _approvals_section(approvals: Iterable[Approval]) -> list[str]:
    # One decision usually covers several languages: show it once, languages together.
    decisions: dict[tuple[dt.datetime, str, str, str, str], list[str]] = {}
    for a in approvals:
        key = (a.decided_at, a.reviewer, a.decision.value, a.batch_hash, a.comment)
        decisions.setdefault(key, []).append(a.language.value)
    if not decisions:
        return ["<h2>Review</h2>", "<p>No approval or rejection recorded.</p>"]
    rows = [_row(["when", "reviewer", "languages", "decision", "batch hash", "comment"], True)]
    for (when, reviewer, decision, batch_hash, comment), languages in decisions.items():
        rows.append(
            f"<tr><td>{escape(_when(when))}</td><td>{escape(reviewer)}</td>"
            f"<td>{escape(', '.join(languages))}</td><td>{_state(decision)}</td>"
            f"<td><code>{escape(batch_hash[:12])}</code></td><td>{escape(comment)}</td></tr>"
        )
    return ["<h2>Review</h2>", "<table>", *rows, "</table>"]


def _jobs_section(jobs: Iterable[Job]) -> list[str]:
    rows = [_row(["job", "due", "state", "options", "note"], header=True)]
    for j in jobs:
        due = f"{j.local_due:%Y-%m-%d %H:%M} {j.tz}"
        rows.append(
            f"<tr><td class=n>{j.id}</td><td>{escape(due)}</td><td>{_state(j.state.value)}</td>"
            f"<td><code>{escape(' '.join(j.options))}</code></td>"
            f"<td>{escape(j.error or '')}</td></tr>"
        )
    if len(rows) == 1:
        return []
    return ["<h2>Scheduled sends</h2>", "<table>", *rows, "</table>"]


def _row(cells: Sequence[str], header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{escape(c)}</{tag}>" for c in cells) + "</tr>"


def _state(state: str) -> str:
    return f'<span class="{escape(state)}">{escape(state.replace("_", " "))}</span>'


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _stamp(text: str) -> str:
    """A journal time (ISO 8601) as people read it; left as is if it is not one."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
