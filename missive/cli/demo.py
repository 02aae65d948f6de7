"""`send.py demo`: the whole pipeline on the sample letter, against an SMTP server on loopback."""

from __future__ import annotations

import argparse
import email
import email.policy
import mailbox
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from missive.app.send import PreparedBatch

SAMPLE_LETTER = Path("letters/wsis20-invitation.yaml")

EXAMPLE = """\
example:
  python send.py demo --out out/demo        # what `make demo` runs

Checks the sample letter, renders one letter per language and the reviewers' proof,
records an approval as the reviewer "missive demo", starts an SMTP server on 127.0.0.1
that files what it receives in OUT/maildir, sends the letter to every sample recipient
through it, and prints where the PDFs and the received messages are. Each run starts from
a fresh journal and Maildir inside OUT. Last, it adds a reviewer, an operator and an admin
to that journal only, with new random passwords, and prints how to open the workspace
(`send.py serve`) on it.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run check, render and a real send of the sample letter to a local SMTP server",
        description="The whole pipeline on the sample letter, with nothing leaving the machine.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("out/demo"), metavar="DIR")
    parser.add_argument("--letter", type=Path, default=SAMPLE_LETTER, metavar="LETTER")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app.check import check_letter
    from missive.app.send import SendRequest, prepare
    from missive.cli.check import format_report

    out: Path = args.out
    journal_path = out / "journal.sqlite"
    fresh_start(out, journal_path)
    print("1. check")
    print(format_report(check_letter(args.letter)))
    prepared = prepare(SendRequest(letter_path=args.letter, journal_path=journal_path))
    print("\n2. render: one letter per language")
    for path in render_samples(prepared, out / "pdf"):
        print(f"   {path}")
    print(f"   proof for reviewers: {render_proof(args.letter, out / 'proof.pdf')}")
    print("\n3. approve (as the reviewer 'missive demo')")
    approve(args.letter, journal_path)
    print("\n4. send to an SMTP server on 127.0.0.1 that stores into a Maildir")
    received = send_to_sink(prepared, journal_path, out / "maildir")
    missing = sorted(r.email for r in prepared.recipients if envelope_form(r.email) not in received)
    print(f"\nPDFs:               {out / 'pdf'}")
    print(f"received messages:  {out / 'maildir'} ({len(received)} recipients, each with a PDF)")
    print(f"journal:            {journal_path}")
    print(f"status:             python send.py status {args.letter} --journal {journal_path}")
    if missing:
        print(f"MISSING from the Maildir: {', '.join(missing)}")
    print_workspace(journal_path, add_demo_users(journal_path))
    return 1 if missing else 0


DEMO_USERS = (
    ("demo-reviewer", "reviewer", "ar,zh,en,fr,ru,es"),
    ("demo-operator", "operator", ""),
    ("demo-admin", "admin", ""),
)


def add_demo_users(journal_path: Path) -> list[tuple[str, str, str]]:
    """One user per role, in the demo's journal only, each with a new random password."""
    import datetime as dt
    import secrets

    from missive.access.permissions import Role
    from missive.app.people import NewUser, add_user, cli_origin
    from missive.model import Language

    made = []
    for name, role, languages in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        codes = tuple(Language(code) for code in languages.split(",") if code)
        request = NewUser(journal_path, name, Role(role), password, codes)
        add_user(request, cli_origin(), dt.datetime.now(dt.UTC))
        made.append((name, role, password))
    return made


def print_workspace(journal_path: Path, users: list[tuple[str, str, str]]) -> None:
    print("\n5. the workspace in the browser, on this demo journal")
    print(f"   python send.py serve --journal {journal_path}")
    print("   then open http://127.0.0.1:8000/ and log in as (users of this demo journal only):")
    for name, role, password in users:
        print(f"     {name:<14} {role:<9} password {password}")
    print(f"   scheduled sends run in: python send.py worker --journal {journal_path}")


def fresh_start(out: Path, journal_path: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("", "-wal", "-shm", ".lock"):
        journal_path.with_name(journal_path.name + name).unlink(missing_ok=True)
    for folder in (out / "maildir", journal_path.with_name(journal_path.name + ".spool")):
        shutil.rmtree(folder, ignore_errors=True)


def render_samples(prepared: PreparedBatch, folder: Path) -> list[Path]:
    from missive.app.send import LetterMaker

    folder.mkdir(parents=True, exist_ok=True)
    make = LetterMaker(prepared, persist_serials=False)
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
    return written


def render_proof(letter: Path, target: Path) -> Path:
    from missive.app.proof import write_proof

    write_proof(letter, target)
    return target


def approve(letter: Path, journal_path: Path) -> None:
    from missive.cli.batchargs import load_batch
    from missive.review.approvals import Decision, record_decision

    selection = argparse.Namespace(
        letter=letter, recipients=None, lang=[], group=[], limit=None, rendered=None
    )
    batch = load_batch(selection)
    rows = record_decision(
        journal_path, batch.digest, reviewer="missive demo", decision=Decision.APPROVED
    )
    print(f"   approved {', '.join(r.language.value for r in rows)} at {batch.digest.short}…")


def send_to_sink(prepared: PreparedBatch, journal_path: Path, maildir: Path) -> set[str]:
    from missive.app.send import Relay, deliver, spool
    from missive.cli.batchargs import approval_gate
    from missive.deliver.journal import Journal
    from missive.deliver.settings import SendOptions, SmtpEndpoint
    from missive.deliver.sink import maildir_sink

    with maildir_sink(maildir) as sink, Journal.open(journal_path) as journal:
        print(f"   server {sink.url}, Maildir {maildir}")
        gate = approval_gate(journal_path, prepared)
        spooled = spool(prepared, journal, verify=gate.verify)
        print(f"   spooled {spooled.spooled} messages in {journal_path}.spool")
        relay = Relay(SmtpEndpoint.parse(sink.url))
        summary = deliver(prepared, journal, relay, SendOptions(connections=4, rate=None))
        print("   sent: " + ", ".join(f"{n} {s.value}" for s, n in summary.counts.items()))
    return addressees_with_pdf(maildir)


def envelope_form(address: str) -> str:
    from missive.deliver.message import split_address

    local, domain = split_address(address)
    return f"{local}@{domain}"


def addressees_with_pdf(maildir: Path) -> set[str]:
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
