"""What `render`, `proof` and `send` would refuse, tried by `check` with the stages' own code.

`check` is the one validation: rather than restate the later stages' rules, it runs them on
what it composed. The first message of each language is built whole (with a stand-in PDF), as
`send` builds it, and the DKIM key signs the first of all; every other recipient's message is
put to the delivery stage's own `check_message`, which refuses what `build_message` would
without writing the MIME. One letter per language is rendered, as `render` and `proof` draw
it. Each refusal becomes a located `Problem`.
"""

from __future__ import annotations

from pathlib import Path

from missive.deliver.message import (
    TRIAL_BATCH,
    TRIAL_DATE,
    build_message,
    check_message,
    load_dkim_key,
)
from missive.deliver.signing import DkimKey
from missive.errors import MessageError, MissiveError, Problem
from missive.load.letter import key_line
from missive.model import ComposedLetter, Language, Letter
from missive.render.pdf import Renderer

STAND_IN_PDF = b"%PDF-1.4\n% stand-in: check builds the message, not the letter\n"


class StageTrials:
    """Feeds composed letters to the message builder and the renderer; collects refusals."""

    def __init__(self, letter: Letter, recipients_path: Path, header: tuple[str, ...]) -> None:
        self.letter = letter
        self.recipients_path = recipients_path
        self.header = header
        self.problems: list[Problem] = []
        self._dkim = self._dkim_key()
        self._signed = False
        self._built: set[Language] = set()
        self._rendered: set[Language] = set()
        self._renderer: Renderer | None = None

    def _letter_problem(self, key: str, message: str) -> None:
        path = self.letter.path
        self.problems.append(Problem(path, key_line(path, key), 1, message))

    def _dkim_key(self) -> DkimKey | None:
        try:
            return load_dkim_key(self.letter.mail)
        except MessageError as error:
            self._letter_problem("mail", f"mail: {error}")
            return None

    def message(self, composed: ComposedLetter) -> None:
        """Try the message `send` would build; the DKIM key signs the first one only."""
        try:
            if composed.language in self._built:
                check_message(composed, mail=self.letter.mail)
            else:
                self._build(composed)
        except MessageError as error:
            self._recipient_problem(composed, f"send would refuse the message: {error}")

    def _build(self, composed: ComposedLetter) -> None:
        self._built.add(composed.language)
        sign = self._dkim is not None and not self._signed
        self._signed = self._signed or sign
        build_message(
            composed,
            STAND_IN_PDF,
            mail=self.letter.mail,
            batch_id=TRIAL_BATCH,
            date=TRIAL_DATE,
            dkim_key=self._dkim if sign else None,
        )

    def render(self, composed: ComposedLetter) -> None:
        """Render the first letter of each language, as `render` and `proof` would."""
        if composed.language in self._rendered:
            return
        self._rendered.add(composed.language)
        if self._renderer is None:
            self._renderer = Renderer()  # loads the fonts: only when a letter composed
        try:
            self._renderer.render(composed, created=self.letter.date)
        except MissiveError as error:
            self._recipient_problem(composed, f"render would refuse the letter: {error}")

    def _recipient_problem(self, composed: ComposedLetter, message: str) -> None:
        line = composed.recipient.line or 1
        self.problems.append(Problem(self.recipients_path, line, 1, message))
