"""The reviewers' proof: one PDF with a letter per language and the hard cases.

Reviewers should not have to open sixty files to judge a mailing: the proof holds the first
recipient of each language offered, then the edge cases that break layouts (the longest
name, the longest organisation, an Arabic name inside an English letter, six signatories),
each starting on a new page with a bookmark. It is rendered as one ReportLab document by
the same `Renderer`, so what reviewers see is drawn exactly as the letters sent.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from missive.app.check import CheckRequest, check_letter
from missive.compose.composer import Composer
from missive.errors import InputError, Problem
from missive.load import iter_recipients, load_letter, load_signatory, project_root
from missive.model import ComposedLetter, Language, Letter, Recipient, Signatory
from missive.render.pdf import RenderedPdf, Renderer

MAX_SIGNATORIES = 6
ARABIC_SAMPLE_NAME = "أحمد بن سليمان"


@dataclass(frozen=True)
class ProofRequest:
    letter_path: Path
    out: Path  # the proof PDF
    recipients_path: Path | None = None  # None: the letter's own list


@dataclass(frozen=True)
class ProofPage:
    title: str
    composed: ComposedLetter


def _first_per_language(letter: Letter, recipients: Iterable[Recipient]) -> list[Recipient]:
    first: dict[Language, Recipient] = {}
    for recipient in recipients:
        if recipient.language in letter.languages:
            first.setdefault(recipient.language, recipient)
    return [first[language] for language in letter.languages if language in first]


def _six_signatories(letter: Letter) -> Letter | None:
    """The letter with signatories from signatories/ added up to six, if there are enough."""
    have = {signatory.key for signatory in letter.signatories}
    extra: list[Signatory] = list(letter.signatories)
    folder = project_root(letter.path) / "signatories"
    for path in sorted(folder.glob("*.yaml")):
        if len(extra) >= MAX_SIGNATORIES:
            break
        if path.stem not in have:
            try:
                extra.append(load_signatory(path, letter.languages))
            except InputError:
                continue
    if len(extra) < MAX_SIGNATORIES or len(letter.signatories) >= MAX_SIGNATORIES:
        return None
    return replace(letter, signatories=tuple(extra))


def proof_pages(letter: Letter, recipients_path: Path | None = None) -> Iterator[ProofPage]:
    recipients = [
        r for r in iter_recipients(recipients_path or letter.recipients_path, letter)
        if r.language in letter.languages
    ]  # fmt: skip
    if not recipients:
        return
    composer = Composer(letter)
    for recipient in _first_per_language(letter, recipients):
        yield ProofPage(
            f"{recipient.language.value}: {recipient.name}", composer.compose(recipient)
        )
    longest_name = max(recipients, key=lambda r: len(r.name))
    yield ProofPage(f"Longest name: {longest_name.name}", composer.compose(longest_name))
    longest_org = max(recipients, key=lambda r: len(r.organization))
    yield ProofPage(
        f"Longest organisation: {longest_org.organization}", composer.compose(longest_org)
    )
    english = [r for r in recipients if r.language is Language.EN]
    if english:
        arabic_name = next(
            (r.name for r in recipients if r.language is Language.AR), ARABIC_SAMPLE_NAME
        )
        guest = replace(english[0], name=arabic_name, honorific=None)
        yield ProofPage(f"Arabic name in an English letter: {arabic_name}", composer.compose(guest))
    six = _six_signatories(letter)
    if six is not None:
        first = english[0] if english else recipients[0]
        yield ProofPage("Six signatories", Composer(six).compose(first))


def render_proof(letter_path: Path, recipients_path: Path | None = None) -> RenderedPdf:
    letter = load_letter(letter_path)
    pages = list(proof_pages(letter, recipients_path))
    if not pages:
        source = recipients_path or letter.recipients_path
        message = "no recipient reads a language the letter offers: nothing to proof"
        raise InputError([Problem(source, 1, 1, message)])
    return Renderer().render_many(
        [page.composed for page in pages],
        created=letter.date,
        titles=[page.title for page in pages],
        title=f"Proof: {letter.key}",
    )


def make_proof(request: ProofRequest) -> RenderedPdf:
    """Check the letter and its recipients, then write the proof to `request.out`."""
    check_letter(CheckRequest(request.letter_path, request.recipients_path))
    return write_proof(request.letter_path, request.out, request.recipients_path)


def write_proof(
    letter_path: Path, target: Path, recipients_path: Path | None = None
) -> RenderedPdf:
    """Render the proof and write it to `target` atomically."""
    pdf = render_proof(letter_path, recipients_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(pdf.data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return pdf
