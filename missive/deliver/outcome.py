"""What an SMTP exchange came to, and the bytes that go after DATA (no aiosmtplib here).

Classification: 4xx -> temporary; 535 -> `AuthenticationError` (the batch pauses); a
"policy" 5xx (on MAIL FROM, 530, or an enhanced status 5.7.x) is a refusal of *us*, not of
the recipient -> temporary, counted toward pausing; any other 5xx -> permanent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from missive.deliver.journal import SendState
from missive.deliver.spool import crlf_lines
from missive.errors import AuthenticationError

_ENHANCED_POLICY = re.compile(r"^\s*5\.7\.\d+")


@dataclass(frozen=True)
class Outcome:
    recipient_id: str
    state: SendState
    code: int | None
    text: str


@dataclass
class RunSummary:
    counts: dict[SendState, int] = field(default_factory=dict)
    released: int = 0
    interrupted: bool = False

    def add(self, state: SendState) -> None:
        self.counts[state] = self.counts.get(state, 0) + 1


@dataclass(frozen=True)
class Reply:
    state: SendState
    code: int | None
    text: str
    policy: bool = False  # a rejection of us, not of the recipient
    unreachable: bool = False  # no session could be opened at all


def is_policy(code: int, text: str, stage: str) -> bool:
    return stage == "mail" or code == 530 or bool(_ENHANCED_POLICY.match(text))


def refusal(code: int, text: str, stage: str) -> Reply:
    if code == 535:
        raise AuthenticationError(f"the relay refused our credentials: {code} {text}", code=code)
    if 400 <= code < 500:
        return Reply(SendState.FAILED_TEMPORARY, code, f"{stage}: {text}")
    if is_policy(code, text, stage):
        return Reply(SendState.FAILED_TEMPORARY, code, f"{stage}: {text}", policy=True)
    return Reply(SendState.FAILED_PERMANENT, code, f"{stage}: {text}")


def wire_form(data: bytes, *, spooled: bool = False) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled (RFC 5321 4.5.2), final dot.

    `spooled`: the bytes come from the spool (hash-checked), which stores CRLF lines only.
    """
    if not spooled:
        data = crlf_lines(data)
    if b"\r\n." in data:  # rare in base64 bodies: skip the copy when there is none
        data = data.replace(b"\r\n.", b"\r\n..")
    if data.startswith(b"."):
        data = b"." + data
    return data + b".\r\n"
