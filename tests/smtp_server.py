"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives and injects faults.

Shared by the delivery tests and the benchmark. Usable in-process (`running_server`) or as a
separate process (`python tests/smtp_server.py --port-file F --delay 0.05`) so a test can
SIGKILL the sender while the server keeps counting.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import json
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    message_id: str
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes


@dataclass
class Faults:
    """What to do wrong. Replies are full SMTP lines, e.g. "451 4.7.1 try later"."""

    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)  # given once each, in order
    rcpt_always: dict[str, str] = field(default_factory=dict)  # given every time
    mail_replies: dict[int, str] = field(default_factory=dict)  # by MAIL command number (0-based)
    drop_after_data: set[str] = field(default_factory=set)  # addressees; once each
    data_delay: float = 0.0  # seconds before answering DATA


class RecordingHandler:
    def __init__(self, faults: Faults | None = None, store: Path | None = None) -> None:
        self.faults = faults or Faults()
        self.received: list[Received] = []
        self.mail_commands = 0
        self.store = store
        self._lock = threading.Lock()

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self._lock:
            number = self.mail_commands
            self.mail_commands += 1
        reply = self.faults.mail_replies.get(number)
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.faults.rcpt_always:
            return self.faults.rcpt_always[address]
        queue = self.faults.rcpt_replies.get(address)
        if queue:
            return queue.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.faults.data_delay:
            await asyncio.sleep(self.faults.data_delay)
        data: bytes = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        item = Received(
            message_id=str(parsed.get("Message-ID", "")),
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=data,
        )
        with self._lock:
            self.received.append(item)
            if self.store is not None:
                with self.store.open("a") as log:
                    log.write(json.dumps([item.message_id, list(item.rcpt_tos)]) + "\n")
                    log.flush()
        addressee = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        if addressee in self.faults.drop_after_data:
            self.faults.drop_after_data.discard(addressee)
            # The message is in, but the client never hears so: the ambiguous case.
            server.transport.close()
        return "250 2.0.0 queued"

    def message_ids(self) -> Counter[str]:
        with self._lock:
            return Counter(r.message_id for r in self.received)


@dataclass
class Server:
    host: str
    port: int
    handler: RecordingHandler


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def password_authenticator(username: str, password: str) -> Any:
    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == username and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_pair(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext, Path]:
    cert, key = self_signed_certificate(folder)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    return server_context, client_context, cert


@contextlib.contextmanager
def running_server(
    handler: RecordingHandler | None = None,
    *,
    tls_context: ssl.SSLContext | None = None,
    authenticator: Any = None,
    smtputf8: bool = True,
) -> Iterator[Server]:
    handler = handler or RecordingHandler()
    port = free_port()
    kwargs: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=True)
    if authenticator is not None:
        kwargs.update(authenticator=authenticator, auth_require_tls=tls_context is not None)
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, server_hostname="sink.test", **kwargs
    )
    controller.start()
    try:
        yield Server(host="127.0.0.1", port=port, handler=handler)
    finally:
        controller.stop()


def main() -> None:
    """Run a recording server until killed; write its port, and one JSON line per message."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    handler = RecordingHandler(Faults(data_delay=args.delay), store=args.log)
    with running_server(handler) as server:
        args.port_file.write_text(str(server.port))
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
