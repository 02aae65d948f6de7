"""`send.py send`: check, render, spool and send a letter's batch (a dry run by default)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from missive.errors import DeliveryError
from missive.model import Group, Language

if TYPE_CHECKING:
    from missive.batch import PreparedBatch, Relay, SendRequest
    from missive.deliver import Outcome, RunSummary
    from missive.delivery_settings import Credentials, SendOptions
    from missive.journal import Journal

EXAMPLE = """\
examples:
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite
      # dry run: checks, renders and prints what would go where; sends nothing
  MISSIVE_SMTP_USERNAME=wsis MISSIVE_SMTP_PASSWORD=... \\
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --smtp smtp+starttls://relay.itu.int:587 --lang es --lang fr --rate 600/min --no-dry-run
  python send.py send letters/wsis20-invitation.yaml --journal out/wsis20.sqlite \\
      --smtp smtp://127.0.0.1:2525 --to-self me@itu.int     # one sample per language, to me

Running the same command again resumes the batch: what was sent is never sent again.
A message interrupted after DATA is held as "ambiguous" (it may have arrived); it is sent
again only with --resend-ambiguous. Credentials come only from MISSIVE_SMTP_USERNAME and
MISSIVE_SMTP_PASSWORD; a private CA can be given with SSL_CERT_FILE.
Exit status: 0 all selected recipients sent (or dry run), 1 error or batch paused,
3 finished with recipients failed or held (see `send.py status`).
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
    parser.add_argument("letter", type=Path, metavar="LETTER", help="the letter's YAML file")
    parser.add_argument(
        "--journal",
        type=Path,
        required=True,
        metavar="PATH",
        help="the journal (SQLite); messages are spooled in PATH.spool/",
    )
    parser.add_argument(
        "--recipients", type=Path, metavar="FILE", help="a recipients CSV instead of the letter's"
    )
    parser.add_argument(
        "--lang",
        action="append",
        type=Language,
        choices=list(Language),
        default=[],
        metavar="L",
        help="only this language (repeatable)",
    )
    parser.add_argument(
        "--group",
        action="append",
        type=Group,
        choices=list(Group),
        default=[],
        metavar="G",
        help="only this group (repeatable)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N recipients")


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


def credentials_from_env() -> Credentials | None:
    from missive.delivery_settings import Credentials

    username = os.environ.get("MISSIVE_SMTP_USERNAME", "")
    password = os.environ.get("MISSIVE_SMTP_PASSWORD", "")
    if not username and not password:
        return None
    if not username or not password:
        raise DeliveryError("set both MISSIVE_SMTP_USERNAME and MISSIVE_SMTP_PASSWORD, or neither")
    return Credentials(username, password)


def options_from(args: argparse.Namespace) -> SendOptions:
    from missive.delivery_settings import Rate, SendOptions

    if args.connections < 1:
        raise DeliveryError("--connections must be at least 1")
    return SendOptions(connections=args.connections, rate=Rate.parse(args.rate))


def request_from(args: argparse.Namespace) -> SendRequest:
    from missive.batch import SendRequest
    from missive.batchhash import Selection

    return SendRequest(
        letter_path=args.letter,
        journal_path=args.journal,
        recipients_path=args.recipients,
        selection=Selection(tuple(args.lang), tuple(args.group), args.limit),
        to_self=args.to_self,
    )


def run(args: argparse.Namespace) -> int:
    from missive.batch import Relay, prepare
    from missive.delivery_settings import SmtpEndpoint

    options = options_from(args)
    relay = Relay(SmtpEndpoint.parse(args.smtp), credentials_from_env())
    prepared = prepare(request_from(args))
    if args.dry_run and not args.to_self:
        return dry_run(prepared, args.journal)
    return real_send(prepared, args, relay, options)


def dry_run(prepared: PreparedBatch, journal_path: Path) -> int:
    from missive.batch import preview

    print(f"DRY RUN: nothing is sent. Batch {prepared.info.id} of {prepared.letter.path}.")
    done = 0
    for item in preview(prepared, journal_path):
        r = item.recipient
        cc = f" cc {', '.join(r.cc)}" if r.cc else ""
        state = f"  [{item.state.value}]" if item.state else ""
        done += item.state is not None and item.state.value == "sent"
        print(
            f"{r.id}\t{r.language.value}\t{r.group.value}\t{r.email}{cc}\t"
            f"{item.subject!r}\t{item.attachment_name} ({item.pdf_size:,} bytes){state}"
        )
    total = len(prepared.recipients)
    print(f"{total} recipients selected, {done} already sent, {total - done} would be sent.")
    print("Add --no-dry-run to send them.")
    return 0


def real_send(
    prepared: PreparedBatch, args: argparse.Namespace, relay: Relay, options: SendOptions
) -> int:
    from missive.batch import deliver, spool
    from missive.journal import Journal

    total = len(prepared.recipients)
    print(f"Batch {prepared.info.id}: {total} recipients selected; relay {relay.endpoint}.")
    with Journal.open(args.journal) as journal:
        if journal.recovered:
            print(
                f"{journal.recovered} message(s) interrupted during DATA are now held as "
                "ambiguous (use --resend-ambiguous to send them again)."
            )
        verify = None
        if not args.to_self:
            # Only what reviewers approved goes out; samples sent to oneself need no approval.
            from missive.cli.batchargs import approval_gate

            verify = approval_gate(args.journal, prepared).verify
        bar = Progress("spooling", total)
        spooled = spool(prepared, journal, verify=verify, on_spooled=lambda _: bar.step())
        bar.done()
        print(
            f"spooled {spooled.spooled} new message(s); {spooled.already_journaled} "
            "were already in the journal."
        )
        bar = Progress("sending", due_count(journal, prepared.info.id, args.resend_ambiguous))
        try:
            summary = deliver(
                prepared,
                journal,
                relay,
                options,
                resend_ambiguous=args.resend_ambiguous,
                on_outcome=bar.outcome,
                handle_sigint=True,
            )
        finally:
            bar.done()
        return report(summary, journal, prepared.info.id)


def due_count(journal: Journal, batch_id: str, resend_ambiguous: bool) -> int:
    wanted = {"queued", "failed_temporary"} | ({"ambiguous"} if resend_ambiguous else set())
    return sum(n for state, _, _, n in journal.counts(batch_id) if state in wanted)


def report(summary: RunSummary, journal: Journal, batch_id: str) -> int:
    from missive.journal import SendState

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
    return 0 if set(totals) <= {SendState.SENT.value} else 3


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
