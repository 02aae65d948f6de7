"""`send.py audit verify`: check the audit log's hash chain; name the first row changed."""

from __future__ import annotations

import argparse

from missive.cli.options import add_journal

EXAMPLE = """\
example:
  python send.py audit verify --journal out/wsis20.sqlite

Each row of the audit log carries a hash chained to the row before it. `verify` computes
the chain again and names the first row changed or removed (exit status 1), else prints
the number of rows and the last hash (exit status 0). Note the last hash somewhere else:
whoever can write the journal file can also write a new chain, and only a hash kept
outside the file shows that. Protect the journal file.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="verify the audit log's hash chain",
        description="Check that no row of the journal's audit log was changed or removed.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="recompute the chain; name the first row changed or removed",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_journal(verify)
    verify.add_argument(
        "--expect", metavar="HASH", help="the last hash noted earlier: it must still be in the log"
    )
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from missive.app.people import verify_audit

    report = verify_audit(args.journal)
    if not report.intact:
        print(f"audit log of {args.journal}: row {report.first_bad}: {report.why}")
        print(f"rows up to {report.first_bad - 1 if report.first_bad else 0} are intact")
        return 1
    if args.expect and args.expect not in report.hashes:
        print(f"audit log of {args.journal}: the hash {args.expect[:16]}… is not in the chain")
        return 1
    print(f"audit log of {args.journal}: {report.rows} rows, chain intact")
    print(f"last hash {report.last_hash}")
    return 0
