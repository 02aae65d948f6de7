"""A batch's letters, made as a send makes them: checked, selected, composed and rendered.

The send, the review and the demo all make their letters here, so the PDFs a reviewer
approves are, byte for byte, the ones a send attaches.

The batch id is derived from the letter's key and date and the recipients file's name, not
from file contents: fixing one bad row, adding recipients or narrowing the selection and
running the same command again resumes the *same* batch, so nobody already sent to is sent
to again. (A new letter has a new key or date, hence a new batch.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from missive.app.check import CheckRequest, check_letter
from missive.compose.composer import Composer
from missive.deliver.journal import BatchInfo
from missive.load import iter_recipients
from missive.load.serials import assign_serials_over_list
from missive.model import ComposedLetter, Language, Letter, Recipient
from missive.render.pdf import Renderer
from missive.review.digest import Selection, select_recipients


@dataclass(frozen=True)
class PreparedBatch:
    letter: Letter
    info: BatchInfo
    recipients: tuple[Recipient, ...]  # selected, in file order
    recipients_path: Path


def batch_id_for(
    letter: Letter,
    recipients_path: Path,
    to_self: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The same id for the same letter and list; samples to oneself get a new one each run
    (checking an edited template by mail must not be "resumed" into sending nothing)."""
    parts = [letter.key, letter.date.isoformat(), recipients_path.name]
    if to_self:
        stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
        parts += [f"to-self:{to_self}", stamp]
        return f"{letter.key}-self-{stamp}-{_digest(parts)}"
    return f"{letter.key}-{_digest(parts)}"


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:12]


def prepare(
    letter_path: Path,
    recipients_path: Path | None = None,
    selection: Selection | None = None,
    to_self: str | None = None,
) -> PreparedBatch:
    """Check everything (raises InputError with every problem), then select recipients."""
    report = check_letter(CheckRequest(letter_path, recipients_path))
    letter = report.letter
    path = report.recipients_path
    chosen = select_recipients(letter, iter_recipients(path, letter), selection or Selection())
    if to_self:
        chosen = _samples(chosen, to_self)
    info = BatchInfo(
        id=batch_id_for(letter, path, to_self),
        letter_key=letter.key,
        letter_path=str(letter.path),
        recipients_path=str(path),
    )
    return PreparedBatch(letter=letter, info=info, recipients=chosen, recipients_path=path)


def _samples(chosen: tuple[Recipient, ...], address: str) -> tuple[Recipient, ...]:
    first: dict[Language, Recipient] = {}
    for recipient in chosen:
        first.setdefault(recipient.language, recipient)
    return tuple(replace(r, email=address, cc=()) for r in first.values())


class LetterMaker:
    """Composes and renders one recipient's letter; built once per batch."""

    def __init__(self, letter: Letter, recipients_path: Path, *, persist_serials: bool) -> None:
        serials = assign_serials_over_list(letter, recipients_path, persist=persist_serials)
        self._composer = Composer(letter, serials)
        self._render = _pdf_renderer(letter)

    def __call__(self, recipient: Recipient) -> tuple[ComposedLetter, bytes]:
        composed = self._composer.compose(recipient)
        return composed, self._render(composed)


def _pdf_renderer(letter: Letter) -> Callable[[ComposedLetter], bytes]:
    renderer = Renderer()
    return lambda composed: renderer.render(composed, created=letter.date).data
