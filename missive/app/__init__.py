"""The use cases every front end calls: the command line, the web pages, the JSON API.

Each takes a typed request and returns a typed result; long work reports `Progress` (or,
for a send and the demo, richer events) through a callback. Front ends parse, call one of
these and present what comes back: they hold no SQL, no spooling and no digests.

Importing the package is cheap: each name is imported from its module when first used, so
a command that checks a letter does not load the SMTP client, and `--help` loads nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from missive.app.check import CheckReport, CheckRequest, check_letter
    from missive.app.compose_one import ComposedText, ComposeRequest, compose_letter
    from missive.app.demo import DemoEvent, DemoRequest, DemoResult, DemoStep, run_demo
    from missive.app.jobs import (
        RunJob,
        Scheduled,
        ScheduleRequest,
        WorkerRequest,
        cancel_job,
        jobs_of,
        release_job,
        schedule_send,
        work,
    )
    from missive.app.new_letter import NewLetter, NewLetterRequest, start_letter
    from missive.app.progress import OnProgress, Progress, Stage
    from missive.app.proof import ProofRequest, make_proof
    from missive.app.render_batch import BatchOptions, Manifest, RenderRequest, render_letters
    from missive.app.report import BatchReport, LetterReport, collect_report
    from missive.app.review import (
        BatchRequest,
        BatchReview,
        Decided,
        DecisionRequest,
        decide,
        review_batch,
    )
    from missive.app.send import (
        BatchStarted,
        Previewed,
        Recovered,
        SendEnd,
        SendEvent,
        SendRequest,
        SendResult,
        Spooled,
        WindowWait,
        send_batch,
    )
    from missive.app.status import LetterStatus, StatusRequest, letter_status
    from missive.deliver.mailboxes import MailboxKind, MailboxSpec, imap_credentials
    from missive.review.approvals import (
        Approval,
        Decision,
        LanguageState,
        LanguageStatus,
        Selection,
    )
    from missive.schedule.jobs import Job, JobState, parse_due

_HOMES = {
    "Approval": "missive.review.approvals",
    "BatchOptions": "missive.app.render_batch",
    "BatchRequest": "missive.app.review",
    "BatchReview": "missive.app.review",
    "BatchStarted": "missive.app.send",
    "BatchReport": "missive.app.report",
    "CheckReport": "missive.app.check",
    "CheckRequest": "missive.app.check",
    "ComposeRequest": "missive.app.compose_one",
    "ComposedText": "missive.app.compose_one",
    "Decided": "missive.app.review",
    "Decision": "missive.review.approvals",
    "DecisionRequest": "missive.app.review",
    "DemoEvent": "missive.app.demo",
    "DemoRequest": "missive.app.demo",
    "DemoResult": "missive.app.demo",
    "DemoStep": "missive.app.demo",
    "Job": "missive.schedule.jobs",
    "JobState": "missive.schedule.jobs",
    "LanguageState": "missive.review.approvals",
    "LanguageStatus": "missive.review.approvals",
    "LetterReport": "missive.app.report",
    "LetterStatus": "missive.app.status",
    "MailboxKind": "missive.deliver.mailboxes",
    "MailboxSpec": "missive.deliver.mailboxes",
    "Manifest": "missive.app.render_batch",
    "NewLetter": "missive.app.new_letter",
    "NewLetterRequest": "missive.app.new_letter",
    "OnProgress": "missive.app.progress",
    "Previewed": "missive.app.send",
    "Progress": "missive.app.progress",
    "ProofRequest": "missive.app.proof",
    "Recovered": "missive.app.send",
    "RenderRequest": "missive.app.render_batch",
    "RunJob": "missive.app.jobs",
    "ScheduleRequest": "missive.app.jobs",
    "Scheduled": "missive.app.jobs",
    "Selection": "missive.review.approvals",
    "SendEnd": "missive.app.send",
    "SendEvent": "missive.app.send",
    "SendRequest": "missive.app.send",
    "SendResult": "missive.app.send",
    "Spooled": "missive.app.send",
    "Stage": "missive.app.progress",
    "StatusRequest": "missive.app.status",
    "WindowWait": "missive.app.send",
    "WorkerRequest": "missive.app.jobs",
    "cancel_job": "missive.app.jobs",
    "check_letter": "missive.app.check",
    "collect_report": "missive.app.report",
    "compose_letter": "missive.app.compose_one",
    "decide": "missive.app.review",
    "imap_credentials": "missive.deliver.mailboxes",
    "jobs_of": "missive.app.jobs",
    "letter_status": "missive.app.status",
    "make_proof": "missive.app.proof",
    "start_letter": "missive.app.new_letter",
    "parse_due": "missive.schedule.jobs",
    "release_job": "missive.app.jobs",
    "render_letters": "missive.app.render_batch",
    "review_batch": "missive.app.review",
    "run_demo": "missive.app.demo",
    "schedule_send": "missive.app.jobs",
    "send_batch": "missive.app.send",
    "work": "missive.app.jobs",
}

__all__ = [
    "Approval",
    "BatchOptions",
    "BatchReport",
    "BatchRequest",
    "BatchReview",
    "BatchStarted",
    "CheckReport",
    "CheckRequest",
    "ComposeRequest",
    "ComposedText",
    "Decided",
    "Decision",
    "DecisionRequest",
    "DemoEvent",
    "DemoRequest",
    "DemoResult",
    "DemoStep",
    "Job",
    "JobState",
    "LanguageState",
    "LanguageStatus",
    "LetterReport",
    "LetterStatus",
    "MailboxKind",
    "MailboxSpec",
    "Manifest",
    "NewLetter",
    "NewLetterRequest",
    "OnProgress",
    "Previewed",
    "Progress",
    "ProofRequest",
    "Recovered",
    "RenderRequest",
    "RunJob",
    "ScheduleRequest",
    "Scheduled",
    "Selection",
    "SendEnd",
    "SendEvent",
    "SendRequest",
    "SendResult",
    "Spooled",
    "Stage",
    "StatusRequest",
    "WindowWait",
    "WorkerRequest",
    "cancel_job",
    "check_letter",
    "collect_report",
    "compose_letter",
    "decide",
    "imap_credentials",
    "jobs_of",
    "letter_status",
    "make_proof",
    "parse_due",
    "release_job",
    "render_letters",
    "review_batch",
    "run_demo",
    "schedule_send",
    "send_batch",
    "start_letter",
    "work",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'missive.app' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
