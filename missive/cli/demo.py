"""`send.py demo`: the whole pipeline on the sample letter, against an SMTP server on loopback."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from missive.cli.bounces import print_result as print_bounces
from missive.cli.check import format_report
from missive.cli.status import print_batch

if TYPE_CHECKING:
    from missive.app import DemoEvent

SAMPLE_LETTER = Path("letters/wsis20-invitation.yaml")

EXAMPLE = """\
example:
  python send.py demo --out out/demo        # what `make demo` runs

Checks the sample letter, renders one letter per language and the reviewers' proof,
records an approval as the reviewer "missive demo", starts an SMTP server on 127.0.0.1
that files what it receives in OUT/maildir, sends the letter to every sample recipient
through it, and prints where the PDFs and the received messages are. The server answers for
two sample addresses as a receiving mail system would: one unknown (a bounce, 5.1.1) and one
whose server is slow (a delay, 4.4.1); it files those notices in OUT/bounces, which the demo
reads with `send.py bounces` before printing the status. Each run starts from a fresh journal
and Maildirs inside OUT. Last, it adds a reviewer, an operator and an admin
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


STEPS = {
    1: "1. check",
    2: "\n2. render: one letter per language",
    3: "\n3. approve (as the reviewer 'missive demo')",
    4: "\n4. send to an SMTP server on 127.0.0.1 that stores into a Maildir",
    5: "\n5. bounces: the server reported one unknown address and one slow server; read them",
}


def run(args: argparse.Namespace) -> int:
    from missive.app import DemoRequest, run_demo

    result = run_demo(DemoRequest(args.out, args.letter), show)
    print(f"\nPDFs:               {result.pdf_dir}")
    print(f"received messages:  {result.maildir} ({result.received} recipients, each with a PDF)")
    print(f"bounce mailbox:     {result.bounce_maildir}")
    print(f"journal:            {result.journal_path}")
    print(
        f"status:             python send.py status {args.letter} --journal {result.journal_path}"
    )
    if result.missing:
        print(f"MISSING from the Maildir: {', '.join(result.missing)}")
    print("\n6. the workspace in the browser, on this demo journal")
    print(f"   python send.py serve --journal {result.journal_path}")
    print("   (it renders the letters of letters/ in the background; the Letters page shows it)")
    print("   then open http://127.0.0.1:8000/ and log in as (users of this demo journal only):")
    for user in result.users:
        print(f"     {user.name:<14} {user.role:<9} password {user.password}")
    print(f"   scheduled sends run in: python send.py worker --journal {result.journal_path}")
    return 1 if result.missing else 0


def show(event: DemoEvent) -> None:
    from missive.app import demo

    match event:
        case demo.StepStarted(step):
            print(STEPS[step])
        case demo.Checked(report):
            print(format_report(report))
        case demo.SamplesRendered(paths):
            for path in paths:
                print(f"   {path}")
        case demo.ProofWritten(path):
            print(f"   proof for reviewers: {path}")
        case demo.Approved(languages, short_hash):
            print(f"   approved {', '.join(languages)} at {short_hash}…")
        case demo.SinkStarted(url, maildir):
            print(f"   server {url}, Maildir {maildir}")
        case demo.MessagesSpooled(count, journal_path):
            print(f"   spooled {count} messages in {journal_path}.spool")
        case demo.Delivered(counts):
            print("   sent: " + ", ".join(f"{n} {s.value}" for s, n in counts.items()))
        case demo.BouncesRead(result):
            print_bounces(result)
        case demo.StatusRead(status):
            print("\n   status after reading the bounces:")
            for batch in status.batches:
                print_batch(batch)
