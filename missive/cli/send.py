"""`send.py send`: check, render, spool and send a letter's batch (a dry run by default)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from missive.cli.options import add_letter, add_recipient_selection
from missive.errors import DeliveryError

if TYPE_CHECKING:
    from missive.app.send import PreparedBatch, Relay, SendRequest
    from missive.deliver.journal import Journal
    from missive.deliver.sender import Outcome, RunSummary
    from missive.deliver.settings import Credentials, SendOptions
    from missive.schedule.window import SendWindow

EXAMPLE = """\
examples:
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite
      # dry run: checks, renders and prints what would go where; sends nothing
  MISSIVE_SMTP_USERNAME=wsis MISSIVE_SMTP_PASSWORD=... \\
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --smtp smtp+starttls://relay.itu.int:587 --lang es --lang fr --rate 600/min --no-dry-run
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --smtp smtp://127.0.0.1:2525 --to-self me@itu.int     # one sample per language, to me
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --smtp smtps://relay.itu.int:465 --window 08:00-18:00 --no-dry-run
      # only those whose local time is 08:00-18:00, Monday to Friday; the others wait

Running the same command again resumes the batch: what was sent is never sent again.
A message interrupted after DATA is held as "ambiguous" (it may have arrived); it is sent
again only with --resend-ambiguous. Credentials come only from MISSIVE_SMTP_USERNAME and
MISSIVE_SMTP_PASSWORD; a private CA can be given with SSL_CERT_FILE.
With --window, a recipient's local time (its `timezone` column, else its country's zone)
is checked when the run starts: those outside the window stay queued, and the command
says when the first of them opens. Run it again then (nothing is sent twice), or use
`schedule ... --window`: the job re-queues itself for each opening.
Exit status: 0 all selected recipients sent (or dry run), 1 error or batch paused,
3 finished with recipients failed or held (see `send.py status`), 4 sent all it could
and the others wait for their send window.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "send",
        help="send a letter's batch by SMTP (a dry run unless --no-dry-run)",
        description=(
            "Check the letter, compose and render every selected recipient's letter, store\n"
            "each message in the journal's spool, then send them over a pool of SMTP\n"
            "connections. Without --no-dry-run nothing is written or sent."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_selection(parser)
    add_delivery(parser)
    parser.set_defaults(handler=run)


def add_selection(parser: argparse.ArgumentParser) -> None:
    add_letter(parser)
    parser.add_argument(
        "--journal",
        type=Path,
        required=True,
        metavar="PATH",
        help="the journal (SQLite); messages are spooled in PATH.spool/",
    )
    add_recipient_selection(parser)


def add_delivery(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--smtp",
        default="smtp://localhost:25",
        metavar="URL",
        help="smtp://, smtp+starttls:// or smtps://host:port",
    )
    parser.add_argument(
        "--rate",
        default="600/min",
        metavar="R",
        help="messages per s, min or hour (default 600/min)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=4,
        metavar="N",
        help="SMTP connections in parallel (default 4)",
    )
    parser.add_argument("--no-dry-run", dest="dry_run", action="store_false", help="really send")
    parser.add_argument(
        "--resend-ambiguous", action="store_true", help="send again the messages held as ambiguous"
    )
    parser.add_argument(
        "--to-self",
        metavar="ADDRESS",
        help="send one sample per language to ADDRESS only (a real send, a new batch each run)",
    )
    parser.add_argument(
        "--window",
        metavar="HH:MM-HH:MM",
        help="send only to recipients whose local time is in this window, Monday to Friday",
    )


WAITING = 4  # exit status: the rest of the batch waits for its send window


@dataclass(frozen=True)
class SendOutcome:
    code: int
    resume_at: dt.datetime | None = None  # UTC: when the first waiting recipient's window opens


def credentials_from_env() -> Credentials | None:
    from missive.deliver.settings import Credentials

    username = os.environ.get("MISSIVE_SMTP_USERNAME", "")
    password = os.environ.get("MISSIVE_SMTP_PASSWORD", "")
    if not username and not password:
        return None
    if not username or not password:
        raise DeliveryError("set both MISSIVE_SMTP_USERNAME and MISSIVE_SMTP_PASSWORD, or neither")
    return Credentials(username, password)


def options_from(args: argparse.Namespace) -> SendOptions:
    from missive.deliver.settings import Rate, SendOptions

    if args.connections < 1:
        raise DeliveryError("--connections must be at least 1")
    return SendOptions(connections=args.connections, rate=Rate.parse(args.rate))


def request_from(args: argparse.Namespace) -> SendRequest:
    from missive.app.send import SendRequest
    from missive.review.digest import Selection

    return SendRequest(
        letter_path=args.letter,
        journal_path=args.journal,
        recipients_path=args.recipients,
        selection=Selection(tuple(args.lang), tuple(args.group), args.limit),
        to_self=args.to_self,
    )


def run(args: argparse.Namespace) -> int:
    return execute(args).code


def execute(args: argparse.Namespace, now: dt.datetime | None = None) -> SendOutcome:
    """The send; `now` (UTC) is the run's clock for the send window and the Date header."""
    from missive.app.send import Relay, prepare
    from missive.deliver.settings import SmtpEndpoint
    from missive.schedule.window import SendWindow

    options = options_from(args)
    window = SendWindow.parse(args.window) if args.window else None
    relay = Relay(SmtpEndpoint.parse(args.smtp), credentials_from_env())
    prepared = prepare(request_from(args))
    at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    if args.dry_run and not args.to_self:
        code = dry_run(prepared, args.journal)
        if window is not None:
            print_waiting(prepared, window, waiting_now(prepared, window, at), sending=False)
        return SendOutcome(code)
    return real_send(prepared, args, relay, options, window=window, now=at)


def waiting_now(
    prepared: PreparedBatch, window: SendWindow, now: dt.datetime
) -> dict[str, dt.datetime]:
    from missive.schedule.window import split_by_window

    return split_by_window(prepared.recipients, window, now)[1]


def print_waiting(
    prepared: PreparedBatch, window: SendWindow, waiting: dict[str, dt.datetime], *, sending: bool
) -> None:
    from missive.schedule.window import recipient_zone

    if not waiting:
        print(f"send window {window}: every selected recipient is in it now.")
        return
    first_id = min(waiting, key=lambda rid: (waiting[rid], rid))
    opening = waiting[first_id]
    recipient = next(r for r in prepared.recipients if r.id == first_id)
    zone = recipient_zone(recipient)
    local = f"{opening.astimezone(zone):%H:%M} {zone} for {first_id}" if zone else first_id
    verb = "wait" if sending else "would wait"
    print(
        f"{len(waiting)} recipient(s) {verb} for the send window {window} in their time zone;"
        f" the first opens {opening:%Y-%m-%d %H:%M} UTC ({local})."
    )
    if sending:
        print("Run the same command again then: what was sent is not sent again.")


def dry_run(prepared: PreparedBatch, journal_path: Path) -> int:
    from missive.app.send import preview

    print(f"DRY RUN: nothing is sent. Batch {prepared.info.id} of {prepared.letter.path}.")
    done = 0
    for item in preview(prepared, journal_path):
        r = item.recipient
        cc = f" cc {', '.join(r.cc)}" if r.cc else ""
        state = f"  [{item.state.value}]" if item.state else ""
        done += item.state is not None and item.state.value == "sent"
        print(
            f"{r.id}\t{r.language.value}\t{r.group}\t{r.email}{cc}\t"
            f"{item.subject!r}\t{item.attachment_name} ({item.pdf_size:,} bytes){state}"
        )
    total = len(prepared.recipients)
    print(f"{total} recipients selected, {done} already sent, {total - done} would be sent.")
    print("Add --no-dry-run to send them.")
    return 0


def real_send(
    prepared: PreparedBatch,
    args: argparse.Namespace,
    relay: Relay,
    options: SendOptions,
    *,
    window: SendWindow | None,
    now: dt.datetime,
) -> SendOutcome:
    from missive.app.send import deliver
    from missive.deliver.journal import Journal

    total = len(prepared.recipients)
    print(f"Batch {prepared.info.id}: {total} recipients selected; relay {relay.endpoint}.")
    with Journal.open(args.journal) as journal:
        if journal.recovered:
            print(
                f"{journal.recovered} message(s) interrupted during DATA are now held as "
                "ambiguous (use --resend-ambiguous to send them again)."
            )
        spool_all(prepared, journal, args, now)
        # Everyone is spooled (and so checked against the approval) now; those outside
        # their window stay queued in the journal for a later run.
        later = waiting_now(prepared, window, now) if window else {}
        due = due_count(journal, prepared.info.id, args.resend_ambiguous)
        bar = Progress("sending", max(due - len(unsent(journal, prepared.info.id, later)), 0))
        try:
            summary = deliver(
                prepared,
                journal,
                relay,
                options,
                resend_ambiguous=args.resend_ambiguous,
                on_outcome=bar.outcome,
                handle_sigint=True,
                defer=tuple(later),
            )
        finally:
            bar.done()
        waiting = unsent(journal, prepared.info.id, later)
        code = report(summary, journal, prepared.info.id, waiting=len(waiting))
        if window is not None:
            print_waiting(prepared, window, waiting, sending=True)
        return SendOutcome(code, min(waiting.values()) if waiting else None)


def spool_all(
    prepared: PreparedBatch, journal: Journal, args: argparse.Namespace, now: dt.datetime
) -> None:
    from missive.app.send import spool

    verify = None
    if not args.to_self:
        # Only what reviewers approved goes out; samples sent to oneself need no approval.
        from missive.cli.batchargs import approval_gate

        verify = approval_gate(args.journal, prepared).verify
    bar = Progress("spooling", len(prepared.recipients))
    spooled = spool(prepared, journal, verify=verify, on_spooled=lambda _: bar.step(), now=now)
    bar.done()
    print(
        f"spooled {spooled.spooled} new message(s); {spooled.already_journaled} "
        "were already in the journal."
    )


def unsent(
    journal: Journal, batch_id: str, later: dict[str, dt.datetime]
) -> dict[str, dt.datetime]:
    """Of the recipients outside their window, those the journal has still to send."""
    from missive.deliver.journal import SendState

    waits = {SendState.QUEUED, SendState.FAILED_TEMPORARY}
    return {rid: at for rid, at in later.items() if journal.state_of(batch_id, rid) in waits}


def due_count(journal: Journal, batch_id: str, resend_ambiguous: bool) -> int:
    wanted = {"queued", "failed_temporary"} | ({"ambiguous"} if resend_ambiguous else set())
    return sum(n for state, _, _, n in journal.counts(batch_id) if state in wanted)


def report(summary: RunSummary, journal: Journal, batch_id: str, *, waiting: int = 0) -> int:
    from missive.deliver.journal import SendState

    if summary.released:
        print(f"{summary.released} ambiguous message(s) released for resending.")
    sent_now = summary.counts.get(SendState.SENT, 0)
    print(
        f"this run: {sent_now} sent"
        + "".join(
            f", {n} {state.value}"
            for state, n in summary.counts.items()
            if state is not SendState.SENT
        )
    )
    totals: dict[str, int] = {}
    for state, _, _, count in journal.counts(batch_id):
        totals[state] = totals.get(state, 0) + count
    print("batch: " + ", ".join(f"{n} {s}" for s, n in sorted(totals.items())))
    if summary.interrupted:
        print("interrupted: messages in flight finished; run the same command to resume.")
    unsent_total = sum(n for state, n in totals.items() if state != SendState.SENT.value)
    if unsent_total > waiting:
        return 3
    return WAITING if waiting else 0


class Progress:
    """A one-line progress bar with rate and ETA, only when stderr is a terminal."""

    def __init__(self, label: str, total: int | None) -> None:
        self.label = label
        self.total = total
        self.count = 0
        self.started = time.monotonic()
        self.shown = 0.0
        self.enabled = sys.stderr.isatty()

    def outcome(self, outcome: Outcome) -> None:
        self.step()

    def step(self) -> None:
        self.count += 1
        now = time.monotonic()
        if self.enabled and now - self.shown >= 0.2:
            self.shown = now
            sys.stderr.write("\r" + self.line(now))
            sys.stderr.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = self.count / elapsed
        if not self.total:
            return f"{self.label}: {self.count}  {rate:.1f}/s"
        share = self.count / self.total
        filled = int(share * 30)
        eta = (self.total - self.count) / rate if rate else 0.0
        bar = "#" * filled + "." * (30 - filled)
        return f"{self.label} [{bar}] {self.count}/{self.total}  {rate:.1f}/s  ETA {eta:.0f}s"

    def done(self) -> None:
        if self.enabled and self.count:
            sys.stderr.write("\r" + self.line(time.monotonic()) + "\n")
            sys.stderr.flush()
