"""The sender: a pool of reused SMTP connections draining a batch's journal (aiosmtplib).

Every message goes MAIL, RCPT (addressee, then cc), then the journal commits `sending`, then
DATA. What happens on each outcome:
- 250 after DATA: sent. A cc refused while the addressee was accepted is noted, not retried.
- 4xx, a timeout or a dropped connection before DATA: temporary; retried with backoff.
- 5xx for the addressee: permanent for that recipient; the others go on.
- a drop or timeout once DATA has started: ambiguous (the relay may have the message); held.
- 535 / a refused login: `AuthenticationError` pauses the batch; so do `policy_limit`
  consecutive policy rejections (5xx on MAIL FROM, 530, or an enhanced status 5.7.x).
aiosmtplib is imported only here.
"""

from __future__ import annotations

import asyncio
import random
import signal
import ssl
from collections.abc import Awaitable, Callable, Collection

import aiosmtplib

from missive.deliver.group_commit import GroupCommit
from missive.deliver.journal import Delivery, Journal, SendState
from missive.deliver.outcome import Outcome, Reply, RunSummary, refusal, wire_form
from missive.deliver.relays import guard_plain_auth
from missive.deliver.settings import (
    Clock,
    Credentials,
    Security,
    SendOptions,
    SmtpEndpoint,
    SystemClock,
    TokenBucket,
)
from missive.deliver.spool import Spool
from missive.errors import AuthenticationError, DeliveryError

_DROPS = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError, EOFError)


def default_tls_context() -> ssl.SSLContext:
    """One context for every connection (honours SSL_CERT_FILE for a private CA)."""
    return ssl.create_default_context()


class _Connection:
    """One SMTP session, opened lazily and reopened after a 421 or a drop."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self._smtp: aiosmtplib.SMTP | None = None

    async def _open(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        s = self._sender
        creds = s.credentials
        smtp = aiosmtplib.SMTP(
            hostname=s.endpoint.host,
            port=s.endpoint.port,
            use_tls=s.endpoint.security is Security.TLS,
            start_tls=s.endpoint.security is Security.STARTTLS,
            tls_context=s.tls_context if s.endpoint.security is not Security.PLAIN else None,
            username=creds.username if creds else None,
            password=creds.password if creds else None,
            timeout=s.options.timeout,
            local_hostname=s.options.local_hostname,
        )
        try:
            await smtp.connect()
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise AuthenticationError(
                f"the relay {s.endpoint} refused the login of {creds.username if creds else '?'}: "
                f"{exc.code} {exc.message}",
                code=exc.code,
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 535:
                raise AuthenticationError(f"login refused: {exc.code}", code=exc.code) from None
            raise
        self._smtp = smtp
        return smtp

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, *_DROPS):
                smtp.close()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None

    async def transact(
        self, item: Delivery, data: bytes, before_data: Callable[[], Awaitable[None]]
    ) -> Reply:
        try:
            smtp = await self._open()
        except (aiosmtplib.SMTPException, *_DROPS) as exc:
            self._drop()
            code = getattr(exc, "code", None)
            return Reply(SendState.FAILED_TEMPORARY, code, f"connect: {exc}", unreachable=True)
        try:
            refused_cc = await self._envelope(smtp, item, len(data))
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(smtp)
            stage = "mail" if isinstance(exc, aiosmtplib.SMTPSenderRefused) else "rcpt"
            return refusal(exc.code, exc.message, stage)
        except (aiosmtplib.SMTPException, *_DROPS) as exc:
            self._drop()
            return Reply(SendState.FAILED_TEMPORARY, None, f"before DATA: {exc}")
        await before_data()
        try:
            start = await smtp.execute_command(b"DATA")
        except (aiosmtplib.SMTPException, *_DROPS) as exc:
            self._drop()  # the relay has none of the content yet: safe to retry
            return Reply(SendState.FAILED_TEMPORARY, None, f"DATA command: {exc}")
        if start.code != 354:
            await self._reset(smtp)
            return refusal(start.code, start.message, "data")
        try:
            response = await self._payload(smtp, wire_form(data, spooled=True))
        except (aiosmtplib.SMTPException, *_DROPS) as exc:
            self._drop()
            text = f"connection lost during DATA ({exc or type(exc).__name__}); held"
            return Reply(SendState.AMBIGUOUS, None, text)
        if response.code != 250:
            await self._reset(smtp)
            return refusal(response.code, response.message, "data")
        note = "".join(f"; cc {a} refused: {c} {t}" for a, c, t in refused_cc)
        return Reply(SendState.SENT, response.code, f"{response.message}{note}")

    async def _payload(self, smtp: aiosmtplib.SMTP, wire: bytes) -> aiosmtplib.SMTPResponse:
        # aiosmtplib's data() normalises line endings and doubles dots with two regexes over
        # every message; the spool already holds CRLF bytes, so the payload is prepared with
        # plain byte replaces (`wire_form`) and written on the session's own protocol. This
        # also tells a refusal of DATA (nothing sent) from a drop once the content is out.
        protocol = smtp.protocol
        if protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("connection lost before the content")
        protocol.write(wire)
        return await protocol.read_response(timeout=self._sender.options.timeout)

    async def _envelope(
        self, smtp: aiosmtplib.SMTP, item: Delivery, size: int
    ) -> list[tuple[str, int, str]]:
        options: list[str] = []
        encoding = "ascii"
        if smtp.is_ehlo_or_helo_needed:
            await smtp.ehlo()
        if item.smtputf8:
            if not smtp.supports_extension("smtputf8"):
                # Only this recipient's address needs it: permanent for them, not a pause.
                raise aiosmtplib.SMTPRecipientRefused(
                    555, "5.6.7 the relay does not offer SMTPUTF8", item.rcpt[0]
                )
            options.append("SMTPUTF8")
            encoding = "utf-8"
        if smtp.supports_extension("size"):
            options.append(f"SIZE={size}")
        await smtp.mail(item.sender, options=options, encoding=encoding)
        addressee, *cc = item.rcpt
        await smtp.rcpt(addressee, encoding=encoding)
        refused: list[tuple[str, int, str]] = []
        for address in cc:
            try:
                await smtp.rcpt(address, encoding=encoding)
            except aiosmtplib.SMTPRecipientRefused as exc:
                # aiosmtplib only raises when *every* recipient is refused; here the
                # addressee is in, so a refused cc is recorded and the letter still goes.
                refused.append((address, exc.code, exc.message))
        return refused

    async def _reset(self, smtp: aiosmtplib.SMTP) -> None:
        if not smtp.is_connected:
            self._drop()
            return
        try:
            await smtp.rset()
        except (aiosmtplib.SMTPException, *_DROPS):
            self._drop()


class Sender:
    """Drains the due rows of one batch through `options.connections` reused connections."""

    def __init__(
        self,
        *,
        endpoint: SmtpEndpoint,
        journal: Journal,
        spool: Spool,
        batch_id: str,
        options: SendOptions,
        credentials: Credentials | None = None,
        tls_context: ssl.SSLContext | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
        defer: Collection[str] = (),
        plain_auth: bool = False,  # credentials over plain SMTP: a loopback relay, explicitly
    ) -> None:
        if credentials is not None:
            guard_plain_auth(endpoint, plain_auth=plain_auth)
        self.endpoint = endpoint
        self.defer = defer  # recipients not sent in this run (outside their send window)
        self.journal = journal
        self.spool = spool
        self.batch_id = batch_id
        self.options = options
        self.credentials = credentials
        self.tls_context = tls_context or default_tls_context()
        self.clock: Clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self._on_outcome = on_outcome
        self._bucket = (
            TokenBucket(options.rate, self.clock, burst=options.connections)
            if options.rate
            else None
        )
        self._stop = asyncio.Event()
        self._fatal: Exception | None = None
        self._policy_run = 0
        self._unreachable_run = 0
        self.summary = RunSummary()
        self._writes = GroupCommit(journal)

    def stop(self) -> None:
        """Finish the messages in flight, start no new one."""
        self.summary.interrupted = True
        self._stop.set()

    async def run(
        self, *, resend_ambiguous: bool = False, handle_sigint: bool = False
    ) -> RunSummary:
        loop = asyncio.get_running_loop()
        if handle_sigint:
            loop.add_signal_handler(signal.SIGINT, self.stop)
        try:
            self.summary.released = self.journal.begin_run(
                self.batch_id, release_ambiguous=resend_ambiguous
            )
            if self.defer:
                self.journal.defer(
                    self.batch_id, self.defer, max_tries=self.options.retry.max_tries
                )
            await self._passes()
        finally:
            if handle_sigint:
                loop.remove_signal_handler(signal.SIGINT)
        if self._fatal is not None:
            raise self._fatal
        return self.summary

    async def _passes(self) -> None:
        max_tries = self.options.retry.max_tries
        while not self._stop.is_set():
            await self._one_pass()
            if self._stop.is_set():
                return
            due_at = self.journal.next_retry_at(self.batch_id, max_tries=max_tries)
            if due_at is None:
                return
            await self._wait(due_at - self.clock.now())

    async def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        stopped = asyncio.ensure_future(self._stop.wait())
        sleeping = asyncio.ensure_future(self.clock.sleep(seconds))
        await asyncio.wait({stopped, sleeping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (stopped, sleeping):
            task.cancel()

    async def _one_pass(self) -> None:
        queue: asyncio.Queue[Delivery | None] = asyncio.Queue(maxsize=self.options.connections * 2)
        workers = [
            asyncio.create_task(self._worker(queue)) for _ in range(self.options.connections)
        ]
        try:
            await self._produce(queue)
        finally:
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)

    async def _produce(self, queue: asyncio.Queue[Delivery | None]) -> None:
        now = self.clock.now()
        last = 0
        while not self._stop.is_set():
            page = self.journal.due_page(
                self.batch_id,
                after_row=last,
                now=now,
                max_tries=self.options.retry.max_tries,
            )
            if not page:
                return
            for item in page:
                if self._stop.is_set():
                    return
                await queue.put(item)
            last = page[-1].row

    async def _worker(self, queue: asyncio.Queue[Delivery | None]) -> None:
        connection = _Connection(self)
        try:
            while (item := await queue.get()) is not None:
                if self._stop.is_set():
                    continue  # drain without sending, so the producer never blocks
                try:
                    await self._deliver(connection, item)
                except Exception as exc:
                    # A paused batch (DeliveryError), a spool file changed on disk
                    # (JournalError) or a bug: stop taking messages, let the others finish
                    # theirs, keep draining so the producer never blocks, then re-raise.
                    self._fatal = self._fatal or exc
                    self._stop.set()
        finally:
            await connection.close()

    async def _deliver(self, connection: _Connection, item: Delivery) -> None:
        # Journal writes run on the event loop, grouped (journal_group): one fsync for the
        # writes of every connection that woke in the same turn; a hand-off to a thread cost
        # more CPU per message than the fsync it would hide.
        # A spooled message is one small file, usually in the page cache: reading it here
        # costs less than a hand-off to the journal's thread.
        data = self.spool.read(item.spool_path, item.sha256)
        if self._bucket is not None:
            await self._bucket.take()

        async def before_data() -> None:
            await self._writes.write(
                lambda: self.journal.mark_sending(self.batch_id, item.recipient_id)
            )

        reply = await connection.transact(item, data, before_data)
        not_before = 0.0
        if reply.state is SendState.FAILED_TEMPORARY:
            not_before = self.clock.now() + self.options.retry.delay(item.tries + 1, self._rng)
        await self._writes.write(
            lambda: self.journal.mark_outcome(
                self.batch_id,
                item.recipient_id,
                reply.state,
                code=reply.code,
                text=reply.text,
                not_before=not_before,
            )
        )
        self.summary.add(reply.state)
        if self._on_outcome is not None:
            self._on_outcome(Outcome(item.recipient_id, reply.state, reply.code, reply.text))
        self._count_policy(reply)

    def _count_policy(self, reply: Reply) -> None:
        self._unreachable_run = self._unreachable_run + 1 if reply.unreachable else 0
        if self._unreachable_run >= self.options.retry.max_tries:
            raise DeliveryError(
                f"cannot reach the relay {self.endpoint} ({reply.text}); the batch is paused: "
                "run the same command again when it is back",
                transient=True,
            )
        self._policy_run = self._policy_run + 1 if reply.policy else 0
        if self._policy_run >= self.options.policy_limit:
            raise DeliveryError(
                f"the relay rejected us {self._policy_run} times in a row "
                f"(last: {reply.code} {reply.text}); the batch is paused: fix and re-run",
                code=reply.code,
            )


__all__ = ["Outcome", "RunSummary", "Sender", "default_tls_context", "wire_form"]
