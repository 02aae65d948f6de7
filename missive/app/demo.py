"""The whole pipeline on a sample letter, against an SMTP server on loopback.

Check, render one letter per language and the reviewers' proof, approve as the reviewer
"missive demo", then spool and send every recipient's message to a server on 127.0.0.1
that files what it receives in a Maildir, and count who received a PDF. The server also plays
the receiving side's mail system for two recipients: one address is unknown (a bounce) and
one server is not answering (a delay); it files those notices in a bounce Maildir, which the
demo then reads (`send.py bounces`) before showing the status. Each run starts from a fresh
journal and Maildirs. Each step is announced as an event before it runs and
its outcome after, so a front end shows the demo as it goes.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import enum
import mailbox
import secrets
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from missive.access.permissions import Role
from missive.app.batch_letters import LetterMaker, PreparedBatch, prepare
from missive.app.bounces import BouncesRequest, BouncesResult, read_bounces
from missive.app.check import CheckReport, CheckRequest, check_letter
from missive.app.people import NewUser, add_user, cli_origin
from missive.app.proof import write_proof
from missive.app.review import BatchRequest, DecisionRequest, approval_gate, decide
from missive.app.send import Relay, deliver
from missive.app.send import spool as spool_messages
from missive.app.status import LetterStatus, StatusRequest, letter_status
from missive.deliver.journal import Journal, SendState
from missive.deliver.mailboxes import MailboxKind, MailboxSpec
from missive.deliver.message import split_address
from missive.deliver.settings import SendOptions, SmtpEndpoint
from missive.deliver.sink import NoticeScript, ScriptedNotice, maildir_sink
from missive.model import Language
from missive.review.approvals import Decision

REVIEWER = "missive demo"
DEMO_USERS = (
    ("demo-reviewer", Role.REVIEWER, tuple(Language)),
    ("demo-operator", Role.OPERATOR, ()),
    ("demo-admin", Role.ADMIN, ()),
)


class DemoStep(enum.IntEnum):
    CHECK = 1
    RENDER = 2
    APPROVE = 3
    SEND = 4
    BOUNCES = 5


@dataclass(frozen=True)
class StepStarted:
    step: DemoStep


@dataclass(frozen=True)
class Checked:
    report: CheckReport


@dataclass(frozen=True)
class SamplesRendered:
    paths: tuple[Path, ...]  # one PDF per language


@dataclass(frozen=True)
class ProofWritten:
    path: Path


@dataclass(frozen=True)
class Approved:
    languages: tuple[str, ...]
    short_hash: str


@dataclass(frozen=True)
class SinkStarted:
    url: str
    maildir: Path


@dataclass(frozen=True)
class MessagesSpooled:
    count: int
    journal_path: Path


@dataclass(frozen=True)
class Delivered:
    counts: Mapping[SendState, int]


@dataclass(frozen=True)
class BouncesRead:
    result: BouncesResult


@dataclass(frozen=True)
class StatusRead:
    status: LetterStatus


DemoEvent = (
    StepStarted
    | Checked
    | SamplesRendered
    | ProofWritten
    | Approved
    | SinkStarted
    | MessagesSpooled
    | Delivered
    | BouncesRead
    | StatusRead
)


@dataclass(frozen=True)
class DemoRequest:
    out: Path
    letter_path: Path


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: str
    password: str  # new and random, shown once: the account lives in the demo's journal only


@dataclass(frozen=True)
class DemoResult:
    letter_path: Path
    pdf_dir: Path
    maildir: Path
    bounce_maildir: Path
    journal_path: Path
    received: int  # recipients whose message, with its PDF, reached the Maildir
    missing: tuple[str, ...]  # addresses that did not
    users: tuple[DemoUser, ...]  # one per role, to try the workspace on this journal


def run_demo(request: DemoRequest, on_event: Callable[[DemoEvent], None]) -> DemoResult:
    out = request.out
    journal_path = out / "journal.sqlite"
    _fresh_start(out, journal_path)
    on_event(StepStarted(DemoStep.CHECK))
    on_event(Checked(check_letter(CheckRequest(request.letter_path))))
    prepared = prepare(request.letter_path)
    on_event(StepStarted(DemoStep.RENDER))
    on_event(SamplesRendered(_render_samples(prepared, out / "pdf")))
    write_proof(request.letter_path, out / "proof.pdf")
    on_event(ProofWritten(out / "proof.pdf"))
    on_event(StepStarted(DemoStep.APPROVE))
    decided = decide(
        DecisionRequest(
            BatchRequest(request.letter_path, journal_path), REVIEWER, Decision.APPROVED
        )
    )
    languages = tuple(row.language.value for row in decided.rows)
    on_event(Approved(languages, decided.review.digest.short))
    on_event(StepStarted(DemoStep.SEND))
    script = NoticeScript(out / "bounces", _scripted_notices(prepared))
    received = _send_to_sink(prepared, journal_path, out / "maildir", script, on_event)
    missing = sorted(
        r.email
        for r in prepared.recipients
        if _envelope(r.email) not in received and _envelope(r.email) not in script.by_address
    )
    on_event(StepStarted(DemoStep.BOUNCES))
    maildir = MailboxSpec(MailboxKind.MAILDIR, str(script.folder))
    on_event(BouncesRead(read_bounces(BouncesRequest(request.letter_path, journal_path, maildir))))
    on_event(StatusRead(letter_status(StatusRequest(request.letter_path, journal_path))))
    return DemoResult(
        request.letter_path,
        out / "pdf",
        out / "maildir",
        script.folder,
        journal_path,
        len(received),
        tuple(missing),
        _add_demo_users(journal_path),
    )


def _add_demo_users(journal_path: Path) -> tuple[DemoUser, ...]:
    """One user per role, in the demo's journal only, each with a new random password."""
    made = []
    for name, role, languages in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        add_user(
            NewUser(journal_path, name, role, password, languages),
            cli_origin(),
            dt.datetime.now(dt.UTC),
        )
        made.append(DemoUser(name, role.value, password))
    return tuple(made)


def _fresh_start(out: Path, journal_path: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("", "-wal", "-shm", ".lock"):
        journal_path.with_name(journal_path.name + name).unlink(missing_ok=True)
    spool = journal_path.with_name(journal_path.name + ".spool")
    for folder in (out / "maildir", out / "bounces", spool):
        shutil.rmtree(folder, ignore_errors=True)


def _render_samples(prepared: PreparedBatch, folder: Path) -> tuple[Path, ...]:
    folder.mkdir(parents=True, exist_ok=True)
    make = LetterMaker(prepared.letter, prepared.recipients_path, persist_serials=False)
    written: list[Path] = []
    seen: set[str] = set()
    for recipient in prepared.recipients:
        if recipient.language.value in seen:
            continue
        seen.add(recipient.language.value)
        _, pdf = make(recipient)
        path = folder / f"{recipient.id}.pdf"
        path.write_bytes(pdf)
        written.append(path)
    return tuple(written)


def _scripted_notices(prepared: PreparedBatch) -> dict[str, ScriptedNotice]:
    """The last recipient's address is unknown downstream, the one before's server is slow."""
    *_, slow, unknown = (_envelope(r.email) for r in prepared.recipients)
    return {
        unknown.casefold(): ScriptedNotice(
            "failed", "5.1.1", f"smtp; 550 5.1.1 <{unknown}>: Recipient address rejected: "
            "User unknown in virtual mailbox table"
        ),
        slow.casefold(): ScriptedNotice(
            "delayed", "4.4.1", f"smtp; 451 4.4.1 <{slow}>: host not answering; will retry"
        ),
    }  # fmt: skip


def _send_to_sink(
    prepared: PreparedBatch,
    journal_path: Path,
    maildir: Path,
    script: NoticeScript,
    on_event: Callable[[DemoEvent], None],
) -> set[str]:
    with maildir_sink(maildir, script=script) as sink, Journal.open(journal_path) as journal:
        on_event(SinkStarted(sink.url, maildir))
        gate = approval_gate(journal_path, prepared)
        spooled = spool_messages(prepared, journal, verify=gate.verify)
        on_event(MessagesSpooled(spooled.spooled, journal_path))
        relay = Relay(SmtpEndpoint.parse(sink.url))
        summary = deliver(prepared, journal, relay, SendOptions(connections=4, rate=None))
        on_event(Delivered(dict(summary.counts)))
    return _addressees_with_pdf(maildir)


def _envelope(address: str) -> str:
    local, domain = split_address(address)
    return f"{local}@{domain}"


def _addressees_with_pdf(maildir: Path) -> set[str]:
    """The envelope addressee of every message in the Maildir that carries a PDF."""
    box = mailbox.Maildir(maildir, create=False)
    found: set[str] = set()
    for key in box.iterkeys():
        parsed = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        has_pdf = any(
            part.get_content_type() == "application/pdf" and part.get_content()[:5] == b"%PDF-"
            for part in parsed.walk()
        )
        if has_pdf:
            found.add(str(parsed["X-Missive-Envelope-To"]).split(",")[0].strip())
    return found
