"""One recipient's composed letter, as the PDF and the e-mail would carry it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from missive.compose.composer import Composer, format_composed_text
from missive.errors import InputError, Problem
from missive.load import load_letter, load_recipients
from missive.load.serials import assign_serials
from missive.model import ComposedLetter


@dataclass(frozen=True)
class ComposeRequest:
    letter_path: Path
    recipient_id: str
    recipients_path: Path | None = None  # None: the letter's own list


@dataclass(frozen=True)
class ComposedText:
    composed: ComposedLetter
    text: str  # the letter in reading order, as plain text (cover e-mail not included)


def compose_letter(request: ComposeRequest) -> ComposedText:
    letter = load_letter(request.letter_path)
    path = request.recipients_path or letter.recipients_path
    recipients = load_recipients(path, letter)
    chosen = [recipient for recipient in recipients if recipient.id == request.recipient_id]
    if not chosen:
        message = f"no recipient with id {request.recipient_id!r}"
        raise InputError([Problem(path, 1, 1, message)])
    # The serial is the one the recipient would get, without recording a new one.
    serials = assign_serials(letter, [r.id for r in recipients], persist=False)
    composed = Composer(letter, serials).compose(chosen[0])
    return ComposedText(composed, format_composed_text(composed))
