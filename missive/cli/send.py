"""`send.py send`: check, render, spool and send a letter's batch (a dry run by default)."""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from missive.cli.options import add_letter, add_recipient_selection, selection_of
from missive.cli.progress import ProgressBars

if TYPE_CHECKING:
    from missive.app import SendEvent, SendRequest, SendResult, WindowWait

EXAMPLE = """\
examples:
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite
      # dry run: checks, renders and prints what would go where; sends nothing
  MISSIVE_SMTP_USERNAME=mailer MISSIVE_SMTP_PASSWORD=... \\
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --smtp smtp+starttls://relay.example.int:587 --lang es --lang fr --rate 600/min --no-dry-run
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --smtp smtp://127.0.0.1:2525 --to-self me@example.int     # one sample per language, to me
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --smtp smtps://relay.example.int:465 --window 08:00-18:00 --no-dry-run
      # only those whose local time is 08:00-18:00, Monday to Friday; the others wait

Running the same command again resumes the batch: what was sent is never sent again.
A message interrupted after DATA is held as "ambiguous" (it may have arrived); it is sent
again only with --resend-ambiguous. Credentials come only from MISSIVE_SMTP_USERNAME and
MISSIVE_SMTP_PASSWORD, and are never sent without TLS (smtp+starttls:// or smtps://)
unless --plain-auth for a relay on this machine; a private CA can be given with
SSL_CERT_FILE.
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
        "--plain-auth",
        action="store_true",
        help="send the credentials over plain smtp:// (a relay on this machine only)",
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
INCOMPLETE = 3  # exit status: some recipients failed or are held


@dataclass(frozen=True)
class SendOutcome:
    code: int
    resume_at: dt.datetime | None = None  # UTC: when the first waiting recipient's window opens


def request_from(args: argparse.Namespace) -> SendRequest:
    from missive.app import SendRequest

    return SendRequest(
        letter_path=args.letter,
        journal_path=args.journal,
        recipients_path=args.recipients,
        selection=selection_of(args),
        to_self=args.to_self,
        smtp=args.smtp,
        plain_auth=args.plain_auth,
        rate=args.rate,
        connections=args.connections,
        dry_run=args.dry_run,
        resend_ambiguous=args.resend_ambiguous,
        window=args.window,
    )


def run(args: argparse.Namespace) -> int:
    request = request_from(args)
    if request.dry_run and not request.to_self:
        return execute(request).code
    from missive.app.send_audit import audited_send

    # A real send (samples to oneself too) is kept in the audit log: its start and its end.
    samples = f", to self {request.to_self}" if request.to_self else ""
    described = f"relay {request.smtp}{samples}"
    return audited_send(
        request.letter_path, request.journal_path, described, lambda: execute(request).code
    )


def execute(request: SendRequest, now: dt.datetime | None = None) -> SendOutcome:
    """The send; `now` (UTC) is the run's clock for the send window and the Date header."""
    from missive.app import SendEnd, send_batch

    bars = ProgressBars()
    try:
        result = send_batch(request, EventPrinter(bars), now)
    finally:
        bars.close()
    if result.summary is None:
        print_dry_run(result)
    else:
        print_run(result)
    if result.window is not None:
        print_waiting(result.window)
    codes = {SendEnd.DONE: 0, SendEnd.INCOMPLETE: INCOMPLETE, SendEnd.WAITING: WAITING}
    return SendOutcome(codes[result.end], result.resume_at)


class EventPrinter:
    """Prints what a send reports as it happens; progress goes to the bars."""

    def __init__(self, bars: ProgressBars) -> None:
        self.bars = bars

    def __call__(self, event: SendEvent) -> None:
        from missive.app import send as sending

        match event:
            case sending.BatchStarted(batch_id, letter_path, recipients, relay, dry_run):
                if dry_run:
                    print(f"DRY RUN: nothing is sent. Batch {batch_id} of {letter_path}.")
                else:
                    print(f"Batch {batch_id}: {recipients} recipients selected; relay {relay}.")
            case sending.Previewed(item):
                r = item.recipient
                cc = f" cc {', '.join(r.cc)}" if r.cc else ""
                state = f"  [{item.state.value}]" if item.state else ""
                print(
                    f"{r.id}\t{r.language.value}\t{r.group}\t{r.email}{cc}\t"
                    f"{item.subject!r}\t{item.attachment_name} ({item.pdf_size:,} bytes){state}"
                )
            case sending.Recovered(count):
                print(
                    f"{count} message(s) interrupted during DATA are now held as "
                    "ambiguous (use --resend-ambiguous to send them again)."
                )
            case sending.Spooled(spooled, already):
                print(f"spooled {spooled} new message(s); {already} were already in the journal.")
            case _:
                self.bars(event)


def print_dry_run(result: SendResult) -> None:
    total, done = result.dry_run_selected, result.dry_run_already_sent
    print(f"{total} recipients selected, {done} already sent, {total - done} would be sent.")
    print("Add --no-dry-run to send them.")


def print_run(result: SendResult) -> None:
    summary = result.summary
    assert summary is not None and result.totals is not None
    if summary.released:
        print(f"{summary.released} ambiguous message(s) released for resending.")
    counts = {state.value: n for state, n in summary.counts.items()}
    print(
        f"this run: {counts.get('sent', 0)} sent"
        + "".join(f", {n} {state}" for state, n in counts.items() if state != "sent")
    )
    print("batch: " + ", ".join(f"{n} {s}" for s, n in sorted(result.totals.items())))
    if summary.interrupted:
        print("interrupted: messages in flight finished; run the same command to resume.")


def print_waiting(wait: WindowWait) -> None:
    if not wait.waiting:
        print(f"send window {wait.window}: every selected recipient is in it now.")
        return
    local = wait.local_opening
    place = f"{local:%H:%M} {local.tzinfo} for {wait.first_id}" if local else wait.first_id
    verb = "wait" if wait.sending else "would wait"
    print(
        f"{wait.waiting} recipient(s) {verb} for the send window {wait.window} in their time zone;"
        f" the first opens {wait.opening:%Y-%m-%d %H:%M} UTC ({place})."
    )
    if wait.sending:
        print("Run the same command again then: what was sent is not sent again.")
