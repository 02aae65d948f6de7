"""`send.py proof`: one PDF for reviewers, a letter per language plus the hard cases."""

from __future__ import annotations

import argparse
from pathlib import Path

EXAMPLE = """\
example:
  python send.py proof letters/wsis20-invitation.yaml --out out/proof.pdf

The proof holds the first recipient of each language, then the longest name, the longest
organisation, an Arabic name inside an English letter and the letter with six signatories
(signatories/ must hold a sixth file), each from a new page with a bookmark.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "proof",
        help="write one PDF for reviewers: a letter per language plus edge cases",
        description=(
            "Check the letter, then render one reviewers' PDF: the first recipient of each "
            "language and the layouts most likely to break, with a bookmark per letter."
        ),
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("letter", type=Path, metavar="LETTER", help="the letter's YAML file")
    parser.add_argument("--out", type=Path, metavar="FILE", required=True, help="the proof PDF")
    parser.add_argument(
        "--recipients", type=Path, metavar="FILE", help="a recipients CSV instead of the letter's"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.app import ProofRequest, make_proof

    pdf = make_proof(ProofRequest(args.letter, args.out, args.recipients))
    print(f"Proof written to {args.out} ({pdf.pages} pages, sha256 {pdf.sha256[:12]}…).")
    return 0
