"""What `batch`, `approve` and `reject` share: the batch selection and its digest.

The digest includes the sha256 of every selected recipient's PDF, so an approval names the
exact bytes. They come either from `--rendered DIR` (the `manifest.json` that
`send.py render --out DIR` wrote next to the PDFs the reviewer proofread; each PDF on disk
is checked against it) or, without it, from rendering the batch in memory now. Rendering
is deterministic, so both give the same digests for the same inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from missive.cli.options import add_letter, add_recipient_selection
from missive.errors import InputError, Problem
from missive.model import Letter, Recipient
from missive.review.approvals import (
    ApprovalGate,
    BatchDigest,
    Selection,
    collect_inputs,
    digest_batch,
    require_approved,
    select_recipients,
)

if TYPE_CHECKING:
    from missive.app.send import PreparedBatch

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class LoadedBatch:
    letter: Letter
    recipients: tuple[Recipient, ...]  # selected
    recipients_path: Path
    digest: BatchDigest


def add_selection(parser: argparse.ArgumentParser, *, lang_help: str | None = None) -> None:
    add_letter(parser)
    add_journal(parser)
    add_recipient_selection(parser, lang_help=lang_help)
    parser.add_argument(
        "--rendered",
        type=Path,
        metavar="DIR",
        help=f"take the PDFs' digests from DIR/{MANIFEST_NAME} (written by `render --out DIR`)"
        " instead of rendering now",
    )


def add_journal(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--journal", type=Path, required=True, metavar="PATH", help="the journal (SQLite file)"
    )


def load_batch(args: argparse.Namespace) -> LoadedBatch:
    """Load, select, and digest the batch, PDFs included."""
    from missive.load import load_letter, load_recipients

    letter = load_letter(args.letter)
    path: Path = args.recipients or letter.recipients_path
    everyone = load_recipients(path, letter)
    selection = Selection(tuple(args.lang), tuple(args.group), args.limit)
    chosen = select_recipients(letter, everyone, selection)
    if args.rendered is not None:
        pdfs = read_manifest(args.rendered, [r.id for r in chosen])
    else:
        pdfs = dict(render_digests(letter, path, chosen))
    inputs = collect_inputs(letter, chosen, recipients_path=path)
    return LoadedBatch(letter, chosen, path, digest_batch(inputs, sorted(pdfs.items())))


def approval_gate(journal_path: Path, prepared: PreparedBatch) -> ApprovalGate:
    """For `send --no-dry-run`: raise ApprovalError unless the batch is approved.

    The inputs are checked now; pass `gate.verify` to `missive.batch.spool` so that each
    PDF is checked as it is rendered (a send renders once; only a refusal renders twice).
    """

    def manifest() -> Iterator[tuple[str, str]]:
        return render_digests(prepared.letter, prepared.recipients_path, prepared.recipients)

    return require_approved(
        journal_path,
        prepared.letter,
        prepared.recipients,
        render_manifest=manifest,
        recipients_path=prepared.recipients_path,
    )


def render_digests(
    letter: Letter, recipients_path: Path, chosen: Sequence[Recipient]
) -> Iterator[tuple[str, str]]:
    """Render each chosen recipient's PDF in memory as a send would; yields (id, sha256)."""
    from missive.app.send import LetterMaker, PreparedBatch
    from missive.deliver.journal import BatchInfo

    # The send's own composer and renderer, with the serials it would give (not recorded).
    info = BatchInfo("review", letter.key, str(letter.path), str(recipients_path))
    make = LetterMaker(
        PreparedBatch(letter, info, tuple(chosen), recipients_path), persist_serials=False
    )
    for recipient in chosen:
        _, pdf = make(recipient)
        yield recipient.id, hashlib.sha256(pdf).hexdigest()


def read_manifest(folder: Path, wanted: Sequence[str]) -> dict[str, str]:
    """Digests from `folder/manifest.json`, each checked against the PDF file beside it."""
    path = folder / MANIFEST_NAME
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        listed = {str(e["recipient"]): (folder / str(e["pdf"]), str(e["sha256"])) for e in entries}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError([Problem(path, 1, 1, f"unreadable render manifest: {exc}")]) from exc
    problems = [
        Problem(path, 1, 1, f"no PDF for recipient {rid}") for rid in wanted if rid not in listed
    ]
    digests: dict[str, str] = {}
    for rid in wanted:
        if rid not in listed:
            continue
        pdf, sha = listed[rid]
        if not pdf.is_file() or hashlib.sha256(pdf.read_bytes()).hexdigest() != sha:
            problems.append(Problem(pdf, 1, 1, "this PDF is not the one the manifest lists"))
        digests[rid] = sha
    if problems:
        raise InputError(problems)
    return digests
