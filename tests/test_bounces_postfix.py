"""Bounces written by a real Postfix, read back by `send.py bounces`.

missive sends through a Postfix of the test's own on loopback (see postfix_server.py): two
addresses exist, two are unknown users, one is in a domain Postfix may not deliver to, one is
in a domain whose server "does not answer" (a delay), and one office answers with an
out-of-office reply. Postfix writes its notifications to the VERP bounce addresses, into a
Maildir, and `bounces` reads them.
"""

from __future__ import annotations

import csv
import mailbox
import smtplib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from postfix_server import (
    BOUNCE_ADDRESS,
    RECIPIENT_DOMAIN,
    SECRETARIAT,
    SLOW_DOMAIN,
    RunningPostfix,
    running_postfix,
    why_postfix_cannot_run,
)
from reviewers import PASSWORD as REVIEWER_PASSWORD
from reviewers import add_reviewer

from missive.deliver.journal import Journal, SendState

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

pytestmark = pytest.mark.slow

COLUMNS = "id,email,language,group,name,gender,honorific,position,organization,country,cc"
PEOPLE = {
    "m1": (f"ana@{RECIPIENT_DOMAIN}", "es", "governments"),
    "m2": (f"john@{RECIPIENT_DOMAIN}", "en", "academia"),
    "m3": (f"nobody1@{RECIPIENT_DOMAIN}", "es", "governments"),
    "m4": (f"nobody2@{RECIPIENT_DOMAIN}", "en", "academia"),
    "m5": ("minister@nowhere.example.com", "en", "governments"),
    "m6": (f"minister@{SLOW_DOMAIN}", "es", "academia"),
    "m7": (f"sam@{RECIPIENT_DOMAIN}", "en", "governments"),
}


@pytest.fixture(scope="module")
def postfix() -> Iterator[RunningPostfix]:
    reason = why_postfix_cannot_run()
    if reason:
        pytest.skip(f"Postfix cannot run here: {reason}")
    with running_postfix() as server:
        yield server


def cli(*args: str, check: int | None = 0, stdin: str = "") -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "send.py", *args],
        input=stdin + "\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check is not None:
        assert done.returncode == check, done.stdout + done.stderr
    return done


def write_list(path: Path, people: dict[str, tuple[str, str, str]]) -> None:
    rows = [COLUMNS] + [
        f"{rid},{email},{lang},{group},Person {rid},unspecified,,Director,Ministry,KE,"
        for rid, (email, lang, group) in people.items()
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_letter(folder: Path, *, bounce_address: str | None, sender: str | None = None) -> Path:
    """The mini test letter, its paths made absolute, sending to the list above."""
    text = (DATA / "letters" / "mini.yaml").read_text(encoding="utf-8")
    if sender:
        text = text.replace("  from: wsis-info@itu.int", f"  from: {sender}")
    text = text.replace(
        "signatories_dir: ../../signatories", f"signatories_dir: {ROOT}/signatories"
    )
    text = text.replace("recipients: recipients/mini.csv", f"recipients: {folder}/list.csv")
    text = text.replace("template: mini", f"template: mini\ntemplates_dir: {DATA}/templates")
    if bounce_address:
        text += f"  bounce_address: {bounce_address}\n"
    letter = folder / "letters" / "bounce-test.yaml"
    letter.parent.mkdir(parents=True, exist_ok=True)
    letter.write_text(text, encoding="utf-8")
    write_list(folder / "list.csv", PEOPLE)
    return letter


def send(letter: Path, journal: Path, server: RunningPostfix, check: int = 0) -> str:
    add_reviewer(journal)
    cli(
        "approve",
        str(letter),
        "--journal",
        str(journal),
        "--user",
        "tester",
        stdin=REVIEWER_PASSWORD,
    )
    done = cli(
        "send", str(letter), "--journal", str(journal), "--smtp", server.url, "--no-dry-run",
        check=check,
    )  # fmt: skip
    return done.stdout


def rows(journal: Path) -> dict[str, tuple[SendState, str, str | None, str | None]]:
    with Journal.open(journal, writer=False) as j:
        (batch,) = j.batches()
        return {
            d.recipient_id: (d.state, d.email, d.notice_status, d.notice_text)
            for d in j.rows(batch.id)
        }


def out_of_office(server: RunningPostfix, journal: Path, recipient_id: str) -> None:
    """Sam's office answers, as RFC 3834 asks, to the envelope sender (the VERP address)."""
    with Journal.open(journal, writer=False) as j:
        (batch,) = j.batches()
        (sam,) = [d for d in j.rows(batch.id) if d.recipient_id == recipient_id]
    reply = EmailMessage()
    reply["From"] = sam.email
    reply["To"] = sam.sender
    reply["Subject"] = "Automatic reply: Invitation"
    reply["In-Reply-To"] = sam.message_id
    reply["Auto-Submitted"] = "auto-replied"
    reply.set_content("I am out of the office until Monday.")
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        smtp.send_message(reply, from_addr="", to_addrs=[sam.sender])


def stray_bounce(server: RunningPostfix) -> None:
    """A message missive never sent, to an unknown user, from the plain bounce address."""
    stray = EmailMessage()
    stray["From"] = BOUNCE_ADDRESS
    stray["To"] = f"ghost@{RECIPIENT_DOMAIN}"
    stray["Subject"] = "not from missive"
    stray["Message-ID"] = "<stray-1@elsewhere.example>"
    stray.set_content("hello")
    with smtplib.SMTP("127.0.0.1", server.port) as smtp:
        smtp.send_message(stray, from_addr=BOUNCE_ADDRESS, to_addrs=[stray["To"]])


def snapshot(journal: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(journal)
    try:
        return [
            *conn.execute("SELECT * FROM deliveries ORDER BY rowid"),
            *conn.execute("SELECT * FROM delivery_notices ORDER BY rowid"),
        ]
    finally:
        conn.close()


def test_postfix_bounces_delays_and_replies_reach_the_journal_by_verp(
    tmp_path: Path, postfix: RunningPostfix
) -> None:
    letter = write_letter(tmp_path, bounce_address=BOUNCE_ADDRESS)
    journal = tmp_path / "journal.sqlite"
    send(letter, journal, postfix)
    before = rows(journal)
    assert {state for state, *_ in before.values()} == {SendState.SENT}
    out_of_office(postfix, journal, "m7")
    stray_bounce(postfix)
    # three bounces, one delay warning, the reply and the stray bounce
    postfix.wait_for_notices(6)

    first = cli(
        "bounces", str(letter), "--journal", str(journal), "--maildir", str(postfix.bounce_maildir)
    )
    print(first.stdout)
    assert "recorded 3 bounced, 1 delayed, 1 replied" in first.stdout, first.stdout
    assert "1 unmatched" in first.stdout and "ghost@example.org" in first.stdout
    assert "[by bounce address]" in first.stdout
    after = rows(journal)
    assert {rid for rid, (s, *_) in after.items() if s is SendState.BOUNCED} == {"m3", "m4", "m5"}
    assert after["m6"][0] is SendState.DELAYED and after["m6"][2] == "4.4.1"
    assert after["m7"][0] is SendState.REPLIED
    assert after["m1"][0] is SendState.SENT and after["m2"][0] is SendState.SENT
    assert after["m3"][2] == "5.1.1" and "unknown user" in (after["m3"][3] or "")

    recorded = snapshot(journal)
    second = cli(
        "bounces", str(letter), "--journal", str(journal), "--maildir", str(postfix.bounce_maildir),
        "--move-processed", "Processed",
    )  # fmt: skip
    assert "recorded nothing new; 5 already recorded; 1 unmatched" in second.stdout
    assert snapshot(journal) == recorded  # the second run changed nothing
    left = mailbox.Maildir(postfix.bounce_maildir, create=False)
    assert len(left) == 1  # the unmatched one stays
    assert b"ghost@example.org" in left.get_bytes(next(iter(left.keys())))
    assert len(left.get_folder("Processed")) == 5

    table = tmp_path / "status.csv"
    status = cli("status", str(letter), "--journal", str(journal), "--csv", str(table), check=3)
    assert "2 sent" in status.stdout and "3 bounced" in status.stdout
    assert "1 delayed" in status.stdout and "1 replied" in status.stdout
    assert "3 bounced, 1 delayed, 1 replied, 2 sent" in status.stdout
    assert (
        f'm3  nobody1@{RECIPIENT_DOMAIN}  bounced  5.1.1  unknown user: "nobody1@' in status.stdout
    )
    assert (
        f"m6  minister@{SLOW_DOMAIN}  delayed  4.4.1  remote server not answering" in status.stdout
    )
    with table.open(encoding="utf-8") as stream:
        by_id = {row["recipient_id"]: row for row in csv.DictReader(stream)}
    assert (by_id["m4"]["state"], by_id["m4"]["notice_status"]) == ("bounced", "5.1.1")
    assert by_id["m7"]["state"] == "replied" and by_id["m1"]["notice_status"] == ""

    correct_an_address(tmp_path, letter, journal, postfix)


def correct_an_address(
    tmp_path: Path, letter: Path, journal: Path, postfix: RunningPostfix
) -> None:
    """The secretariat corrects m3's address: a new recipient, sent to; the bounce stays."""
    fixed = dict(PEOPLE, m3=(f"dean@{RECIPIENT_DOMAIN}", "es", "governments"))
    write_list(tmp_path / "list.csv", fixed)
    send(letter, journal, postfix, check=3)
    now = rows(journal)
    assert now["m3"][:2] == (SendState.SENT, f"dean@{RECIPIENT_DOMAIN}")
    assert now["m4"][0] is SendState.BOUNCED  # not sent again
    with Journal.open(journal, writer=False) as j:
        (batch,) = j.batches()
        assert [h[:3] for h in j.history(batch.id)] == [
            ("m3", f"nobody1@{RECIPIENT_DOMAIN}", "bounced")
        ]
    dean = mailbox.Maildir(postfix.root / "mail" / RECIPIENT_DOMAIN / "dean", create=False)
    assert len(dean) == 1
    history = cli("status", str(letter), "--journal", str(journal), check=3).stdout
    assert "corrected addresses" in history
    assert f"m3  nobody1@{RECIPIENT_DOMAIN}  bounced  5.1.1" in history


def test_without_a_bounce_address_postfix_bounces_match_by_message_id(
    tmp_path: Path, postfix: RunningPostfix
) -> None:
    # No bounce_address: the envelope sender is the From address, whose mailbox gets the
    # notices; they are matched by the Message-ID in the headers Postfix returns.
    letter = write_letter(tmp_path, bounce_address=None, sender=SECRETARIAT)
    journal = tmp_path / "journal.sqlite"
    send(letter, journal, postfix)
    with Journal.open(journal, writer=False) as j:
        (batch,) = j.batches()
        assert {d.sender for d in j.rows(batch.id)} == {SECRETARIAT}
    postfix.wait_for_notices(4, SECRETARIAT)
    maildir = str(postfix.maildir(SECRETARIAT))
    done = cli("bounces", str(letter), "--journal", str(journal), "--maildir", maildir)
    assert "recorded 3 bounced, 1 delayed; 0 already recorded; 0 unmatched" in done.stdout
    assert "[by Message-ID]" in done.stdout and "[by bounce address]" not in done.stdout
    after = rows(journal)
    assert {rid for rid, (s, *_) in after.items() if s is SendState.BOUNCED} == {"m3", "m4", "m5"}
    assert after["m6"][0] is SendState.DELAYED
