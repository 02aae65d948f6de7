"""The sender against a real aiosmtpd server on 127.0.0.1, with injected faults."""

from __future__ import annotations

import asyncio
import random
import ssl
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from delivery_fixtures import BATCH_DATE, MAIL, TINY_PDF, composed, people, recipient
from smtp_server import (
    Faults,
    RecordingHandler,
    Server,
    free_port,
    password_authenticator,
    running_server,
    tls_pair,
)

from missive.deliver.journal import BatchInfo, Delivery, Journal, SendState
from missive.deliver.sender import Outcome, RunSummary, Sender, wire_form
from missive.deliver.settings import (
    Credentials,
    Rate,
    RetryPolicy,
    Security,
    SendOptions,
    SmtpEndpoint,
)
from missive.deliver.spool import Spool, spool_root_for
from missive.deliver.spooler import spool_batch
from missive.errors import AuthenticationError, DeliveryError, JournalError
from missive.model import Recipient

BATCH = BatchInfo(id="b-test", letter_key="test", letter_path="l.yaml", recipients_path="r.csv")
FAST = SendOptions(connections=4, rate=None, retry=RetryPolicy(max_tries=4, base_delay=1.0))


class FastClock:
    """Time that passes only when someone sleeps: backoff and rate waits cost nothing."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        self.slept += max(0.0, seconds)
        await asyncio.sleep(0)


def prepare(tmp_path: Path, recipients: list[Recipient]) -> Path:
    path = tmp_path / "journal.sqlite"
    with Journal.open(path) as journal:
        spool_batch(
            journal,
            Spool(spool_root_for(path)),
            BATCH,
            recipients,
            lambda r: (composed(r), TINY_PDF),
            mail=MAIL,
            date=BATCH_DATE,
        )
    return path


def send(
    path: Path,
    server: Server,
    options: SendOptions = FAST,
    *,
    security: Security = Security.PLAIN,
    credentials: Credentials | None = None,
    tls_context: ssl.SSLContext | None = None,
    resend_ambiguous: bool = False,
    clock: FastClock | None = None,
    stop_after: int | None = None,
) -> RunSummary:
    with Journal.open(path) as journal:
        outcomes: list[Outcome] = []
        sender = Sender(
            endpoint=SmtpEndpoint(security, server.host, server.port),
            journal=journal,
            spool=Spool(spool_root_for(path)),
            batch_id=BATCH.id,
            options=options,
            credentials=credentials,
            tls_context=tls_context,
            clock=clock or FastClock(),
            rng=random.Random(4),
            on_outcome=outcomes.append,
        )
        if stop_after is not None:

            def stop_when_enough(outcome: Outcome) -> None:
                outcomes.append(outcome)
                if len(outcomes) >= stop_after:
                    sender.stop()

            sender._on_outcome = stop_when_enough
        return asyncio.run(sender.run(resend_ambiguous=resend_ambiguous))


def states(path: Path) -> dict[str, SendState]:
    with Journal.open(path, writer=False) as journal:
        return {row.recipient_id: row.state for row in journal.rows(BATCH.id)}


def rows(path: Path) -> dict[str, Delivery]:
    with Journal.open(path, writer=False) as journal:
        return {row.recipient_id: row for row in journal.rows(BATCH.id)}


def test_every_recipient_once_over_reused_connections(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(40))
    with running_server() as server:
        summary = send(path, server)
        ids = server.handler.message_ids()
        peers = {r.rcpt_tos for r in server.handler.received}
    assert summary.counts == {SendState.SENT: 40}
    assert set(states(path).values()) == {SendState.SENT}
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert len(peers) == 40
    # Running again sends nothing: sent is never sent again.
    with running_server() as server:
        assert send(path, server).counts == {}
        assert server.handler.received == []


def test_connections_are_reused(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(30))
    handler = RecordingHandler()
    sessions: set[int] = set()
    original = handler.handle_MAIL

    async def counting_mail(server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        sessions.add(id(session))
        return await original(server, session, envelope, address, options)

    handler.handle_MAIL = counting_mail  # type: ignore[method-assign]
    with running_server(handler) as server:
        send(path, server, SendOptions(connections=3, rate=None))
    assert 1 <= len(sessions) <= 3


def test_451_is_retried_then_accepted(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(5))
    faults = Faults(rcpt_replies={"user2@example.org": ["451 4.7.1 greylisted, try later"]})
    clock = FastClock()
    with running_server(RecordingHandler(faults)) as server:
        send(path, server, clock=clock)
        assert server.handler.message_ids().total() == 5
    row = rows(path)["r00002"]
    assert row.state is SendState.SENT
    assert row.attempts == 2
    assert clock.slept >= 0.75  # waited for the backoff (base 1 s, jitter 25%) on the fake clock


def test_550_for_one_address_the_rest_still_go(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(6))
    faults = Faults(rcpt_always={"user3@example.org": "550 5.1.1 no such mailbox"})
    with running_server(RecordingHandler(faults)) as server:
        summary = send(path, server)
        assert server.handler.message_ids().total() == 5
    assert summary.counts == {SendState.SENT: 5, SendState.FAILED_PERMANENT: 1}
    row = rows(path)["r00003"]
    assert row.state is SendState.FAILED_PERMANENT
    assert row.last_code == 550
    assert "no such mailbox" in (row.last_text or "")


def test_421_mid_batch_reconnects_and_finishes(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(12))
    faults = Faults(mail_replies={4: "421 4.3.2 service shutting down", 5: "421 4.3.2 busy"})
    with running_server(RecordingHandler(faults)) as server:
        summary = send(path, server, SendOptions(connections=1, rate=None))
        ids = server.handler.message_ids()
    assert summary.counts[SendState.SENT] == 12
    assert len(ids) == 12 and set(ids.values()) == {1}


def test_cc_refused_while_addressee_accepted_still_sends(tmp_path: Path) -> None:
    person = recipient("r1", "ana@example.org", cc=("gone@example.org", "ok@example.org"))
    path = prepare(tmp_path, [person])
    faults = Faults(rcpt_always={"gone@example.org": "550 5.1.1 unknown"})
    with running_server(RecordingHandler(faults)) as server:
        send(path, server)
        [received] = server.handler.received
    assert received.rcpt_tos == ("ana@example.org", "ok@example.org")
    row = rows(path)["r1"]
    assert row.state is SendState.SENT
    assert "cc gone@example.org refused: 550" in (row.last_text or "")


def test_drop_after_data_is_ambiguous_and_held_until_released(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(4))
    faults = Faults(drop_after_data={"user1@example.org"})
    with running_server(RecordingHandler(faults)) as server:
        summary = send(path, server)
        assert summary.counts == {SendState.SENT: 3, SendState.AMBIGUOUS: 1}
        assert states(path)["r00001"] is SendState.AMBIGUOUS
        # A plain re-run holds it: a duplicate is worse than a delay.
        assert send(path, server).counts == {}
        # The operator releases it: it goes again, byte-identical, with the same Message-ID.
        released = send(path, server, resend_ambiguous=True)
        ids = server.handler.message_ids()
        copies = [r.data for r in server.handler.received if r.rcpt_tos[0] == "user1@example.org"]
    assert released.released == 1 and released.counts == {SendState.SENT: 1}
    assert states(path)["r00001"] is SendState.SENT
    assert len(copies) == 2 and copies[0] == copies[1]
    assert sorted(ids.values()) == [1, 1, 1, 2]


def test_slow_server_messages_still_arrive(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(8))
    with running_server(RecordingHandler(Faults(data_delay=0.1))) as server:
        summary = send(path, server)
    assert summary.counts == {SendState.SENT: 8}


def test_reply_slower_than_timeout_after_data_is_ambiguous(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(1))
    options = SendOptions(connections=1, rate=None, timeout=0.3)
    with running_server(RecordingHandler(Faults(data_delay=1.0))) as server:
        summary = send(path, server, options)
    assert summary.counts == {SendState.AMBIGUOUS: 1}


def test_repeated_policy_rejections_pause_the_batch(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(10))
    faults = Faults(mail_replies={n: "550 5.7.1 sender not authorised" for n in range(50)})
    with (
        running_server(RecordingHandler(faults)) as server,
        pytest.raises(DeliveryError, match="paused"),
    ):
        send(path, server, SendOptions(connections=1, rate=None, policy_limit=3))
    found = Counter(states(path).values())
    # Nobody is written off as permanently failed for a relay-side refusal.
    assert SendState.FAILED_PERMANENT not in found and SendState.SENT not in found
    assert found[SendState.QUEUED] >= 1


def test_stop_finishes_in_flight_and_leaves_the_rest_queued(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(20))
    with running_server() as server:
        summary = send(path, server, SendOptions(connections=2, rate=None), stop_after=3)
        received = server.handler.message_ids().total()
    found = Counter(states(path).values())
    assert summary.interrupted
    assert SendState.SENDING not in found
    assert found[SendState.SENT] == received
    assert found[SendState.QUEUED] == 20 - received


def test_rate_limit_waits_on_the_clock(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(7))
    clock = FastClock()
    with running_server() as server:
        send(path, server, SendOptions(connections=1, rate=Rate.parse("60/min")), clock=clock)
    # One token at the start, then one per second for the other six.
    assert clock.slept == pytest.approx(6.0, abs=0.01)


def test_non_ascii_local_part_goes_with_smtputf8(tmp_path: Path) -> None:
    path = prepare(tmp_path, [recipient("u1", "софия@пример.рф", name="София")])
    with running_server() as server:
        send(path, server)
        [received] = server.handler.received
    assert received.rcpt_tos == ("софия@xn--e1afmkfd.xn--p1ai",)


SECRET = "s3cr3t-Pa55word-never-shown"


def test_starttls_with_auth_against_self_signed_certificate(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(5))
    server_tls, client_tls, _ = tls_pair(tmp_path)
    auth = password_authenticator("missive", SECRET)
    with running_server(tls_context=server_tls, authenticator=auth) as server:
        summary = send(
            path,
            server,
            security=Security.STARTTLS,
            credentials=Credentials("missive", SECRET),
            tls_context=client_tls,
        )
    assert summary.counts == {SendState.SENT: 5}
    assert SECRET.encode() not in path.read_bytes()


def test_wrong_password_pauses_and_never_leaks(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(3))
    server_tls, client_tls, _ = tls_pair(tmp_path)
    auth = password_authenticator("missive", "the-right-one")
    credentials = Credentials("missive", SECRET)
    with running_server(tls_context=server_tls, authenticator=auth) as server:
        with pytest.raises(AuthenticationError) as caught:
            send(
                path,
                server,
                security=Security.STARTTLS,
                credentials=credentials,
                tls_context=client_tls,
            )
        assert server.handler.received == []
    assert SECRET not in str(caught.value) and SECRET not in repr(credentials)
    assert set(states(path).values()) == {SendState.QUEUED}
    for file in tmp_path.rglob("journal.sqlite*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes()


def test_unreachable_relay_pauses_the_batch(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(10))
    nobody = Server(host="127.0.0.1", port=free_port(), handler=RecordingHandler())
    with pytest.raises(DeliveryError, match="cannot reach the relay") as caught:
        send(path, nobody, SendOptions(connections=2, rate=None))
    assert caught.value.transient
    assert not {SendState.SENT, SendState.FAILED_PERMANENT} & set(states(path).values())


def test_wire_form_stuffs_dots_and_normalises_line_ends() -> None:
    assert wire_form(b"a\r\n.b\r\n") == b"a\r\n..b\r\n.\r\n"
    assert wire_form(b".x\nb") == b"..x\r\nb\r\n.\r\n"
    assert wire_form(b"a\rb\r\n") == b"a\r\nb\r\n.\r\n"


def test_lines_starting_with_a_dot_arrive_intact(tmp_path: Path) -> None:
    person = recipient("r1", "ana@example.org")
    path = tmp_path / "journal.sqlite"
    letter = composed(person)
    dotted = replace(letter, cover=replace(letter.cover, text="Hello\n.\n..two\n.end\n"))
    with Journal.open(path) as journal:
        spool_batch(journal, Spool(spool_root_for(path)), BATCH, [person],
                    lambda r: (dotted, TINY_PDF), mail=MAIL, date=BATCH_DATE)  # fmt: skip
        [row] = journal.rows(BATCH.id)
    spooled = Spool(spool_root_for(path)).read(row.spool_path, row.sha256)
    with running_server() as server:
        send(path, server)
        [received] = server.handler.received
    assert received.data.replace(b"\r\n", b"\n") == spooled.replace(b"\r\n", b"\n")


def test_a_spooled_message_changed_on_disk_stops_the_batch(tmp_path: Path) -> None:
    path = prepare(tmp_path, people(12))
    with Journal.open(path, writer=False) as journal:
        victim = next(r for r in journal.rows(BATCH.id) if r.recipient_id == "r00005")
    (spool_root_for(path) / victim.spool_path).write_bytes(b"Subject: changed\r\n\r\nx\r\n")
    with running_server() as server:
        with pytest.raises(JournalError, match="changed on disk"):
            send(path, server, SendOptions(connections=2, rate=None))
        assert all(r.rcpt_tos != ("user5@example.org",) for r in server.handler.received)
    assert states(path)["r00005"] is SendState.QUEUED


def test_relay_without_smtputf8_fails_only_the_recipients_who_need_it(tmp_path: Path) -> None:
    needs_it = recipient("u1", "софия@пример.рф", name="София")
    path = prepare(tmp_path, [needs_it, *people(4)])
    with running_server(smtputf8=False) as server:
        summary = send(path, server, SendOptions(connections=1, rate=None, policy_limit=1))
        assert server.handler.message_ids().total() == 4
    assert summary.counts == {SendState.SENT: 4, SendState.FAILED_PERMANENT: 1}
    assert rows(path)["u1"].last_code == 555
