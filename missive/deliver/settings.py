"""Values that configure a send: relay URL, credentials, rate, retries, and the clock.

Free of aiosmtplib so the CLI can parse and validate options before anything connects.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from missive.errors import DeliveryError


class Security(StrEnum):
    PLAIN = "smtp"  # a local relay on a trusted network
    STARTTLS = "smtp+starttls"
    TLS = "smtps"


_DEFAULT_PORTS = {Security.PLAIN: 25, Security.STARTTLS: 587, Security.TLS: 465}


@dataclass(frozen=True)
class SmtpEndpoint:
    security: Security
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> SmtpEndpoint:
        parts = urlsplit(url)
        try:
            security = Security(parts.scheme)
        except ValueError:
            raise DeliveryError(
                f"unsupported SMTP URL scheme {parts.scheme!r}: use smtp://, smtp+starttls:// "
                "or smtps://"
            ) from None
        if parts.username or parts.password:
            # A password in a URL ends up in shell history and process lists.
            raise DeliveryError(
                "put credentials in MISSIVE_SMTP_USERNAME/MISSIVE_SMTP_PASSWORD, not in the URL"
            )
        try:
            port = parts.port or _DEFAULT_PORTS[security]
        except ValueError as exc:
            raise DeliveryError(f"bad port in SMTP URL: {exc}") from exc
        if not parts.hostname:
            raise DeliveryError("the SMTP URL has no host")
        return cls(security=security, host=parts.hostname, port=port)

    def __str__(self) -> str:
        return f"{self.security.value}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Credentials:
    """SMTP login; the password never shows in a repr, a log line or an exception."""

    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"

    __str__ = __repr__


_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "min": 60.0, "minute": 60.0, "h": 3600.0}
_UNITS["hour"] = 3600.0


@dataclass(frozen=True)
class Rate:
    per_second: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*/\s*([a-z]+)\s*", text)
        if not match or match.group(2) not in _UNITS or float(match.group(1)) <= 0:
            raise DeliveryError(f"bad rate {text!r}: use e.g. 10/s, 600/min or 20000/hour")
        return cls(per_second=float(match.group(1)) / _UNITS[match.group(2)])


class Clock(Protocol):
    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    max_tries: int = 5  # per run, for temporary failures
    base_delay: float = 2.0
    max_delay: float = 300.0
    jitter: float = 0.25  # +/- fraction, so retries from many connections spread out

    def delay(self, tries: int, rng: random.Random) -> float:
        raw = min(self.max_delay, self.base_delay * 2 ** max(0, tries - 1))
        return float(raw * rng.uniform(1 - self.jitter, 1 + self.jitter))


@dataclass(frozen=True)
class SendOptions:
    connections: int = 4
    rate: Rate | None = Rate(per_second=10.0)
    retry: RetryPolicy = RetryPolicy()
    timeout: float = 60.0
    policy_limit: int = 3  # consecutive policy rejections that pause the batch
    local_hostname: str | None = None


class TokenBucket:
    """At most `rate` messages per second on average, bursts up to `burst`."""

    def __init__(self, rate: Rate, clock: Clock, burst: float = 1.0) -> None:
        self._rate = rate.per_second
        self._burst = max(1.0, burst)
        self._tokens = self._burst
        self._clock = clock
        self._last = clock.now()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            while True:
                now = self._clock.now()
                self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await self._clock.sleep((1 - self._tokens) / self._rate)
