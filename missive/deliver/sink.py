"""An SMTP server on loopback that files what it receives in a Maildir (for `send.py demo`).

Not a relay: it accepts any envelope on 127.0.0.1 and stores each message once, with the
envelope recorded in `X-Missive-Envelope-*` headers so the demo can show who got what.

It can also play the receiving side's mail system for a few addresses (`notices`): it accepts
the message, as a relay does, then files a delivery status notification (RFC 3464) to the
envelope sender in a second Maildir, a permanent failure or a delay, so the demo can show
`send.py bounces` at work without any mail leaving the machine.
"""

from __future__ import annotations

import mailbox
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

REPORTING_HOST = "missive-sink"


@dataclass(frozen=True)
class ScriptedNotice:
    """What the sink's mail system reports later about one address."""

    action: str  # "failed" (a bounce) or "delayed"
    status: str  # e.g. "5.1.1"
    diagnostic: str  # e.g. "smtp; 550 5.1.1 <x@example.org>: user unknown"


@dataclass(frozen=True)
class NoticeScript:
    folder: Path  # the Maildir the notifications are filed in (the bounce mailbox)
    by_address: Mapping[str, ScriptedNotice] = field(default_factory=dict)


class MaildirHandler:
    def __init__(self, folder: Path, script: NoticeScript | None = None) -> None:
        self.maildir = mailbox.Maildir(folder, create=True)
        self._script = script
        self._notices = mailbox.Maildir(script.folder, create=True) if script else None
        self._lock = threading.Lock()
        self.count = 0
        self.notices = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        raw: bytes = envelope.original_content or envelope.content
        scripted = self._script.by_address if self._script else {}
        delivered = [r for r in envelope.rcpt_tos if r.casefold() not in scripted]
        reports = [
            delivery_status_notification(raw, envelope.mail_from, r, scripted[r.casefold()])
            for r in envelope.rcpt_tos
            if r.casefold() in scripted
        ]
        trace = (
            f"X-Missive-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Missive-Envelope-To: {', '.join(delivered)}\r\n"
        ).encode()
        with self._lock:
            if delivered:
                self.maildir.add(trace + raw)
                self.count += 1
            for report in reports:
                if self._notices is not None and envelope.mail_from:
                    self._notices.add(report)
                    self.notices += 1
        return "250 2.0.0 stored"


def delivery_status_notification(
    original: bytes, envelope_from: str, recipient: str, notice: ScriptedNotice
) -> bytes:
    """An RFC 3464 report about `recipient`, to `envelope_from`, quoting the headers."""
    failed = notice.action == "failed"
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = f"Mail Delivery System <MAILER-DAEMON@{REPORTING_HOST}>"
    report["To"] = envelope_from
    report["Subject"] = (
        "Undelivered Mail Returned to Sender" if failed else "Delayed Mail (still being retried)"
    )
    report["Date"] = formatdate(localtime=False)
    report["Message-ID"] = make_msgid(domain=REPORTING_HOST)
    report["Auto-Submitted"] = "auto-replied"
    explanation = (
        "Your message could not be delivered to one or more recipients."
        if failed
        else "THIS IS A WARNING ONLY. Your message has not been delivered yet; "
        "delivery will be retried."
    )
    report.attach(MIMEText(f"{explanation}\n\n<{recipient}>: {notice.diagnostic}\n"))
    report.attach(_status_part(recipient, notice))
    headers = original.replace(b"\r\n", b"\n").partition(b"\n\n")[0]
    report.attach(MIMEText(headers.decode("utf-8", "replace") + "\n", "rfc822-headers"))
    return report.as_bytes()


def _status_part(recipient: str, notice: ScriptedNotice) -> Message:
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {REPORTING_HOST}"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = notice.action
    per_recipient["Status"] = notice.status
    per_recipient["Diagnostic-Code"] = notice.diagnostic
    part = Message()
    part["Content-Type"] = "message/delivery-status"
    part.set_payload([per_message, per_recipient])
    return part


@dataclass(frozen=True)
class RunningSink:
    host: str
    port: int
    folder: Path
    handler: MaildirHandler

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def maildir_sink(
    folder: Path, host: str = "127.0.0.1", script: NoticeScript | None = None
) -> Iterator[RunningSink]:
    """Run the sink in a background thread for the duration of the block."""
    handler = MaildirHandler(folder, script)
    port = _free_port(host)
    controller = Controller(
        handler, hostname=host, port=port, enable_SMTPUTF8=True, server_hostname="missive-sink"
    )
    controller.start()
    try:
        yield RunningSink(host=host, port=port, folder=folder, handler=handler)
    finally:
        controller.stop()
