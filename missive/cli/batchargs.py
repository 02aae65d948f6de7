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

from missive.errors import InputError, Problem
from missive.model import Group, Language, Letter, Recipient
from missive.review import BatchDigest, Selection, collect_inputs, digest_batch, select_recipients

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class LoadedBatch:
    letter: Letter
    recipients: tuple[Recipient, ...]  # selected
    recipients_path: Path
    digest: BatchDigest


def add_selection(parser: argparse.ArgumentParser, *, lang_help: str | None = None) -> None:
    parser.add_argument("letter", type=Path, metavar="LETTER", help="the letter's YAML file")
    add_journal(parser)
    parser.add_argument(
        "--recipients", type=Path, metavar="FILE", help="a recipients CSV instead of the letter's"
    )
    parser.add_argument(
        "--lang",
        action="append",
        type=Language,
        choices=list(Language),
        metavar="L",
        default=[],
        help=lang_help or "only this language (repeatable; default: all the letter offers)",
    )
    parser.add_argument(
        "--group",
        action="append",
        type=Group,
        choices=list(Group),
        metavar="G",
        default=[],
        help="only this stakeholder group (repeatable)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N recipients")
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
    everyone = load_recipients(path)
    selection = Selection(tuple(args.lang), tuple(args.group), args.limit)
    chosen = select_recipients(letter, everyone, selection)
    if args.rendered is not None:
        pdfs = read_manifest(args.rendered, [r.id for r in chosen])
    else:
        pdfs = dict(render_digests(letter, everyone, chosen))
    inputs = collect_inputs(letter, chosen, recipients_path=path)
    return LoadedBatch(letter, chosen, path, digest_batch(inputs, sorted(pdfs.items())))


def render_digests(
    letter: Letter, everyone: Sequence[Recipient], chosen: Sequence[Recipient]
) -> Iterator[tuple[str, str]]:
    """Render each chosen recipient's PDF in memory; yields (recipient id, sha256)."""
    from missive.compose import Composer
    from missive.render import Renderer
    from missive.serials import assign_serials

    # The serials the send would use, computed without recording new ones.
    serials = assign_serials(letter, [r.id for r in everyone], persist=False)
    composer = Composer(letter, serials)
    renderer = Renderer()
    for recipient in chosen:
        yield recipient.id, renderer.render(composer.compose(recipient), letter.date).sha256


def read_manifest(folder: Path, wanted: Sequence[str]) -> dict[str, str]:
    """Digests from `folder/manifest.json`, each checked against the PDF file beside it."""
    path = folder / MANIFEST_NAME
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["recipients"]
        listed = {str(e["id"]): (folder / str(e["file"]), str(e["sha256"])) for e in entries}
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
