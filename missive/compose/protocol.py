"""The forms of address of one language, from its catalogs: how a recipient is named,
greeted and taken leave of, how an address block runs and how a subject fits one line.

Nothing here is written in code: each form is a catalog message (`messages.py`), which the
language services own. The code only chooses which one: by the recipient's honorific and
gender, and by the letter's voice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from missive.compose import messages as msg
from missive.compose.catalogs import Catalogs
from missive.compose.messages import Rank
from missive.model import Gender, Honorific, Recipient, Signatory, Voice

# A subject line that already ends on punctuation takes no separator after it.
_CLOSING_PUNCTUATION = frozenset(".,:;!?،؛؟。，：；！？")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(formula: str, values: Mapping[str, str]) -> str:
    """`formula` with each `{key}` of `values` replaced, in one pass (a value that holds
    braces is never read as a placeholder; other braces stay as they are)."""
    return _PLACEHOLDER.sub(lambda found: values.get(found.group(1), found.group(0)), formula)


class Protocol:
    """The forms of address of one language, for a letter written in `voice`."""

    def __init__(self, catalogs: Catalogs, voice: Voice) -> None:
        text = catalogs.text
        self._salutations = {key: text(m) for key, m in msg.SALUTATIONS.items()}
        self._closings = {
            (rank, gender): text(m)
            for (of_voice, rank, gender), m in msg.CLOSINGS.items()
            if of_voice is voice
        }
        self._names = {key: text(m) for key, m in msg.NAME_LINES.items()}
        self._signatures = {gender: text(m) for gender, m in msg.SIGNATURE_NAMES.items()}
        self._address = text(msg.ADDRESS_BLOCK).split("\n")
        self._subject_lines = text(msg.SUBJECT_LINES)

    def salutation(self, rank: Rank, gender: Gender, name: str) -> str:
        return fill(self._salutations[rank, gender], {"name": name})

    def closing(self, rank: Rank, gender: Gender) -> str:
        return self._closings[rank, gender]

    def name_line(self, name: str, honorific: Honorific | None, gender: Gender) -> str:
        """The recipient's name with the honorific or courtesy title the language puts
        around it ("H.E. Mr John Roe", "王伟先生阁下"); the name alone without either."""
        formula = self._names.get((honorific, gender))
        return name if formula is None else fill(formula, {"name": name})

    def address_block(self, recipient: Recipient, country: str) -> tuple[str, ...]:
        values = {
            "name": self.name_line(recipient.name, recipient.honorific, recipient.gender),
            "position": recipient.position,
            "organization": recipient.organization,
            "country": country,
        }
        lines = (fill(line, values) for line in self._address if _filled_in(line, values))
        return tuple(line for line in lines if line.strip())

    def signature_name(self, signatory: Signatory, name: str) -> str:
        if signatory.gender is None or signatory.gender not in self._signatures:
            return name
        return fill(self._signatures[signatory.gender], {"name": name})

    def subject_line(self, subject: str) -> str:
        """The subject's lines on one line, joined by the language's separator ("Event,
        27–31 May 2024"), never by a bare space."""
        lines = [" ".join(line.split()) for line in subject.splitlines() if line.strip()]
        if not lines:
            return ""
        joined = lines[0]
        for line in lines[1:]:
            if joined[-1] in _CLOSING_PUNCTUATION:
                wide = unicodedata.east_asian_width(joined[-1]) in ("F", "W")
                joined = f"{joined}{'' if wide else ' '}{line}"
            else:
                joined = fill(self._subject_lines, {"first": joined, "second": line})
        return joined


def _filled_in(line: str, values: Mapping[str, str]) -> bool:
    """Whether a line of the address formula has any of its placeholders filled in."""
    used = [key for key in values if f"{{{key}}}" in line]
    return not used or any(values[key] for key in used)
