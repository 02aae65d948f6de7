"""Reading bounces: DSN parsing on saved notices, matching and idempotent recording in a real
journal, Maildir and mbox readers, VERP addresses, and IMAP's handling of credentials."""

from __future__ import annotations

import mailbox
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from delivery_fixtures import BATCH_DATE, MAIL, TINY_PDF, composed, recipient

from missive.app.bounces import BouncesRequest, BouncesResult, read_bounces
from missive.deliver.bounces import NoticeKind, read_notice
from missive.deliver.journal import BatchInfo, Journal, NewDelivery, SendState
from missive.deliver.mailboxes import (
    ImapBox,
    ImapCredentials,
    MailboxKind,
    MailboxSpec,
    imap_credentials,
    parse_imap_url,
)
from missive.deliver.message import build_message, message_id_for
from missive.deliver.verp import read_token, verp_address, verp_key
from missive.errors import InputError, MailboxError
from missive.load import load_letter
from missive.storage.schema import DELIVERY_MIGRATIONS, apply_migrations, connect

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "data" / "bounces"
LETTER = ROOT / "tests" / "data" / "letters" / "mini.yaml"  # its key "mini" names the batch
KEY = b"k" * 32  # the key the Postfix samples' VERP addresses were made with

# (file, kind, failed address, status, words of the diagnostic)
PARSED = [
    ("postfix-unknown-user", "bounced", "nobody1@example.org", "5.1.1", "unknown user"),
    ("postfix-undeliverable-domain", "bounced", "minister@nowhere.example.com", "5.0.0", "nowhere"),
    ("postfix-delayed", "delayed", "minister@slow.example.net", "4.4.1", "not answering"),
    ("exim-unknown-user", "bounced", "nobody@mail.example.net", "5.1.1", "User unknown"),
    ("exchange-recipient-not-found", "bounced", "minister@gov.example", "5.1.10", "NotFound"),
    ("gmail-no-such-user", "bounced", "secretariat.ministry@gmail.com", "5.1.1", "does not exist"),
    ("gmail-delayed", "delayed", "office@delayed.example", "4.4.1", "timed out"),
]  # fmt: skip

# The sample batch: who had which address (r1 received it; human-reply.eml answers r1).
PEOPLE = {
    "r1": "ana@example.org",
    "r2": "nobody1@example.org",
    "r3": "minister@nowhere.example.com",
    "r4": "minister@slow.example.net",
    "r5": "nobody@mail.example.net",
    "r6": "minister@gov.example",
    "r7": "secretariat.ministry@gmail.com",
    "r8": "office@delayed.example",
    "r9": "director@org.example",
    "r10": "cabinet@ministere.example",
}
EXPECTED = {
    "r1": SendState.SENT,
    **dict.fromkeys(("r2", "r3", "r5", "r6", "r7"), SendState.BOUNCED),
    **dict.fromkeys(("r4", "r8"), SendState.DELAYED),
    **dict.fromkeys(("r9", "r10"), SendState.REPLIED),
}


@pytest.mark.parametrize(("name", "kind", "address", "status", "words"), PARSED)
def test_each_format_gives_address_status_and_diagnostic(
    name: str, kind: str, address: str, status: str, words: str
) -> None:
    notice = read_notice((SAMPLES / f"{name}.eml").read_bytes())
    assert notice.kind.value == kind
    ((failure),) = notice.failures
    assert (failure.address, failure.kind.value, failure.status) == (address, kind, status)
    assert words in failure.diagnostic
    assert not failure.diagnostic.lower().startswith(("smtp;", "x-postfix;"))


def test_auto_replies_are_replies_and_a_persons_answer_is_neither() -> None:
    for name in ("exchange-out-of-office", "vacation-reply-fr"):
        notice = read_notice((SAMPLES / f"{name}.eml").read_bytes())
        assert notice.kind is NoticeKind.REPLIED and not notice.failures, name
    assert (
        "Réponse automatique"
        in read_notice((SAMPLES / "vacation-reply-fr.eml").read_bytes()).subject
    )
    assert read_notice((SAMPLES / "human-reply.eml").read_bytes()).kind is NoticeKind.OTHER


def test_a_relays_own_notice_is_never_taken_for_an_auto_reply() -> None:
    # Postfix marks its DSNs Auto-Submitted: auto-replied; a success DSN reports no failure.
    success = (
        (SAMPLES / "postfix-delayed.eml")
        .read_bytes()
        .replace(b"Action: delayed", b"Action: delivered")
    )
    assert read_notice(success).kind is NoticeKind.OTHER


def journal_with_sample_batch(tmp_path: Path) -> Path:
    """A journal where batch b1 of the letter `mini` sent r1..r10 (VERP key as the samples)."""
    path = tmp_path / "journal.sqlite"
    with Journal.open(path) as journal:
        conn = journal.connect()
        conn.execute("INSERT INTO verp_key (id, key) VALUES (1, ?)", (KEY,))
        conn.close()
        journal.ensure_batch(BatchInfo("b1", "mini", str(LETTER), "list.csv"))
        journal.enqueue("b1", [entry(rid, email) for rid, email in PEOPLE.items()])
        for rid in PEOPLE:
            journal.mark_sending("b1", rid)
            journal.mark_outcome("b1", rid, SendState.SENT, code=250, text="2.0.0 queued")
    return path


def entry(rid: str, email: str) -> NewDelivery:
    message_id = message_id_for("b1", rid, MAIL.from_address)
    return NewDelivery(
        recipient_id=rid,
        email=email,
        language="en",
        group="governments",
        sender="bounces@missive.example",
        rcpt=(email,),
        smtputf8=False,
        message_id=message_id,
        sha256="0" * 64,
        spool_path=f"b1/{rid}.eml",
    )


def maildir_of_samples(folder: Path) -> Path:
    box = mailbox.Maildir(folder, create=True)
    for sample in sorted(SAMPLES.glob("*.eml")):
        box.add(sample.read_bytes())
    return folder


def states(path: Path) -> dict[str, SendState]:
    with Journal.open(path, writer=False) as journal:
        return {d.recipient_id: d.state for d in journal.rows("b1")}


def snapshot(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [
            *conn.execute("SELECT * FROM deliveries ORDER BY rowid"),
            *conn.execute("SELECT * FROM delivery_notices ORDER BY rowid"),
        ]
    finally:
        conn.close()


def read(journal: Path, spec: MailboxSpec, move: str | None = None) -> BouncesResult:
    return read_bounces(BouncesRequest(LETTER, journal, spec, move_processed=move))


def test_every_sample_lands_on_its_recipient_and_a_second_read_changes_nothing(
    tmp_path: Path,
) -> None:
    journal = journal_with_sample_batch(tmp_path)
    spec = MailboxSpec(MailboxKind.MAILDIR, str(maildir_of_samples(tmp_path / "Maildir")))
    first = read(journal, spec)
    assert states(journal) == EXPECTED
    assert first.new == {"bounced": 5, "delayed": 2, "replied": 2}
    assert not first.unmatched
    assert [n.subject for n in first.other] == [
        "Re: Invitation to the WSIS+20 Forum High-Level Event"
    ]
    by = {f.target.recipient_id: f.target.matched_by for n in first.matched for f in n.findings}
    assert by["r2"] == by["r3"] == by["r4"] == "bounce address"  # the Postfix samples: VERP
    assert by["r5"] == by["r6"] == by["r7"] == by["r8"] == by["r9"] == "Message-ID"
    assert by["r10"] == "sender"
    with Journal.open(journal, writer=False) as j:
        r6 = next(d for d in j.rows("b1") if d.recipient_id == "r6")
    assert r6.notice_status == "5.1.10" and "RecipientNotFound" in (r6.notice_text or "")
    assert r6.last_code == 250  # the relay's answer is kept

    before = snapshot(journal)
    second = read(journal, spec)
    assert not second.new and second.already_recorded == 9
    assert snapshot(journal) == before
    # The same notices from an mbox (a client's copy, From_ lines and all) are known too.
    mbox = mailbox.mbox(tmp_path / "bounces.mbox", create=True)
    for sample in sorted(SAMPLES.glob("*.eml")):
        mbox.add(sample.read_bytes())
    mbox.close()
    third = read(journal, MailboxSpec(MailboxKind.MBOX, str(tmp_path / "bounces.mbox")))
    assert not third.new and third.already_recorded == 9
    assert snapshot(journal) == before


def test_states_only_move_forward_whatever_the_order(tmp_path: Path) -> None:
    journal = journal_with_sample_batch(tmp_path)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    bounce = (SAMPLES / "postfix-unknown-user.eml").read_bytes()
    delay = bounce.replace(b"Action: failed", b"Action: delayed").replace(
        b"Message-Id: <", b"Message-Id: <later."
    )
    box.add(bounce)
    read(journal, MailboxSpec(MailboxKind.MAILDIR, str(tmp_path / "Maildir")))
    box.add(delay)  # a delay notice read after the bounce does not undo it
    read(journal, MailboxSpec(MailboxKind.MAILDIR, str(tmp_path / "Maildir")))
    assert states(journal)["r2"] is SendState.BOUNCED


def test_unmatched_and_forged_notices_are_listed_and_left_in_place(tmp_path: Path) -> None:
    journal = journal_with_sample_batch(tmp_path)
    folder = tmp_path / "Maildir"
    box = mailbox.Maildir(folder, create=True)
    genuine = (SAMPLES / "postfix-unknown-user.eml").read_bytes()
    forged = genuine.replace(b"-8096b56e422a9675@", b"-0000000000000000@").replace(
        b"<b12d05db2bd9bdc091bc168d2b97a3f0@itu.int>", b"<someone-else@elsewhere.example>"
    )
    box.add(forged)  # a VERP token with a wrong HMAC, quoting a message we never sent
    box.add((SAMPLES / "gmail-no-such-user.eml").read_bytes())
    result = read(journal, MailboxSpec(MailboxKind.MAILDIR, str(folder)), move="Processed")
    assert [n.failed for n in result.unmatched] == [("nobody1@example.org",)]
    assert states(journal)["r2"] is SendState.SENT
    assert states(journal)["r7"] is SendState.BOUNCED
    assert len(box) == 1 and b"0000000000000000" in box.get_bytes(next(iter(box.keys())))
    assert len(box.get_folder("Processed")) == 1


def test_mbox_moves_processed_messages_to_a_file_beside_it(tmp_path: Path) -> None:
    journal = journal_with_sample_batch(tmp_path)
    source = tmp_path / "bounces.mbox"
    mbox = mailbox.mbox(source, create=True)
    for name in ("gmail-delayed", "human-reply"):
        mbox.add((SAMPLES / f"{name}.eml").read_bytes())
    mbox.close()
    read(journal, MailboxSpec(MailboxKind.MBOX, str(source)), move="processed.mbox")
    assert [m["subject"] for m in mailbox.mbox(source)] == [
        "Re: Invitation to the WSIS+20 Forum High-Level Event"
    ]
    assert len(mailbox.mbox(tmp_path / "processed.mbox")) == 1


def test_a_bounced_cc_is_recorded_but_the_addressee_stays_sent(tmp_path: Path) -> None:
    journal = journal_with_sample_batch(tmp_path)
    with Journal.open(journal) as j:
        j.ensure_batch(BatchInfo("b1", "mini", str(LETTER), "list.csv"))
    conn = sqlite3.connect(journal)
    conn.execute(
        "UPDATE deliveries SET rcpt = ? WHERE recipient_id = 'r7'",
        ("dg@ministry.example\nsecretariat.ministry@gmail.com",),
    )
    conn.execute("UPDATE deliveries SET email = 'dg@ministry.example' WHERE recipient_id = 'r7'")
    conn.commit()
    conn.close()
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add((SAMPLES / "gmail-no-such-user.eml").read_bytes())
    result = read(journal, MailboxSpec(MailboxKind.MAILDIR, str(tmp_path / "Maildir")))
    ((finding),) = [f for n in result.matched for f in n.findings]
    assert finding.cc and finding.address == "secretariat.ministry@gmail.com"
    assert states(journal)["r7"] is SendState.SENT


def test_verp_address_carries_a_checkable_token() -> None:
    message_id = message_id_for("b1", "r2", MAIL.from_address)
    address = verp_address(
        "bounces@missive.example", key=KEY, batch_id="b1", recipient_id="r2", message_id=message_id
    )
    assert address == "bounces+b12d05db2bd9bdc091bc-8096b56e422a9675@missive.example"
    assert read_token(address.upper()) == read_token(address)  # relays may change the case
    assert read_token("bounces@missive.example") is None


def test_spooled_messages_go_out_from_their_verp_address_with_from_unchanged(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from missive.deliver.spool import Spool
    from missive.deliver.spooler import spool_batch

    mail = replace(MAIL, bounce_address="bounces@missive.example")
    people = [recipient("r1", "ana@example.org"), recipient("r2", "bob@example.org")]
    with Journal.open(tmp_path / "j.sqlite") as journal:
        spool_batch(
            journal,
            Spool(tmp_path / "spool"),
            BatchInfo("b1", "mini", "l.yaml", "r.csv"),
            people,
            lambda r: (composed(r), TINY_PDF),
            mail=mail,
            date=BATCH_DATE,
        )
        rows = list(journal.rows("b1"))
        conn = journal.connect()
        key = verp_key(conn)
        conn.close()
    for row in rows:
        token = read_token(row.sender)
        assert token is not None and row.sender.endswith("@missive.example")
        expected = verp_address(
            "bounces@missive.example",
            key=key,
            batch_id="b1",
            recipient_id=row.recipient_id,
            message_id=row.message_id,
        )
        assert row.sender == expected
        data = (tmp_path / "spool" / row.spool_path).read_bytes()
        assert b"From: =?utf-8?b?" in data and b"<wsis-info@itu.int>" in data
        assert b"bounces+" not in data  # only the envelope changes
    plain = build_message(composed(people[0]), TINY_PDF, mail=MAIL, batch_id="b1", date=BATCH_DATE)
    assert plain.sender == "wsis-info@itu.int"


def test_bounce_address_in_the_letter(tmp_path: Path) -> None:
    letter = tmp_path / "letters" / "mini.yaml"
    letter.parent.mkdir()
    text = LETTER.read_text(encoding="utf-8")
    text = text.replace("../../signatories", f"{ROOT}/signatories")
    text = text.replace(
        "template: mini", f"template: mini\ntemplates_dir: {ROOT}/tests/data/templates"
    )
    text = text.replace("recipients/mini.csv", f"{ROOT}/tests/data/recipients/mini.csv")
    letter.write_text(text + "  bounce_address: bounces@itu.int\n", encoding="utf-8")
    assert load_letter(letter).mail.bounce_address == "bounces@itu.int"
    letter.write_text(text + "  bounce_address: réponses@itu.int\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_letter(letter)
    assert any(
        p.message == "mail.bounce_address: must be ASCII" and p.line > 1
        for p in caught.value.problems
    )


def test_a_journal_of_the_first_version_gains_the_notice_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = connect(path)
    apply_migrations(conn, "delivery", DELIVERY_MIGRATIONS[:1])
    conn.close()
    with Journal.open(path) as journal:
        journal.ensure_batch(BatchInfo("b1", "mini", "l.yaml", "r.csv"))
        journal.enqueue("b1", [entry("r1", "ana@example.org")])
        (row,) = journal.rows("b1")
    assert row.notice_status is None and row.state is SendState.QUEUED


def test_imap_takes_credentials_from_the_environment_only_and_never_shows_them() -> None:
    with pytest.raises(MailboxError, match="no credentials in the URL") as caught:
        parse_imap_url("imaps://bounces:Hunter2Secret@imap.example.int/INBOX")
    assert "Hunter2Secret" not in str(caught.value)
    with pytest.raises(MailboxError, match="TLS only"):
        parse_imap_url("imap://imap.example.int/INBOX")
    assert parse_imap_url("imaps://imap.example.int:1993/Bounces/2024").folder == "Bounces/2024"
    assert parse_imap_url("imaps://imap.example.int").port == 993
    with pytest.raises(MailboxError, match="MISSIVE_IMAP_USERNAME"):
        imap_credentials({"MISSIVE_IMAP_PASSWORD": "x"})
    assert "Hunter2Secret" not in repr(ImapCredentials("u", "Hunter2Secret"))


def test_imap_connection_failure_names_no_secret(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(MailboxError, match="cannot connect") as caught:
        ImapBox.connect(
            f"imaps://127.0.0.1:{port}/INBOX", ImapCredentials("bounces", "Hunter2Secret")
        )
    assert "Hunter2Secret" not in str(caught.value) and "bounces" not in str(caught.value)
    journal = journal_with_sample_batch(tmp_path)
    env = {
        **os.environ,
        "MISSIVE_IMAP_USERNAME": "bounces",
        "MISSIVE_IMAP_PASSWORD": "Hunter2Secret",
    }
    done = subprocess.run(
        [
            sys.executable, "send.py", "bounces", str(LETTER), "--journal", str(journal),
            "--imap", f"imaps://127.0.0.1:{port}/INBOX",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "cannot connect" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Hunter2Secret" not in done.stdout + done.stderr
    assert b"Hunter2Secret" not in journal.read_bytes()


def test_cli_lists_what_it_recorded_and_what_matched_nothing(tmp_path: Path) -> None:
    journal = journal_with_sample_batch(tmp_path)
    folder = maildir_of_samples(tmp_path / "Maildir")
    args = [sys.executable, "send.py", "bounces", str(LETTER), "--journal", str(journal)]
    done = subprocess.run(
        [*args, "--maildir", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert (
        "recorded 5 bounced, 2 delayed, 2 replied; 0 already recorded; 0 unmatched" in done.stdout
    )
    assert "r6  minister@gov.example  5.1.10" in done.stdout
    assert "not a notification nor an auto-reply (left in the mailbox): 1" in done.stdout


def test_the_demo_sink_files_a_bounce_and_a_delay_for_scripted_addresses(tmp_path: Path) -> None:
    import smtplib

    from missive.deliver.sink import NoticeScript, ScriptedNotice, maildir_sink

    script = NoticeScript(
        tmp_path / "bounces",
        {
            "gone@example.org": ScriptedNotice("failed", "5.1.1", "smtp; 550 5.1.1 user unknown"),
            "slow@example.org": ScriptedNotice("delayed", "4.4.1", "smtp; 451 4.4.1 no answer"),
        },
    )
    message = b"From: wsis-info@itu.int\r\nMessage-ID: <m1@itu.int>\r\nSubject: hi\r\n\r\nhi\r\n"
    people = ["ana@example.org", "gone@example.org", "slow@example.org"]
    with (
        maildir_sink(tmp_path / "maildir", script=script) as sink,
        smtplib.SMTP(sink.host, sink.port) as smtp,
    ):
        smtp.sendmail("bounces+abc@itu.int", people, message)
    (delivered,) = mailbox.Maildir(tmp_path / "maildir").values()
    assert delivered["X-Missive-Envelope-To"] == "ana@example.org"
    notices = [read_notice(m.as_bytes()) for m in mailbox.Maildir(tmp_path / "bounces").values()]
    found = {(n.kind.value, n.failures[0].address, n.failures[0].status) for n in notices}
    assert found == {
        ("bounced", "gone@example.org", "5.1.1"),
        ("delayed", "slow@example.org", "4.4.1"),
    }
    assert all(n.addressed_to == ("bounces+abc@itu.int",) for n in notices)
    assert all(n.message_ids == ("<m1@itu.int>",) for n in notices)


def test_imap_folder_of_a_real_dovecot_read_moved_and_credentials_kept_secret(
    tmp_path: Path,
) -> None:
    from imap_server import PASSWORD, USERNAME, running_imap, why_dovecot_cannot_run

    reason = why_dovecot_cannot_run()
    if reason:
        pytest.skip(f"Dovecot cannot run here: {reason}")
    journal = journal_with_sample_batch(tmp_path)
    samples = [p.read_bytes() for p in sorted(SAMPLES.glob("*.eml"))]
    with running_imap(samples) as server:
        wrong = BouncesRequest(
            LETTER,
            journal,
            MailboxSpec(MailboxKind.IMAP, server.url),
            imap_credentials=ImapCredentials(USERNAME, "not-" + PASSWORD),
            tls_context=server.client_context,
        )
        with pytest.raises(MailboxError, match="login") as caught:
            read_bounces(wrong)
        assert PASSWORD not in str(caught.value)
        env = {**os.environ, "SSL_CERT_FILE": str(server.cert)}
        env.update(MISSIVE_IMAP_USERNAME=USERNAME, MISSIVE_IMAP_PASSWORD=PASSWORD)
        done = subprocess.run(
            [
                sys.executable, "send.py", "bounces", str(LETTER), "--journal", str(journal),
                "--imap", server.url, "--move-processed", "Processed",
            ],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "recorded 5 bounced, 2 delayed, 2 replied" in done.stdout
        assert PASSWORD not in done.stdout + done.stderr
        assert states(journal) == EXPECTED
        inbox = mailbox.Maildir(server.maildir, create=False)
        assert [m["subject"] for m in inbox] == [
            "Re: Invitation to the WSIS+20 Forum High-Level Event"
        ]
        assert len(inbox.get_folder("Processed")) == 9
    assert PASSWORD.encode() not in journal.read_bytes()
