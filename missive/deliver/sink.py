"""An SMTP server on loopback that files what it receives in a Maildir (for `send.py demo`).

Not a relay: it accepts any envelope on 127.0.0.1 and stores each message once, with the
envelope recorded in `X-Missive-Envelope-*` headers so the demo can show who got what.
"""

from __future__ import annotations

import mailbox
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    def __init__(self, folder: Path) -> None:
        self.maildir = mailbox.Maildir(folder, create=True)
        self._lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        raw: bytes = envelope.original_content or envelope.content
        recipients = ", ".join(envelope.rcpt_tos)
        trace = (
            f"X-Missive-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Missive-Envelope-To: {recipients}\r\n"
        ).encode()
        with self._lock:
            self.maildir.add(trace + raw)
            self.count += 1
        return "250 2.0.0 stored"


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
def maildir_sink(folder: Path, host: str = "127.0.0.1") -> Iterator[RunningSink]:
    """Run the sink in a background thread for the duration of the block."""
    handler = MaildirHandler(folder)
    port = _free_port(host)
    controller = Controller(
        handler, hostname=host, port=port, enable_SMTPUTF8=True, server_hostname="missive-sink"
    )
    controller.start()
    try:
        yield RunningSink(host=host, port=port, folder=folder, handler=handler)
    finally:
        controller.stop()
