"""What a message in the bounce mailbox says: a bounce, a delay, an auto-reply, or none of these.

Decisions:
- A standard delivery status notification (RFC 3464, `message/delivery-status`) is read with
  the standard email parser: per recipient, `Action`, `Status` and `Diagnostic-Code`. Its
  fields are authoritative; heuristics would take a success report for a failure.
- Any other notification goes to flufl.bounce, the bounce detectors of GNU Mailman (Exim's
  `X-Failed-Recipients`, qmail, old Exchange, Yahoo, ... and generic patterns), which say which
  addresses failed and whether for good; no hand-written detector here. The status and
  diagnostic then come from the lines of its text that name the address.
- `Action: delayed` (or a 4.x.x warning) is a delay, not a failure: the relay downstream is still
  trying. A notification is checked before any auto-reply header: relays mark their own DSNs
  `Auto-Submitted: auto-replied` too.
- An auto-reply (`Auto-Submitted`, `X-Autoreply`, `Precedence: auto_reply`, an out-of-office
  subject) proves the message arrived; it is a reply, never a bounce.
- The notice names the messages it is about by the addresses it was sent to (a VERP bounce
  address) and by the Message-IDs it quotes (returned headers, `In-Reply-To`, `References`).
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from flufl.bounce import all_failures

_ENHANCED_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45])\d\d\b")
_MESSAGE_ID_LINE = re.compile(r"^message-id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_ADDRESSED_TO = (
    "to",
    "cc",
    "delivered-to",
    "x-original-to",
    "envelope-to",
    "x-envelope-to",
    "x-delivered-to",
)
# Out-of-office subjects of the common clients, for auto-replies that set no header.
_AUTO_REPLY_SUBJECTS = (
    "automatic reply",
    "auto-reply",
    "autoreply",
    "auto:",
    "out of office",
    "out of the office",
    "réponse automatique",
    "respuesta automática",
    "автоответ",
    "自动回复",
    "رد تلقائي",
)
_DIAGNOSTIC_CHARS = 300


class NoticeKind(StrEnum):
    BOUNCED = "bounced"  # at least one address failed for good
    DELAYED = "delayed"  # the relay downstream is still retrying
    REPLIED = "replied"  # an auto-reply: the message arrived
    OTHER = "other"  # neither a notification nor an auto-reply


@dataclass(frozen=True)
class Failure:
    address: str  # the failed address as the notification gives it
    kind: NoticeKind  # BOUNCED or DELAYED
    status: str  # enhanced status code, e.g. "5.1.1"
    diagnostic: str  # e.g. "smtp; 550 5.1.1 user unknown", without the type prefix


@dataclass(frozen=True)
class Notice:
    fingerprint: str  # the same for the same message read from any mailbox
    kind: NoticeKind
    failures: tuple[Failure, ...]
    addressed_to: tuple[str, ...]  # where the notice was delivered (a VERP address, if any)
    message_ids: tuple[str, ...]  # Message-IDs it quotes, with angle brackets
    sender: str  # its From address
    subject: str


def read_notice(data: bytes) -> Notice:
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    failures = _failures(msg)
    if failures:
        bounced = any(f.kind is NoticeKind.BOUNCED for f in failures)
        kind = NoticeKind.BOUNCED if bounced else NoticeKind.DELAYED
    elif _is_auto_reply(msg):
        kind = NoticeKind.REPLIED
    else:
        kind = NoticeKind.OTHER
    return Notice(
        fingerprint=_fingerprint(msg, data),
        kind=kind,
        failures=failures,
        addressed_to=tuple(
            dict.fromkeys(a for _, a in getaddresses(_all(msg, _ADDRESSED_TO)) if a)
        ),
        message_ids=_quoted_message_ids(msg, kind),
        sender=parseaddr(str(msg.get("from", "")))[1],
        subject=_one_line(_decoded_header(str(msg.get("subject", "")))),
    )


def _failures(msg: Message) -> tuple[Failure, ...]:
    blocks = list(_status_blocks(msg))
    fields = _dsn_fields(blocks)
    if blocks:
        # RFC 3464 fields are authoritative: the heuristic detectors would take the text of a
        # success report ("<addr>: delivered to mailbox") for a failure.
        return tuple(fields.values())
    temporary, permanent = all_failures(msg)
    found: dict[str, Failure] = {}
    for kind, addresses in ((NoticeKind.DELAYED, temporary), (NoticeKind.BOUNCED, permanent)):
        for raw in sorted(addresses):
            address = raw.decode("ascii", "replace")
            found[address.casefold()] = _from_text(msg, address, kind)
    return tuple(found.values())


def _dsn_fields(blocks: list[Message]) -> dict[str, Failure]:
    """Per-recipient fields of message/delivery-status parts, by address."""
    fields: dict[str, Failure] = {}
    for block in blocks:
        action = str(block.get("action", "")).strip().lower()
        if action.startswith("delayed"):
            kind = NoticeKind.DELAYED
        elif action.startswith(("fail", "error")):
            kind = NoticeKind.BOUNCED
        else:
            continue  # delivered, relayed, expanded: not a failure
        status = _status(str(block.get("status", "")), kind)
        diagnostic = _diagnostic(str(block.get("diagnostic-code", "")))
        for header in ("original-recipient", "final-recipient"):
            address = _typed_address(str(block.get(header, "")))
            if address:
                fields.setdefault(address.casefold(), Failure(address, kind, status, diagnostic))
    return fields


def _status_blocks(msg: Message) -> Iterator[Message]:
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            yield from (block for block in payload if isinstance(block, Message))


def _typed_address(value: str) -> str:
    """`rfc822; user@example.org` -> `user@example.org`."""
    _, _, address = value.partition(";")
    return address.strip().strip("<>").strip() if address else value.strip().strip("<>")


def _status(text: str, kind: NoticeKind) -> str:
    found = _ENHANCED_STATUS.search(text)
    if found:
        return ".".join(found.groups())
    return "5.0.0" if kind is NoticeKind.BOUNCED else "4.0.0"


def _diagnostic(text: str) -> str:
    kind, separator, rest = text.partition(";")
    return _one_line(rest if separator and " " not in kind.strip() else text)[:_DIAGNOSTIC_CHARS]


def _from_text(msg: Message, address: str, kind: NoticeKind) -> Failure:
    """Status and diagnostic from the lines of a non-standard notification naming `address`."""
    text = _first_text(msg)
    lines = text.splitlines()
    wanted = address.casefold()
    for index, line in enumerate(lines):
        if wanted in line.casefold():
            near = _one_line(" ".join(lines[index : index + 4]))
            enhanced = _ENHANCED_STATUS.search(near)
            if enhanced:
                status = ".".join(enhanced.groups())
                return Failure(address, kind, status, near[:_DIAGNOSTIC_CHARS])
            code = _SMTP_CODE.search(near)
            status = f"{code.group(1)}.0.0" if code else _status("", kind)
            return Failure(address, kind, status, near[:_DIAGNOSTIC_CHARS])
    return Failure(address, kind, _status("", kind), "")


def _first_text(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return _decoded(part)
    return ""


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _is_auto_reply(msg: Message) -> bool:
    if msg.get_content_type() == "multipart/report":
        return False  # a report (a success DSN, a read receipt) is about a message, not a reply
    sender = parseaddr(str(msg.get("from", "")))[1].partition("@")[0].lower()
    if sender in ("mailer-daemon", "postmaster"):
        return False
    auto = str(msg.get("auto-submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return True
    if any(msg.get(h) for h in ("x-autoreply", "x-autorespond", "x-autoresponder")):
        return True
    if str(msg.get("precedence", "")).strip().lower() == "auto_reply":
        return True
    subject = _one_line(_decoded_header(str(msg.get("subject", "")))).casefold()
    return subject.startswith(_AUTO_REPLY_SUBJECTS)


def _quoted_message_ids(msg: Message, kind: NoticeKind) -> tuple[str, ...]:
    found: list[str] = []
    if kind is NoticeKind.REPLIED:
        for header in ("in-reply-to", "references"):
            found += _MESSAGE_ID.findall(str(msg.get(header, "")))
    for part in msg.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822" and isinstance(part.get_payload(), list):
            for inner in part.get_payload():
                if isinstance(inner, Message) and inner.get("message-id"):
                    found += _MESSAGE_ID.findall(str(inner["message-id"]))
        elif content_type in ("text/rfc822-headers", "text/plain"):
            found += _MESSAGE_ID_LINE.findall(_decoded(part))
    if not msg.is_multipart():
        found += _MESSAGE_ID_LINE.findall(_decoded(msg))
    own = str(msg.get("message-id", "")).strip()
    return tuple(dict.fromkeys(m for m in found if m != own))


def _fingerprint(msg: Message, data: bytes) -> str:
    own = str(msg.get("message-id", "")).strip()
    if own:
        return "message-id:" + own
    # Mail clients add headers (Status, X-Status) to what they have read: hash the body only.
    unix = data.replace(b"\r\n", b"\n")
    body = unix.partition(b"\n\n")[2] or unix
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _decoded_header(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return value


def _all(msg: Message, names: tuple[str, ...]) -> list[str]:
    return [str(v) for name in names for v in msg.get_all(name, [])]


def _one_line(text: str) -> str:
    return " ".join(text.split())
