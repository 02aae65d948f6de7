"""What every request meets before a route, and the answer of last resort.

- the `Host` it names must be one this server was told it is (`--allowed-host`, by default
  the address it listens on): a DNS name an attacker rebinds to a loopback address names
  another host, and gets 400;
- a state-changing request that carries an `Origin` must come from one of those hosts (the
  login form too: no cross-site login);
- its body is at most `max_body` bytes, whatever `Content-Length` says (413);
- an exception no handler turned into a status becomes a 500 without internals (logged
  here), so that even it passes through `SecurityHeaders` on its way out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from http import HTTPStatus
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from missive.web.errors import BodyTooLargeError

DEFAULT_MAX_BODY = 64 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger("missive.web")


def host_name(host: str) -> str:
    """`Host` without its port, lower case (`[::1]:8000` -> `::1`)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Boundary:
    def __init__(self, app: ASGIApp, *, allowed_hosts: Collection[str], max_body: int) -> None:
        self.app = app
        self.allowed = frozenset(host_name(h) for h in allowed_hosts)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await problem(scope, send, *refusal)
            return
        started = False
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise BodyTooLargeError(self.max_body)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                await problem(scope, send, 500, "an unexpected error; it was logged")

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if host_name(headers.get(b"host", "")) not in self.allowed:
            return 400, "this server does not answer to that Host"
        origin = headers.get(b"origin")
        foreign = origin is not None and host_name(urlsplit(origin).netloc) not in self.allowed
        if scope["method"] not in SAFE_METHODS and foreign:
            return 403, "a request from another site (Origin) is refused"
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isascii() or not length.isdigit():
                return 400, "Content-Length is not a number"
            if int(length) > self.max_body:
                return 413, f"the request body is over {self.max_body:,} bytes"
        return None


async def problem(scope: Scope, send: Send, status: int, detail: str) -> None:
    """A reply made without the app: a problem document for the API, a line of text else."""
    title = HTTPStatus(status).phrase
    if str(scope.get("path", "")).startswith("/api/"):
        body = json.dumps(
            {"type": "about:blank", "title": title, "status": status, "detail": detail}
        ).encode()
        media = b"application/problem+json"
    else:
        body = f"{status} {title}: {detail}\n".encode()
        media = b"text/plain; charset=utf-8"
    headers = [(b"content-type", media), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
